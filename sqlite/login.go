package sqlite

import (
	"context"
	"slices"
	"time"

	"github.com/drivewayhq/driveway"
)

// RecordLoginFailure counts a failed login in one upsert: a window that
// started at or before now-window restarts at now.
func (q *queries) RecordLoginFailure(ctx context.Context, client string, now time.Time, window time.Duration) (int, time.Time, error) {
	cutoff := dbTime(now.Add(-window))
	if _, err := q.w.ExecContext(ctx, `DELETE FROM login_failures WHERE window_start <= ?`, cutoff); err != nil {
		return 0, time.Time{}, mapErr(err, "login failures")
	}
	var n int
	var start time.Time
	err := q.w.QueryRowContext(ctx, `INSERT INTO login_failures (client, failures, window_start) VALUES (?, 1, ?)
		ON CONFLICT (client) DO UPDATE SET failures = failures + 1 RETURNING failures, window_start`,
		client, dbTime(now)).Scan(&n, timeCol{&start})
	return n, start, mapErr(err, "login failures")
}

// LoginFailures returns client's failures in its current window.
func (q *queries) LoginFailures(ctx context.Context, client string, now time.Time, window time.Duration) (int, time.Time, error) {
	var n int
	var start time.Time
	err := q.r.QueryRowContext(ctx, `SELECT failures, window_start FROM login_failures
		WHERE client = ? AND window_start > ?`, client, dbTime(now.Add(-window))).Scan(&n, timeCol{&start})
	if driveway.ErrorCode(mapErr(err, "")) == driveway.ENOTFOUND {
		return 0, time.Time{}, nil
	}
	return n, start, mapErr(err, "login failures")
}

// ResetLoginFailures forgets client's failures.
func (q *queries) ResetLoginFailures(ctx context.Context, client string) error {
	_, err := q.w.ExecContext(ctx, `DELETE FROM login_failures WHERE client = ?`, client)
	return mapErr(err, "login failures")
}

// RevokeSession records a revoked session and drops expired revocations.
func (q *queries) RevokeSession(ctx context.Context, id string, expires, now time.Time) error {
	if _, err := q.w.ExecContext(ctx, `DELETE FROM revoked_sessions WHERE expires_at < ?`, dbTime(now)); err != nil {
		return mapErr(err, "revoked sessions")
	}
	_, err := q.w.ExecContext(ctx, `INSERT INTO revoked_sessions (id, expires_at) VALUES (?, ?)
		ON CONFLICT (id) DO NOTHING`, id, dbTime(expires))
	return mapErr(err, "revoked sessions")
}

// SessionRevoked reports whether id was revoked.
func (q *queries) SessionRevoked(ctx context.Context, id string) (bool, error) {
	var n int
	err := q.r.QueryRowContext(ctx, `SELECT count(*) FROM revoked_sessions WHERE id = ?`, id).Scan(&n)
	return n > 0, mapErr(err, "revoked sessions")
}

// FindDriveWatches finds the watches of subscription ids, in IN lists of
// at most maxInList placeholders (answered from the unique index).
func (q *queries) FindDriveWatches(ctx context.Context, subscriptionIDs []string) ([]*driveway.DriveWatch, error) {
	ids := slices.DeleteFunc(slices.Compact(slices.Sorted(slices.Values(subscriptionIDs))), func(s string) bool { return s == "" })
	var out []*driveway.DriveWatch
	for chunk := range slices.Chunk(ids, maxInList) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		got, err := q.listWatches(ctx, `SELECT `+watchColumns+` FROM drive_watches
			WHERE subscription_id IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}
