package driveway

import (
	"context"
	"time"
)

// LoginQueries are the records that make the dashboard's login hold across
// nodes: failed attempts counted per client, and sessions revoked by a
// logout before their cookie expires.
type LoginQueries interface {
	// RecordLoginFailure counts one failed login of client (a key such as
	// an IP address) and returns the failures of its current window and
	// when that window started. A window that started window ago or
	// earlier is replaced by a new one starting at now. Two nodes counting
	// at once both count.
	RecordLoginFailure(ctx context.Context, client string, now time.Time, window time.Duration) (int, time.Time, error)
	// LoginFailures returns client's failures in its current window and
	// when it started; 0 and the zero time when it has none, or its window
	// started window ago or earlier.
	LoginFailures(ctx context.Context, client string, now time.Time, window time.Duration) (int, time.Time, error)
	// ResetLoginFailures forgets client's failures (after a good login).
	ResetLoginFailures(ctx context.Context, client string) error

	// RevokeSession records that the session id is revoked until expires
	// (its cookie's own expiry, after which it opens nowhere anyway).
	// Revocations that expired before now are deleted on the way.
	RevokeSession(ctx context.Context, id string, expires, now time.Time) error
	// SessionRevoked reports whether the session id was revoked.
	SessionRevoked(ctx context.Context, id string) (bool, error)
}
