package postgres

import (
	"context"
	"slices"
	"time"

	"github.com/drivewayhq/driveway"
)

// RecordLoginFailure counts a failed login in one upsert: a window that
// started at or before now-window was deleted first, so it restarts at now.
func (q *queries) RecordLoginFailure(ctx context.Context, client string, now time.Time, window time.Duration) (int, time.Time, error) {
	if _, err := q.db.Exec(ctx, `DELETE FROM login_failures WHERE window_start <= $1`, dbTime(now.Add(-window))); err != nil {
		return 0, time.Time{}, mapErr(err, "login failures")
	}
	var n int
	var start time.Time
	err := q.db.QueryRow(ctx, `INSERT INTO login_failures (client, failures, window_start) VALUES ($1, 1, $2)
		ON CONFLICT (client) DO UPDATE SET failures = login_failures.failures + 1 RETURNING failures, window_start`,
		client, dbTime(now)).Scan(&n, timeCol{&start})
	return n, start, mapErr(err, "login failures")
}

// LoginFailures returns client's failures in its current window.
func (q *queries) LoginFailures(ctx context.Context, client string, now time.Time, window time.Duration) (int, time.Time, error) {
	var n int
	var start time.Time
	err := q.db.QueryRow(ctx, `SELECT failures, window_start FROM login_failures
		WHERE client = $1 AND window_start > $2`, client, dbTime(now.Add(-window))).Scan(&n, timeCol{&start})
	if driveway.ErrorCode(mapErr(err, "")) == driveway.ENOTFOUND {
		return 0, time.Time{}, nil
	}
	return n, start, mapErr(err, "login failures")
}

// ResetLoginFailures forgets client's failures.
func (q *queries) ResetLoginFailures(ctx context.Context, client string) error {
	_, err := q.db.Exec(ctx, `DELETE FROM login_failures WHERE client = $1`, client)
	return mapErr(err, "login failures")
}

// RevokeSession records a revoked session and drops expired revocations.
func (q *queries) RevokeSession(ctx context.Context, id string, expires, now time.Time) error {
	if _, err := q.db.Exec(ctx, `DELETE FROM revoked_sessions WHERE expires_at < $1`, dbTime(now)); err != nil {
		return mapErr(err, "revoked sessions")
	}
	_, err := q.db.Exec(ctx, `INSERT INTO revoked_sessions (id, expires_at) VALUES ($1, $2)
		ON CONFLICT (id) DO NOTHING`, id, dbTime(expires))
	return mapErr(err, "revoked sessions")
}

// SessionRevoked reports whether id was revoked.
func (q *queries) SessionRevoked(ctx context.Context, id string) (bool, error) {
	var revoked bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM revoked_sessions WHERE id = $1)`, id).Scan(&revoked)
	return revoked, mapErr(err, "revoked sessions")
}

// FindDriveWatches finds the watches of subscription ids in one query
// (= ANY over the unique index).
func (q *queries) FindDriveWatches(ctx context.Context, subscriptionIDs []string) ([]*driveway.DriveWatch, error) {
	ids := slices.DeleteFunc(slices.Compact(slices.Sorted(slices.Values(subscriptionIDs))), func(s string) bool { return s == "" })
	if len(ids) == 0 {
		return nil, nil
	}
	return q.listWatches(ctx, `SELECT `+watchColumns+` FROM drive_watches WHERE subscription_id = ANY($1)`, ids)
}
