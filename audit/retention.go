package audit

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/jobs"
)

// DefaultRetention is how long entries are kept when the configuration
// says nothing (DRIVEWAY_AUDIT_RETENTION).
const DefaultRetention = 400 * 24 * time.Hour

// RegisterRetention adds the daily "audit_purge" job, which deletes the
// entries older than retention (kept forever when retention is 0), to q.
// Call it once per node, before the queue starts.
func RegisterRetention(q *jobs.Queue, store driveway.AuditQueries, retention time.Duration, logger *slog.Logger) error {
	if retention <= 0 {
		return nil
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &purgeWorker{store: store, retention: retention, logger: logger}
	if err := jobs.Register(q, river.Worker[purgeArgs](w)); err != nil {
		return fmt.Errorf("register audit jobs: %w", err)
	}
	return q.AddPeriodic(river.PeriodicInterval(24*time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return purgeArgs{}, nil },
		&river.PeriodicJobOpts{ID: "audit_purge", RunOnStart: true})
}

type purgeArgs struct{}

// Kind is the stable job kind.
func (purgeArgs) Kind() string { return "audit_purge" }

type purgeWorker struct {
	river.WorkerDefaults[purgeArgs]
	store     driveway.AuditQueries
	retention time.Duration
	logger    *slog.Logger
}

func (w *purgeWorker) Work(ctx context.Context, job *river.Job[purgeArgs]) error {
	n, err := w.store.DeleteAuditBefore(ctx, time.Now().Add(-w.retention))
	if err != nil {
		return fmt.Errorf("purge audit trail: %w", err)
	}
	if n > 0 {
		w.logger.Info("purged audit entries", "count", n, "retention", w.retention)
	}
	return nil
}
