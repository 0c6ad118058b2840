// Package userdata is what an operator does with an end user's data: list
// and inspect users, disconnect one of their accounts, export everything
// Driveway keeps about one, and erase them.
//
// An erasure is a job, so that it survives a crash and is retried until
// done:
//
//	Erase ──tx──▶ user_erasures row + job {erasure id} ──▶ 202
//	job: each credential ──▶ Graph subscription deleted at Microsoft (retried until it is)
//	                     ──▶ node caches forgotten
//	     ──tx──▶ EraseUserRecords: runs, events, deliveries, index, tokens, user, the erasure row
//
// Every step can run again: a job rerun after a crash redoes what is left
// and finds the rest gone. The job's arguments name the erasure, never the
// user, so the queue's record of it names no one once the row is deleted.
package userdata

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/ids"
	"github.com/drivewayhq/driveway/jobs"
)

// Service runs the user operations against one store. Store and Queue are
// required.
type Service struct {
	Store driveway.Store
	Queue *jobs.Queue
	// Unsubscribe deletes a credential's Graph subscription at Microsoft
	// and its watch (filechange.Service.Unsubscribe); an error makes the
	// erasure retry. Nil: no subscriptions to delete.
	Unsubscribe func(ctx context.Context, projectID, credentialID string) error
	// RemoveCredential removes one connected account as the user's own
	// disconnect does (connect.Handler.Disconnect).
	RemoveCredential func(ctx context.Context, projectID, credentialID string) error
	// Forget drops what this node caches of a credential (the proxy's and
	// the actions' clients). Other nodes' caches expire on their own.
	Forget func(ctx context.Context, cr *driveway.Credential)
	// Observe, when set, is told of every disconnect and erasure as it is
	// requested and when it is done: the audit trail's hook.
	Observe func(ctx context.Context, ev Event)
	// EventRetention is how long events are kept; the hourly purge deletes
	// older ones with their webhook deliveries. Default 90 days.
	EventRetention time.Duration
	Logger         *slog.Logger
}

// Event is an operation on a user's data, for Observe. An erasure's done
// event carries no user id: the user is gone, and so is every record that
// named them; ErasureID ties it to its request.
type Event struct {
	Kind         string // EventDisconnect, EventEraseRequested, EventErased
	ProjectID    string
	UserID       string // empty for EventErased
	CredentialID string // EventDisconnect only
	ErasureID    string // EventEraseRequested, EventErased
}

// Event kinds.
const (
	EventDisconnect     = "user.disconnect"
	EventEraseRequested = "user.erase_requested"
	EventErased         = "user.erased"
)

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

func (s *Service) observe(ctx context.Context, ev Event) {
	if s.Observe != nil {
		s.Observe(ctx, ev)
	}
}

// Register adds the erasure job's worker and the hourly purge to the
// queue. Call it on every
// node, before the queue starts.
func (s *Service) Register() error {
	if err := jobs.Register(s.Queue, &eraseWorker{s: s}); err != nil {
		return fmt.Errorf("register user erasure jobs: %w", err)
	}
	return s.registerPurge()
}

// Disconnect removes one of the user's connected accounts. ENOTFOUND when
// the user has no such credential.
func (s *Service) Disconnect(ctx context.Context, projectID, userID, credentialID string) error {
	cr, err := s.Store.GetCredential(ctx, projectID, credentialID)
	if err != nil {
		return err
	}
	if cr.UserID != userID {
		return driveway.Errorf(driveway.ENOTFOUND, "user %s has no credential %s", userID, credentialID)
	}
	if s.RemoveCredential == nil {
		return driveway.Errorf(driveway.EUNAVAILABLE, "disconnect is not served here")
	}
	if err := s.RemoveCredential(ctx, projectID, credentialID); err != nil {
		return err
	}
	s.observe(ctx, Event{Kind: EventDisconnect, ProjectID: projectID, UserID: userID, CredentialID: credentialID})
	return nil
}

// Erase requests the erasure of the user and returns its id at once; the
// erasure job does the work. Erasing a user who does not exist is not an
// error (an erasure is idempotent): its job finds nothing to delete.
func (s *Service) Erase(ctx context.Context, projectID, userID string) (string, error) {
	if userID == "" {
		return "", driveway.Invalid("userId", "is required")
	}
	if _, err := s.Store.GetProject(ctx, projectID); err != nil {
		return "", err
	}
	e := &driveway.UserErasure{ProjectID: projectID, ID: ids.New("era"), UserID: userID, CreatedAt: time.Now().UTC()}
	err := s.Store.WithTx(ctx, func(tx driveway.Tx) error {
		if err := tx.CreateUserErasure(ctx, e); err != nil {
			return err
		}
		_, err := s.Queue.InsertTx(ctx, tx, EraseArgs{ProjectID: projectID, ErasureID: e.ID},
			&river.InsertOpts{MaxAttempts: eraseAttempts})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("request erasure: %w", err)
	}
	s.observe(ctx, Event{Kind: EventEraseRequested, ProjectID: projectID, UserID: userID, ErasureID: e.ID})
	return e.ID, nil
}

// ErasureDone reports whether the erasure has finished (its record is
// gone); ENOTFOUND is never returned for it.
func (s *Service) ErasureDone(ctx context.Context, projectID, erasureID string) (bool, error) {
	_, err := s.Store.GetUserErasure(ctx, projectID, erasureID)
	switch driveway.ErrorCode(err) {
	case "":
		return false, nil
	case driveway.ENOTFOUND:
		return true, nil
	}
	return false, err
}
