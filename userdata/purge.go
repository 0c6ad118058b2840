package userdata

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/drivewayhq/driveway/jobs"
)

// Retention defaults and the purge's period.
const (
	DefaultEventRetention = 90 * 24 * time.Hour
	PurgeInterval         = time.Hour
)

// PurgeArgs is the hourly job that deletes events older than the event
// retention (with their webhook deliveries), and the file content of runs
// that ended without deleting theirs.
type PurgeArgs struct{}

// Kind is "data.purge".
func (PurgeArgs) Kind() string { return "data.purge" }

type purgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	s *Service
}

func (w *purgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	_, err := w.s.Purge(ctx)
	return err
}

// Purge deletes what the retention settings no longer keep and returns
// how many events it deleted.
func (s *Service) Purge(ctx context.Context) (int, error) {
	keep := s.EventRetention
	if keep <= 0 {
		keep = DefaultEventRetention
	}
	n, err := s.Store.DeleteEventsBefore(ctx, time.Now().Add(-keep))
	if err != nil {
		return 0, err
	}
	c, err := s.Store.DeleteEndedRunContent(ctx)
	if err != nil {
		return n, err
	}
	if n > 0 || c > 0 {
		s.logger().InfoContext(ctx, "purged old events and ended runs' content", "events", n, "content", c)
	}
	return n, nil
}

func (s *Service) registerPurge() error {
	if err := jobs.Register(s.Queue, &purgeWorker{s: s}); err != nil {
		return err
	}
	err := s.Queue.AddPeriodic(river.PeriodicInterval(PurgeInterval), func() (river.JobArgs, *river.InsertOpts) {
		return PurgeArgs{}, nil
	}, &river.PeriodicJobOpts{ID: PurgeArgs{}.Kind(), RunOnStart: true})
	if err != nil {
		return fmt.Errorf("register data purge: %w", err)
	}
	return nil
}
