package sqlite

import (
	"context"

	"github.com/drivewayhq/driveway"
)

const userColumns = `project_id, id, metadata, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (*driveway.ConnectedUser, error) {
	u := &driveway.ConnectedUser{}
	err := row.Scan(&u.ProjectID, &u.ID, jsonCol{&u.Metadata}, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt})
	return u, err
}

// UpsertConnectedUser creates the user or replaces its metadata and
// UpdatedAt (CreatedAt stays); ENOTFOUND if the project does not exist.
func (q *queries) UpsertConnectedUser(ctx context.Context, u *driveway.ConnectedUser) error {
	nowIfZero(&u.CreatedAt)
	nowIfZero(&u.UpdatedAt)
	meta, err := dbJSON(u.Metadata)
	if err != nil {
		return err
	}
	_, err = q.w.ExecContext(ctx, `INSERT INTO connected_users (`+userColumns+`) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (project_id, id) DO UPDATE SET metadata = excluded.metadata, updated_at = excluded.updated_at`,
		u.ProjectID, u.ID, meta, dbTime(u.CreatedAt), dbTime(u.UpdatedAt))
	return mapErr(err, "connected user")
}

// GetConnectedUser returns the project's user; ENOTFOUND if there is none.
func (q *queries) GetConnectedUser(ctx context.Context, projectID, id string) (*driveway.ConnectedUser, error) {
	u, err := scanUser(q.cachedQueryRow(ctx,
		`SELECT `+userColumns+` FROM connected_users WHERE project_id = ? AND id = ?`, projectID, id))
	if err != nil {
		return nil, mapErr(err, "connected user")
	}
	return u, nil
}

// ListConnectedUsers returns up to limit (100 if 0 or less) of the project's
// users with ids after "after", ordered by id (byte order).
func (q *queries) ListConnectedUsers(ctx context.Context, projectID, after string, limit int) ([]*driveway.ConnectedUser, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	rows, err := q.r.QueryContext(ctx, `SELECT `+userColumns+` FROM connected_users
		WHERE project_id = ? AND id > ? ORDER BY id LIMIT ?`, projectID, after, limit)
	if err != nil {
		return nil, mapErr(err, "list connected users")
	}
	return collect(rows, scanUser, "list connected users")
}

// DeleteConnectedUser deletes the user and, by cascade, its credentials;
// ENOTFOUND if there is none.
func (q *queries) DeleteConnectedUser(ctx context.Context, projectID, id string) error {
	res, err := q.w.ExecContext(ctx, `DELETE FROM connected_users WHERE project_id = ? AND id = ?`, projectID, id)
	return affected(res, err, "connected user")
}
