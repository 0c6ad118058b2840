package driveway

import (
	"context"
	"time"
)

// DataQueries are the records of data handling: file content kept while a
// run runs, retention of events, and the erasure of an end user.
type DataQueries interface {
	// PutRunContent seals and keeps a step's whole output (key is the step
	// run's key) until its run ends; it replaces any earlier one. ENOTFOUND
	// when the run does not exist.
	PutRunContent(ctx context.Context, projectID, runID, key string, output []byte) error
	// ListRunContent returns a run's kept outputs, opened, by step key.
	ListRunContent(ctx context.Context, projectID, runID string) (map[string][]byte, error)
	// DeleteEndedRunContent deletes the kept outputs of runs that ended (a
	// step that ended after its run was cancelled leaves one) and returns
	// how many. UpdateRun deletes a run's own when it ends.
	DeleteEndedRunContent(ctx context.Context) (int, error)

	// DeleteEventsBefore deletes events created before t, in every project,
	// with their webhook deliveries, and returns how many events.
	DeleteEventsBefore(ctx context.Context, t time.Time) (int, error)

	// CreateUserErasure records a requested erasure; ECONFLICT if the id
	// exists.
	CreateUserErasure(ctx context.Context, e *UserErasure) error
	// GetUserErasure returns a requested erasure; ENOTFOUND once it is done.
	GetUserErasure(ctx context.Context, projectID, id string) (*UserErasure, error)

	// CreateURLCode stores a code that stands for a user token in a URL,
	// the token sealed; ECONFLICT if the id exists, ENOTFOUND without the
	// project.
	CreateURLCode(ctx context.Context, c *URLCode) error
	// ConsumeURLCode deletes the code with id and returns it, in one step:
	// of two callers, one gets it and the other ENOTFOUND. Expired codes
	// are returned too (the caller checks ExpiresAt).
	ConsumeURLCode(ctx context.Context, id string) (*URLCode, error)
	// CountURLCodes counts a user's codes that expire at or after t.
	CountURLCodes(ctx context.Context, projectID, userID string, t time.Time) (int, error)
	// DeleteExpiredURLCodes deletes codes that expired before t and
	// returns how many.
	DeleteExpiredURLCodes(ctx context.Context, t time.Time) (int, error)

	// EraseUserRecords deletes, in one transaction, every record of the
	// user in the project: runs (with their step runs and content), events
	// and their webhook deliveries, workflow choices, trigger subscriptions,
	// pending sign-ins, install sessions, URL codes, drive watches and their item
	// index, credentials with their tokens, requested erasures, and the
	// user. It deletes no
	// Graph subscription: delete those first. No error when nothing is
	// left.
	EraseUserRecords(ctx context.Context, projectID, userID string) error
}

// UserErasure is a requested erasure of an end user, pending until the
// erasure job has deleted the user's records (and, with them, this).
type UserErasure struct {
	ProjectID string
	ID        string
	UserID    string
	CreatedAt time.Time
}

// URLCode is a short-lived single-use code that a URL carries in place of
// a user token (package connect).
type URLCode struct {
	ID        string // hex SHA-256 of the code
	ProjectID string
	UserID    string
	Token     string // plain text in memory only; the store seals it
	ExpiresAt time.Time
}
