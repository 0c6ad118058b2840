package connect

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/drivewayhq/driveway/jobs"
)

// PurgeInterval is how often expired OAuth states and install sessions
// are deleted.
const PurgeInterval = 10 * time.Minute

// PurgeArgs is the job that deletes expired OAuth states and install
// sessions.
type PurgeArgs struct{}

// Kind is "connect.purge_expired".
func (PurgeArgs) Kind() string { return "connect.purge_expired" }

// PurgeWorker runs PurgeArgs jobs.
type PurgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	Handler *Handler
}

// Work deletes the expired states; abandoned sign-ins leave them behind.
func (w *PurgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	n, err := w.Handler.PurgeExpired(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		w.Handler.logger().InfoContext(ctx, "purged expired sign-ins and install sessions", "count", n)
	}
	return nil
}

// RegisterJobs registers the purge worker on q and schedules it every
// PurgeInterval. Call it on every node, before q.Start.
func RegisterJobs(q *jobs.Queue, h *Handler) error {
	if err := jobs.Register(q, &PurgeWorker{Handler: h}); err != nil {
		return fmt.Errorf("register connect jobs: %w", err)
	}
	err := q.AddPeriodic(river.PeriodicInterval(PurgeInterval), func() (river.JobArgs, *river.InsertOpts) {
		return PurgeArgs{}, nil
	}, &river.PeriodicJobOpts{ID: PurgeArgs{}.Kind(), RunOnStart: true})
	if err != nil {
		return fmt.Errorf("register connect jobs: %w", err)
	}
	return nil
}
