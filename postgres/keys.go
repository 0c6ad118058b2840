package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
)

const signingKeyColumns = `project_id, id, alg, public_key, audience, created_at`

func scanSigningKey(row interface{ Scan(...any) error }) (*driveway.SigningKey, error) {
	k := &driveway.SigningKey{}
	err := row.Scan(&k.ProjectID, &k.ID, &k.Alg, &k.PublicKey, &k.Audience, timeCol{&k.CreatedAt})
	return k, err
}

// CreateSigningKey inserts k; ECONFLICT if the project has that kid,
// ENOTFOUND if the project does not exist.
func (q *queries) CreateSigningKey(ctx context.Context, k *driveway.SigningKey) error {
	nowIfZero(&k.CreatedAt)
	_, err := q.db.Exec(ctx, `INSERT INTO signing_keys (`+signingKeyColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		k.ProjectID, k.ID, k.Alg, k.PublicKey, k.Audience, dbTime(k.CreatedAt))
	return mapErr(err, "signing key")
}

// GetSigningKey returns the project's key; ENOTFOUND if there is none.
func (q *queries) GetSigningKey(ctx context.Context, projectID, id string) (*driveway.SigningKey, error) {
	k, err := scanSigningKey(q.db.QueryRow(ctx,
		`SELECT `+signingKeyColumns+` FROM signing_keys WHERE project_id = $1 AND id = $2`, projectID, id))
	if err != nil {
		return nil, mapErr(err, "signing key")
	}
	return k, nil
}

// ListSigningKeys lists the project's keys, oldest first.
func (q *queries) ListSigningKeys(ctx context.Context, projectID string) ([]*driveway.SigningKey, error) {
	rows, err := q.db.Query(ctx,
		`SELECT `+signingKeyColumns+` FROM signing_keys WHERE project_id = $1 ORDER BY created_at, id`, projectID)
	if err != nil {
		return nil, mapErr(err, "list signing keys")
	}
	return collect(rows, scanSigningKey, "list signing keys")
}

// DeleteSigningKey deletes the project's key; ENOTFOUND if there is none.
func (q *queries) DeleteSigningKey(ctx context.Context, projectID, id string) error {
	res, err := q.db.Exec(ctx, `DELETE FROM signing_keys WHERE project_id = $1 AND id = $2`, projectID, id)
	return affected(res, err, "signing key")
}

const apiKeyColumns = `id, project_id, name, hash, created_at, last_used_at, revoked_at, role, surfaces, expires_at, last_used_addr, parent_id`

func scanAPIKey(row interface{ Scan(...any) error }) (*driveway.APIKey, error) {
	k := &driveway.APIKey{}
	var project *string
	var surfaces string
	err := row.Scan(&k.ID, &project, &k.Name, &k.Hash, timeCol{&k.CreatedAt}, timeCol{&k.LastUsedAt}, timeCol{&k.RevokedAt},
		&k.Role, &surfaces, timeCol{&k.ExpiresAt}, &k.LastUsedAddr, &k.ParentID)
	if project != nil {
		k.ProjectID = *project
	}
	if surfaces != "" {
		k.Surfaces = strings.Split(surfaces, ",")
	}
	return k, err
}

// CreateAPIKey inserts k (an instance key when ProjectID is ""); ECONFLICT if
// the id exists, ENOTFOUND if the project does not.
func (q *queries) CreateAPIKey(ctx context.Context, k *driveway.APIKey) error {
	nowIfZero(&k.CreatedAt)
	_, err := q.db.Exec(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		k.ID, nullString(k.ProjectID), k.Name, k.Hash, dbTime(k.CreatedAt), dbTime(k.LastUsedAt), dbTime(k.RevokedAt),
		keyRole(k.Role), strings.Join(k.Surfaces, ","), dbTime(k.ExpiresAt), k.LastUsedAddr, k.ParentID)
	return mapErr(err, "api key")
}

// GetAPIKey finds a key by id across projects, revoked or not.
func (q *queries) GetAPIKey(ctx context.Context, id string) (*driveway.APIKey, error) {
	k, err := scanAPIKey(q.db.QueryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = $1`, id))
	if err != nil {
		return nil, mapErr(err, "api key")
	}
	return k, nil
}

// ListAPIKeys lists a project's keys, or the instance keys for "", oldest
// first.
func (q *queries) ListAPIKeys(ctx context.Context, projectID string) ([]*driveway.APIKey, error) {
	where := `project_id = $1`
	args := []any{projectID}
	if projectID == "" {
		where, args = `project_id IS NULL`, nil
	}
	rows, err := q.db.Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE `+where+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, mapErr(err, "list api keys")
	}
	return collect(rows, scanAPIKey, "list api keys")
}

// RevokeAPIKey sets the revocation time of the project's key (an instance
// key for ""); ENOTFOUND if there is none.
func (q *queries) RevokeAPIKey(ctx context.Context, projectID, id string, at time.Time) error {
	return q.write(ctx, func(q *queries) error {
		res, err := q.db.Exec(ctx,
			`UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND coalesce(project_id, '') = $3`, dbTime(at), id, projectID)
		if err := affected(res, err, "api key"); err != nil {
			return err
		}
		_, err = q.db.Exec(ctx, `WITH RECURSIVE tree(id) AS (
				SELECT id FROM api_keys WHERE parent_id = $1
				UNION SELECT k.id FROM api_keys k JOIN tree ON k.parent_id = tree.id)
			UPDATE api_keys SET revoked_at = $2 WHERE revoked_at IS NULL AND id IN (SELECT id FROM tree)`, id, dbTime(at))
		return mapErr(err, "revoke descendant api keys")
	})
}

// TouchAPIKey records a use of the key; ENOTFOUND if there is none.
func (q *queries) TouchAPIKey(ctx context.Context, id string, at time.Time, addr string) error {
	res, err := q.db.Exec(ctx, `UPDATE api_keys SET last_used_at = $1, last_used_addr = $2 WHERE id = $3`, dbTime(at), addr, id)
	return affected(res, err, "api key")
}

// keyRole stores an unset role as admin, the role of every key made before
// roles existed.
func keyRole(r string) string {
	if r == "" {
		return driveway.KeyAdmin
	}
	return r
}
