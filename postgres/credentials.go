package postgres

import (
	"context"

	"github.com/drivewayhq/driveway"
)

const credentialColumns = `project_id, id, user_id, integration, status, health_reason,
	account_tenant_id, account_object_id, account_upn, account_display_name, account_email,
	drive_id, drive_type, access_token, refresh_token, access_token_expires_at, scopes,
	version, last_refresh_at, refresh_failures, created_at, updated_at`

// credentialRow is the sealed row key of a credential: "project/id".
func credentialRow(c *driveway.Credential) string { return c.ProjectID + "/" + c.ID }

func (q *queries) scanCredential(row interface{ Scan(...any) error }) (*driveway.Credential, error) {
	c := &driveway.Credential{}
	var access, refresh string
	err := row.Scan(&c.ProjectID, &c.ID, &c.UserID, &c.Integration, &c.Status, &c.HealthReason,
		&c.Account.TenantID, &c.Account.ObjectID, &c.Account.UserPrincipalName, &c.Account.DisplayName, &c.Account.Email,
		&c.DriveID, &c.DriveType, &access, &refresh, timeCol{&c.AccessTokenExpiresAt}, jsonCol{&c.Scopes},
		&c.Version, timeCol{&c.LastRefreshAt}, &c.RefreshFailures, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
	if err != nil {
		return nil, err
	}
	if c.AccessToken, err = q.open(access, "credentials", "access_token", credentialRow(c)); err != nil {
		return nil, err
	}
	if c.RefreshToken, err = q.open(refresh, "credentials", "refresh_token", credentialRow(c)); err != nil {
		return nil, err
	}
	return c, nil
}

// credentialArgs returns the sealed tokens and the JSON scopes of c.
func (q *queries) credentialArgs(c *driveway.Credential) (access, refresh, scopes string, err error) {
	if access, err = q.seal(c.AccessToken, "credentials", "access_token", credentialRow(c)); err != nil {
		return "", "", "", err
	}
	if refresh, err = q.seal(c.RefreshToken, "credentials", "refresh_token", credentialRow(c)); err != nil {
		return "", "", "", err
	}
	scopes, err = dbJSON(c.Scopes)
	return access, refresh, scopes, err
}

// CreateCredential inserts c with Version 1 (set on c); ECONFLICT if the id
// exists in the project, ENOTFOUND if the user does not exist. Zero
// CreatedAt and UpdatedAt are set to now.
func (q *queries) CreateCredential(ctx context.Context, c *driveway.Credential) error {
	nowIfZero(&c.CreatedAt)
	nowIfZero(&c.UpdatedAt)
	access, refresh, scopes, err := q.credentialArgs(c)
	if err != nil {
		return err
	}
	_, err = q.db.Exec(ctx, `INSERT INTO credentials (`+credentialColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 1, $18, $19, $20, $21)`,
		c.ProjectID, c.ID, c.UserID, c.Integration, c.Status, c.HealthReason,
		c.Account.TenantID, c.Account.ObjectID, c.Account.UserPrincipalName, c.Account.DisplayName, c.Account.Email,
		c.DriveID, c.DriveType, access, refresh, dbTime(c.AccessTokenExpiresAt), scopes,
		dbTime(c.LastRefreshAt), c.RefreshFailures, dbTime(c.CreatedAt), dbTime(c.UpdatedAt))
	if err != nil {
		return mapErr(err, "credential")
	}
	c.Version = 1
	return nil
}

// GetCredential returns the project's credential, tokens opened; ENOTFOUND
// if there is none.
func (q *queries) GetCredential(ctx context.Context, projectID, id string) (*driveway.Credential, error) {
	c, err := q.scanCredential(q.db.QueryRow(ctx,
		`SELECT `+credentialColumns+` FROM credentials WHERE project_id = $1 AND id = $2`, projectID, id))
	if err != nil {
		return nil, mapErr(err, "credential")
	}
	return c, nil
}

// ListCredentials lists a user's credentials (the project's for userID ""),
// oldest first.
func (q *queries) ListCredentials(ctx context.Context, projectID, userID string) ([]*driveway.Credential, error) {
	rows, err := q.db.Query(ctx, `SELECT `+credentialColumns+` FROM credentials
		WHERE project_id = $1 AND ($2 = '' OR user_id = $3) ORDER BY created_at, id`, projectID, userID, userID)
	if err != nil {
		return nil, mapErr(err, "list credentials")
	}
	return collect(rows, q.scanCredential, "list credentials")
}

// UpdateCredential writes every field of c but its ProjectID, ID, UserID and
// CreatedAt, if the stored version is still c.Version, and sets c.Version
// to the new one (and UpdatedAt to now when zero). ECONFLICT if the version
// moved on, ENOTFOUND if there is no such credential.
func (q *queries) UpdateCredential(ctx context.Context, c *driveway.Credential) error {
	nowIfZero(&c.UpdatedAt)
	access, refresh, scopes, err := q.credentialArgs(c)
	if err != nil {
		return err
	}
	res, err := q.db.Exec(ctx, `UPDATE credentials SET integration = $1, status = $2, health_reason = $3,
		account_tenant_id = $4, account_object_id = $5, account_upn = $6, account_display_name = $7, account_email = $8,
		drive_id = $9, drive_type = $10, access_token = $11, refresh_token = $12, access_token_expires_at = $13, scopes = $14,
		version = version + 1, last_refresh_at = $15, refresh_failures = $16, updated_at = $17
		WHERE project_id = $18 AND id = $19 AND version = $20`,
		c.Integration, c.Status, c.HealthReason,
		c.Account.TenantID, c.Account.ObjectID, c.Account.UserPrincipalName, c.Account.DisplayName, c.Account.Email,
		c.DriveID, c.DriveType, access, refresh, dbTime(c.AccessTokenExpiresAt), scopes,
		dbTime(c.LastRefreshAt), c.RefreshFailures, dbTime(c.UpdatedAt),
		c.ProjectID, c.ID, c.Version)
	if err != nil {
		return mapErr(err, "credential")
	}
	if res.RowsAffected() == 0 {
		return q.versionConflict(ctx, c)
	}
	c.Version++
	return nil
}

// versionConflict tells a stale version (ECONFLICT) from a missing
// credential (ENOTFOUND).
func (q *queries) versionConflict(ctx context.Context, c *driveway.Credential) error {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM credentials WHERE project_id = $1 AND id = $2`, c.ProjectID, c.ID).Scan(&n)
	if err != nil {
		return mapErr(err, "credential")
	}
	if n == 0 {
		return driveway.Errorf(driveway.ENOTFOUND, "credential not found")
	}
	return driveway.Errorf(driveway.ECONFLICT, "credential was updated since version %d", c.Version)
}

// DeleteCredential deletes the project's credential; ENOTFOUND if there is
// none.
func (q *queries) DeleteCredential(ctx context.Context, projectID, id string) error {
	res, err := q.db.Exec(ctx, `DELETE FROM credentials WHERE project_id = $1 AND id = $2`, projectID, id)
	return affected(res, err, "credential")
}
