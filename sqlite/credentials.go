package sqlite

import (
	"context"

	"github.com/drivewayhq/driveway"
)

const credentialColumns = `project_id, id, user_id, integration, status, health_reason,
	account_tenant_id, account_object_id, account_upn, account_display_name, account_email,
	drive_id, drive_type, access_token, refresh_token, access_token_expires_at, scopes,
	version, last_refresh_at, refresh_failures, created_at, updated_at`

const getCredentialSQL = `SELECT ` + credentialColumns + ` FROM credentials WHERE project_id = ? AND id = ?`

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
	_, err = q.w.ExecContext(ctx, `INSERT INTO credentials (`+credentialColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`,
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
	c, err := q.scanCredential(q.cachedQueryRow(ctx, getCredentialSQL, projectID, id))
	if err != nil {
		return nil, mapErr(err, "credential")
	}
	return c, nil
}

// ListCredentials lists a user's credentials (the project's for userID ""),
// oldest first.
func (q *queries) ListCredentials(ctx context.Context, projectID, userID string) ([]*driveway.Credential, error) {
	rows, err := q.cachedQuery(ctx, `SELECT `+credentialColumns+` FROM credentials
		WHERE project_id = ? AND (? = '' OR user_id = ?) ORDER BY created_at, id`, projectID, userID, userID)
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
	res, err := q.cachedExec(ctx, `UPDATE credentials SET integration = ?, status = ?, health_reason = ?,
		account_tenant_id = ?, account_object_id = ?, account_upn = ?, account_display_name = ?, account_email = ?,
		drive_id = ?, drive_type = ?, access_token = ?, refresh_token = ?, access_token_expires_at = ?, scopes = ?,
		version = version + 1, last_refresh_at = ?, refresh_failures = ?, updated_at = ?
		WHERE project_id = ? AND id = ? AND version = ?`,
		c.Integration, c.Status, c.HealthReason,
		c.Account.TenantID, c.Account.ObjectID, c.Account.UserPrincipalName, c.Account.DisplayName, c.Account.Email,
		c.DriveID, c.DriveType, access, refresh, dbTime(c.AccessTokenExpiresAt), scopes,
		dbTime(c.LastRefreshAt), c.RefreshFailures, dbTime(c.UpdatedAt),
		c.ProjectID, c.ID, c.Version)
	if err != nil {
		return mapErr(err, "credential")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return mapErr(err, "credential")
	}
	if n == 0 {
		return q.versionConflict(ctx, c)
	}
	c.Version++
	return nil
}

// versionConflict tells a stale version (ECONFLICT) from a missing
// credential (ENOTFOUND). It reads through the writer, which just failed the
// update, so that it sees the row the update saw.
func (q *queries) versionConflict(ctx context.Context, c *driveway.Credential) error {
	var n int
	err := q.w.QueryRowContext(ctx, `SELECT count(*) FROM credentials WHERE project_id = ? AND id = ?`, c.ProjectID, c.ID).Scan(&n)
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
	res, err := q.w.ExecContext(ctx, `DELETE FROM credentials WHERE project_id = ? AND id = ?`, projectID, id)
	return affected(res, err, "credential")
}
