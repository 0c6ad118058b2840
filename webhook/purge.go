package webhook

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
)

// PurgeArgs is the job that deletes finished deliveries older than
// Config.Retention.
type PurgeArgs struct{}

// Kind is "webhook.purge".
func (PurgeArgs) Kind() string { return "webhook.purge" }

type purgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	s *Service
}

// Work deletes the succeeded and dead deliveries last updated more than
// Retention ago.
func (w *purgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	n, err := w.s.Purge(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		w.s.cfg.Logger.InfoContext(ctx, "purged old webhook deliveries", "count", n)
	}
	return nil
}

// Purge deletes the succeeded and dead deliveries last updated more than
// Config.Retention ago and returns how many. The purge job runs it hourly.
func (s *Service) Purge(ctx context.Context) (int, error) {
	n, err := s.store.DeleteWebhookDeliveriesBefore(ctx, s.now().Add(-s.cfg.Retention))
	if err != nil {
		return 0, fmt.Errorf("purge webhook deliveries: %w", err)
	}
	return n, nil
}
