package sqlite

import (
	"context"
	"time"

	"github.com/drivewayhq/driveway"
)

const oauthStateColumns = `id, project_id, user_id, credential_id, verifier, redirect_uri, origin, session_id, created_at, expires_at, code`

// CreateOAuthState inserts s, its verifier and code sealed; ECONFLICT if the id
// exists, ENOTFOUND if the project does not. A zero CreatedAt is set to now.
func (q *queries) CreateOAuthState(ctx context.Context, s *driveway.OAuthState) error {
	nowIfZero(&s.CreatedAt)
	verifier, err := q.seal(s.Verifier, "oauth_states", "verifier", s.ID)
	if err != nil {
		return err
	}
	code, err := q.sealCode(s)
	if err != nil {
		return err
	}
	_, err = q.w.ExecContext(ctx, `INSERT INTO oauth_states (`+oauthStateColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.ProjectID, s.UserID, s.CredentialID, verifier, s.RedirectURI, s.Origin, s.SessionID,
		dbTime(s.CreatedAt), dbTime(s.ExpiresAt), code)
	return mapErr(err, "oauth state")
}

// ConsumeOAuthState deletes the state and returns it in one statement
// (DELETE ... RETURNING), so only one caller gets it; ENOTFOUND otherwise.
// Expired states are returned too.
func (q *queries) ConsumeOAuthState(ctx context.Context, id string) (*driveway.OAuthState, error) {
	s := &driveway.OAuthState{}
	var verifier string
	var code *string
	err := q.w.QueryRowContext(ctx, `DELETE FROM oauth_states WHERE id = ? RETURNING `+oauthStateColumns, id).Scan(
		&s.ID, &s.ProjectID, &s.UserID, &s.CredentialID, &verifier, &s.RedirectURI, &s.Origin, &s.SessionID,
		timeCol{&s.CreatedAt}, timeCol{&s.ExpiresAt}, &code)
	if err != nil {
		return nil, mapErr(err, "oauth state")
	}
	if s.Verifier, err = q.open(verifier, "oauth_states", "verifier", s.ID); err != nil {
		return nil, err
	}
	if code != nil {
		if s.Code, err = q.open(*code, "oauth_states", "code", s.ID); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// sealCode seals the state's authorization code; nil (NULL) when it has
// none.
func (q *queries) sealCode(s *driveway.OAuthState) (any, error) {
	if s.Code == "" {
		return nil, nil
	}
	return q.seal(s.Code, "oauth_states", "code", s.ID)
}

// DeleteExpiredOAuthStates deletes the states that expired before t and
// returns how many.
func (q *queries) DeleteExpiredOAuthStates(ctx context.Context, t time.Time) (int, error) {
	res, err := q.w.ExecContext(ctx, `DELETE FROM oauth_states WHERE expires_at < ?`, dbTime(t))
	if err != nil {
		return 0, mapErr(err, "delete expired oauth states")
	}
	n, err := res.RowsAffected()
	return int(n), mapErr(err, "delete expired oauth states")
}

// CountOAuthStates counts the user's states that expire at or after t.
func (q *queries) CountOAuthStates(ctx context.Context, projectID, userID string, t time.Time) (int, error) {
	var n int
	err := q.r.QueryRowContext(ctx, `SELECT count(*) FROM oauth_states WHERE project_id = ? AND user_id = ? AND expires_at >= ?`,
		projectID, userID, dbTime(t)).Scan(&n)
	return n, mapErr(err, "count oauth states")
}

// CountInstallSessions counts the user's sessions that expire at or after t.
func (q *queries) CountInstallSessions(ctx context.Context, projectID, userID string, t time.Time) (int, error) {
	var n int
	err := q.r.QueryRowContext(ctx, `SELECT count(*) FROM install_sessions WHERE project_id = ? AND user_id = ? AND expires_at >= ?`,
		projectID, userID, dbTime(t)).Scan(&n)
	return n, mapErr(err, "count install sessions")
}

// DeleteExpiredInstallSessions deletes the sessions that expired before t
// and returns how many.
func (q *queries) DeleteExpiredInstallSessions(ctx context.Context, t time.Time) (int, error) {
	res, err := q.w.ExecContext(ctx, `DELETE FROM install_sessions WHERE expires_at < ?`, dbTime(t))
	if err != nil {
		return 0, mapErr(err, "delete expired install sessions")
	}
	n, err := res.RowsAffected()
	return int(n), mapErr(err, "delete expired install sessions")
}

const installSessionColumns = `project_id, user_id, id, credential_id, error, created_at, expires_at`

// PutInstallSession creates or replaces the session; ENOTFOUND if the
// project does not exist. A zero CreatedAt is set to now.
func (q *queries) PutInstallSession(ctx context.Context, s *driveway.InstallSession) error {
	nowIfZero(&s.CreatedAt)
	_, err := q.w.ExecContext(ctx, `INSERT INTO install_sessions (`+installSessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (project_id, user_id, id) DO UPDATE SET credential_id = excluded.credential_id,
		error = excluded.error, created_at = excluded.created_at, expires_at = excluded.expires_at`,
		s.ProjectID, s.UserID, s.ID, s.CredentialID, s.Error, dbTime(s.CreatedAt), dbTime(s.ExpiresAt))
	return mapErr(err, "install session")
}

// GetInstallSession returns the project's session of the user; ENOTFOUND if
// there is none.
func (q *queries) GetInstallSession(ctx context.Context, projectID, userID, id string) (*driveway.InstallSession, error) {
	s := &driveway.InstallSession{}
	err := q.r.QueryRowContext(ctx, `SELECT `+installSessionColumns+` FROM install_sessions
		WHERE project_id = ? AND user_id = ? AND id = ?`, projectID, userID, id).Scan(
		&s.ProjectID, &s.UserID, &s.ID, &s.CredentialID, &s.Error, timeCol{&s.CreatedAt}, timeCol{&s.ExpiresAt})
	if err != nil {
		return nil, mapErr(err, "install session")
	}
	return s, nil
}

// DeleteInstallSession deletes the session; ENOTFOUND if there is none.
func (q *queries) DeleteInstallSession(ctx context.Context, projectID, userID, id string) error {
	res, err := q.w.ExecContext(ctx, `DELETE FROM install_sessions WHERE project_id = ? AND user_id = ? AND id = ?`,
		projectID, userID, id)
	return affected(res, err, "install session")
}

const eventColumns = `project_id, id, kind, user_id, credential_id, data, created_at`

// AppendEvent records e; ECONFLICT if the project has that id, ENOTFOUND if
// the project does not exist. A zero CreatedAt is set to now.
func (q *queries) AppendEvent(ctx context.Context, e *driveway.Event) error {
	nowIfZero(&e.CreatedAt)
	data, err := dbJSON(e.Data)
	if err != nil {
		return err
	}
	_, err = q.w.ExecContext(ctx, `INSERT INTO events (`+eventColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		e.ProjectID, e.ID, e.Kind, e.UserID, e.CredentialID, data, dbTime(e.CreatedAt))
	return mapErr(err, "event")
}

// ListEvents returns the project's events newest first (ties by id,
// descending), at most limit (100 if 0 or less), only credentialID's when it
// is not "".
func (q *queries) ListEvents(ctx context.Context, projectID, credentialID string, limit int) ([]*driveway.Event, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	rows, err := q.r.QueryContext(ctx, `SELECT `+eventColumns+` FROM events
		WHERE project_id = ? AND (? = '' OR credential_id = ?) ORDER BY created_at DESC, id DESC LIMIT ?`,
		projectID, credentialID, credentialID, limit)
	if err != nil {
		return nil, mapErr(err, "list events")
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (*driveway.Event, error) {
		e := &driveway.Event{}
		err := row.Scan(&e.ProjectID, &e.ID, &e.Kind, &e.UserID, &e.CredentialID, jsonCol{&e.Data}, timeCol{&e.CreatedAt})
		return e, err
	}, "list events")
}

// AcquireLease takes or extends the lease in one upsert whose update applies
// only when holder already holds it or it expired at or before now.
func (q *queries) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	res, err := q.w.ExecContext(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`,
		name, holder, dbTime(now.Add(ttl)), dbTime(now))
	if err != nil {
		return false, mapErr(err, "acquire lease")
	}
	n, err := res.RowsAffected()
	return n == 1, mapErr(err, "acquire lease")
}

// ReleaseLease frees the lease if holder holds it, and does nothing
// otherwise.
func (q *queries) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := q.w.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder)
	return mapErr(err, "release lease")
}

// ListCredentialsToRefresh returns up to limit (100 if 0 or less) VALID
// credentials of every project whose last refresh (their creation, if never
// refreshed) is before t, oldest first.
func (q *queries) ListCredentialsToRefresh(ctx context.Context, before time.Time, limit int) ([]*driveway.Credential, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	rows, err := q.r.QueryContext(ctx, `SELECT `+credentialColumns+` FROM credentials
		WHERE status = ? AND coalesce(last_refresh_at, created_at) < ?
		ORDER BY coalesce(last_refresh_at, created_at), project_id, id LIMIT ?`,
		driveway.CredentialValid, dbTime(before), limit)
	if err != nil {
		return nil, mapErr(err, "list credentials to refresh")
	}
	return collect(rows, q.scanCredential, "list credentials to refresh")
}
