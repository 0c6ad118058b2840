package userdata

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/drivewayhq/driveway"
)

// eraseAttempts are the attempts of an erasure job: with River's backoff
// (attempt^4 seconds), about two weeks of retries while Microsoft refuses
// to delete a subscription, before an operator must look (the job is then
// discarded, its erasure row left, and a new request starts again).
const eraseAttempts = 50

// EraseArgs is the job that erases one user. It names the erasure, never
// the user.
type EraseArgs struct {
	ProjectID string `json:"projectId"`
	ErasureID string `json:"erasureId"`
}

// Kind is "user.erase".
func (EraseArgs) Kind() string { return "user.erase" }

type eraseWorker struct {
	river.WorkerDefaults[EraseArgs]
	s *Service
}

// Timeout gives an erasure of a user with many records time to finish.
func (w *eraseWorker) Timeout(*river.Job[EraseArgs]) time.Duration { return 5 * time.Minute }

func (w *eraseWorker) Work(ctx context.Context, job *river.Job[EraseArgs]) error {
	return w.s.erase(ctx, job.Args.ProjectID, job.Args.ErasureID)
}

// erase runs one erasure to its end, or fails for the job to retry; run
// again, it redoes only what is left.
func (s *Service) erase(ctx context.Context, projectID, erasureID string) error {
	e, err := s.Store.GetUserErasure(ctx, projectID, erasureID)
	if driveway.ErrorCode(err) == driveway.ENOTFOUND {
		return nil // done before a crash, or its project deleted
	}
	if err != nil {
		return err
	}
	creds, err := s.Store.ListCredentials(ctx, projectID, e.UserID)
	if err != nil {
		return err
	}
	for _, cr := range creds {
		if s.Unsubscribe != nil {
			if err := s.Unsubscribe(ctx, projectID, cr.ID); err != nil {
				return fmt.Errorf("erasure %s: delete the Graph subscription of credential %s: %w", erasureID, cr.ID, err)
			}
		}
		if s.Forget != nil {
			s.Forget(ctx, cr)
		}
	}
	if err := s.Store.EraseUserRecords(ctx, projectID, e.UserID); err != nil {
		return fmt.Errorf("erasure %s: %w", erasureID, err)
	}
	s.logger().InfoContext(ctx, "user erased", "project", projectID, "erasure", erasureID, "credentials", len(creds))
	s.observe(ctx, Event{Kind: EventErased, ProjectID: projectID, ErasureID: erasureID})
	return nil
}
