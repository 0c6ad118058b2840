package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/drivewayhq/driveway"
)

func runContentRow(projectID, runID, key string) string { return projectID + "/" + runID + "/" + key }

// PutRunContent seals and keeps a step's output until its run ends.
func (q *queries) PutRunContent(ctx context.Context, projectID, runID, key string, output []byte) error {
	ct, err := q.seal(string(output), "run_content", "content", runContentRow(projectID, runID, key))
	if err != nil {
		return err
	}
	_, err = q.db.Exec(ctx, `INSERT INTO run_content (project_id, run_id, key, content, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id, run_id, key) DO UPDATE SET content = excluded.content`,
		projectID, runID, key, ct, time.Now().UTC())
	return mapErr(err, "workflow run")
}

// ListRunContent opens a run's kept outputs.
func (q *queries) ListRunContent(ctx context.Context, projectID, runID string) (map[string][]byte, error) {
	rows, err := q.db.Query(ctx, `SELECT key, content FROM run_content WHERE project_id = $1 AND run_id = $2`, projectID, runID)
	if err != nil {
		return nil, mapErr(err, "list run content")
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var key, ct string
		if err := rows.Scan(&key, &ct); err != nil {
			return nil, mapErr(err, "list run content")
		}
		plain, err := q.open(ct, "run_content", "content", runContentRow(projectID, runID, key))
		if err != nil {
			return nil, err
		}
		out[key] = []byte(plain)
	}
	return out, mapErr(rows.Err(), "list run content")
}

// DeleteEndedRunContent deletes the kept outputs of ended runs.
func (q *queries) DeleteEndedRunContent(ctx context.Context) (int, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM run_content c USING workflow_runs r
		WHERE r.project_id = c.project_id AND r.id = c.run_id AND r.status IN ($1, $2, $3)`,
		driveway.RunSucceeded, driveway.RunFailed, driveway.RunCancelled)
	return count(tag, err, "delete run content")
}

// deleteRunContent deletes a run's kept outputs (the run ended).
func (q *queries) deleteRunContent(ctx context.Context, projectID, runID string) error {
	_, err := q.db.Exec(ctx, `DELETE FROM run_content WHERE project_id = $1 AND run_id = $2`, projectID, runID)
	return mapErr(err, "delete run content")
}

// DeleteEventsBefore deletes old events and their deliveries.
func (q *queries) DeleteEventsBefore(ctx context.Context, t time.Time) (int, error) {
	n := 0
	err := q.write(ctx, func(q *queries) error {
		_, err := q.db.Exec(ctx, `DELETE FROM webhook_deliveries d USING events e
			WHERE e.project_id = d.project_id AND e.id = d.event_id AND e.created_at < $1`, t)
		if err != nil {
			return mapErr(err, "delete deliveries of old events")
		}
		tag, err := q.db.Exec(ctx, `DELETE FROM events WHERE created_at < $1`, t)
		n, err = count(tag, err, "delete events")
		return err
	})
	return n, err
}

// eraseStatements delete a user's records, children first; each takes the
// project id and the user id.
var eraseStatements = []string{
	`DELETE FROM webhook_deliveries WHERE project_id = $1 AND event_id IN (SELECT id FROM events WHERE project_id = $1 AND user_id = $2)`,
	`DELETE FROM events WHERE project_id = $1 AND user_id = $2`,
	`DELETE FROM workflow_runs WHERE project_id = $1 AND user_id = $2`,
	`DELETE FROM workflow_enablement WHERE project_id = $1 AND user_id = $2`,
	`DELETE FROM trigger_subscriptions WHERE project_id = $1 AND user_id = $2`,
	`DELETE FROM oauth_states WHERE project_id = $1 AND user_id = $2`,
	`DELETE FROM install_sessions WHERE project_id = $1 AND user_id = $2`,
	`DELETE FROM drive_watches WHERE project_id = $1 AND user_id = $2`,
	`DELETE FROM credentials WHERE project_id = $1 AND user_id = $2`,
	`DELETE FROM url_codes WHERE project_id = $1 AND user_id = $2`,
	`DELETE FROM user_erasures WHERE project_id = $1 AND user_id = $2`,
	`DELETE FROM connected_users WHERE project_id = $1 AND id = $2`,
}

// EraseUserRecords deletes every record of the user, in one transaction.
func (q *queries) EraseUserRecords(ctx context.Context, projectID, userID string) error {
	return q.write(ctx, func(q *queries) error {
		for _, stmt := range eraseStatements {
			if _, err := q.db.Exec(ctx, stmt, projectID, userID); err != nil {
				return mapErr(err, "erase user")
			}
		}
		return nil
	})
}

func count(tag pgconn.CommandTag, err error, what string) (int, error) {
	if err != nil {
		return 0, mapErr(err, what)
	}
	return int(tag.RowsAffected()), nil
}

// CreateUserErasure records a requested erasure.
func (q *queries) CreateUserErasure(ctx context.Context, e *driveway.UserErasure) error {
	nowIfZero(&e.CreatedAt)
	_, err := q.db.Exec(ctx, `INSERT INTO user_erasures (project_id, id, user_id, created_at) VALUES ($1, $2, $3, $4)`,
		e.ProjectID, e.ID, e.UserID, e.CreatedAt)
	return mapErr(err, "user erasure")
}

// GetUserErasure returns a requested erasure.
func (q *queries) GetUserErasure(ctx context.Context, projectID, id string) (*driveway.UserErasure, error) {
	e := &driveway.UserErasure{}
	err := q.db.QueryRow(ctx, `SELECT project_id, id, user_id, created_at FROM user_erasures
		WHERE project_id = $1 AND id = $2`, projectID, id).Scan(&e.ProjectID, &e.ID, &e.UserID, &e.CreatedAt)
	if err == nil {
		e.CreatedAt = e.CreatedAt.UTC()
	}
	return e, mapErr(err, "user erasure")
}

// CreateURLCode stores a code, its token sealed.
func (q *queries) CreateURLCode(ctx context.Context, c *driveway.URLCode) error {
	ct, err := q.seal(c.Token, "url_codes", "token", c.ID)
	if err != nil {
		return err
	}
	_, err = q.db.Exec(ctx, `INSERT INTO url_codes (id, project_id, user_id, token, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		c.ID, c.ProjectID, c.UserID, ct, c.ExpiresAt)
	return mapErr(err, "url code")
}

// ConsumeURLCode deletes and returns a code.
func (q *queries) ConsumeURLCode(ctx context.Context, id string) (*driveway.URLCode, error) {
	c := &driveway.URLCode{}
	err := q.db.QueryRow(ctx, `DELETE FROM url_codes WHERE id = $1 RETURNING id, project_id, user_id, token, expires_at`, id).
		Scan(&c.ID, &c.ProjectID, &c.UserID, &c.Token, &c.ExpiresAt)
	if err != nil {
		return nil, mapErr(err, "url code")
	}
	c.ExpiresAt = c.ExpiresAt.UTC()
	if c.Token, err = q.open(c.Token, "url_codes", "token", c.ID); err != nil {
		return nil, err
	}
	return c, nil
}

// DeleteExpiredURLCodes deletes expired codes.
func (q *queries) DeleteExpiredURLCodes(ctx context.Context, t time.Time) (int, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM url_codes WHERE expires_at < $1`, t)
	return count(tag, err, "delete url codes")
}

// CountURLCodes counts a user's live codes.
func (q *queries) CountURLCodes(ctx context.Context, projectID, userID string, t time.Time) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM url_codes WHERE project_id = $1 AND user_id = $2 AND expires_at >= $3`,
		projectID, userID, t).Scan(&n)
	return n, mapErr(err, "count url codes")
}
