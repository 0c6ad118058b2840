package credential

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/jobs"
)

// Idle refresh settings.
const (
	// IdleAfter is how long a VALID credential may go unrefreshed before the
	// idle job refreshes it (refresh tokens lapse after 90 days unused).
	IdleAfter = 7 * 24 * time.Hour
	// IdleInterval is how often the idle job runs.
	IdleInterval = time.Hour
	// idleBatch is how many credentials one page of the job reads;
	// idleMaxPerRun bounds one run (the rest wait for the next hour).
	idleBatch     = 100
	idleMaxPerRun = 2000
)

// RefreshIdleArgs is the idle-refresh job. Its kind is stable.
type RefreshIdleArgs struct{}

// Kind is "credential.refresh_idle".
func (RefreshIdleArgs) Kind() string { return "credential.refresh_idle" }

// IdleWorker runs RefreshIdleArgs jobs with Manager.
type IdleWorker struct {
	river.WorkerDefaults[RefreshIdleArgs]
	Manager *Manager
}

// Timeout ends a run after 4 minutes, before the queue's stuck-job rescuer
// (jobs.DefaultRescueStuckJobsAfter, 5 minutes) would start a second one;
// what is left waits for the next hour.
func (w *IdleWorker) Timeout(*river.Job[RefreshIdleArgs]) time.Duration { return 4 * time.Minute }

// Work refreshes the idle credentials. Failures of single credentials are
// recorded on them (see AccessToken) and do not fail the job.
func (w *IdleWorker) Work(ctx context.Context, _ *river.Job[RefreshIdleArgs]) error {
	_, err := w.Manager.RefreshIdle(ctx)
	return err
}

// RegisterJobs registers the idle-refresh worker on q and schedules it
// every hour, and once when a node becomes the queue's leader. Call it on
// every node, before q.Start.
func RegisterJobs(q *jobs.Queue, m *Manager) error {
	if err := jobs.Register(q, &IdleWorker{Manager: m}); err != nil {
		return fmt.Errorf("register credential jobs: %w", err)
	}
	err := q.AddPeriodic(river.PeriodicInterval(IdleInterval), func() (river.JobArgs, *river.InsertOpts) {
		return RefreshIdleArgs{}, nil
	}, &river.PeriodicJobOpts{ID: RefreshIdleArgs{}.Kind(), RunOnStart: true})
	if err != nil {
		return fmt.Errorf("register credential jobs: %w", err)
	}
	return nil
}

// IdleResult counts what RefreshIdle did.
type IdleResult struct {
	Refreshed, Failed int
}

// RefreshIdle refreshes VALID credentials last refreshed more than
// IdleAfter ago, oldest first, at most idleMaxPerRun of them. It returns an
// error only when the store cannot list them.
func (m *Manager) RefreshIdle(ctx context.Context) (IdleResult, error) {
	m.init()
	var res IdleResult
	cutoff := m.now().Add(-IdleAfter)
	seen := map[string]bool{}
	for res.Refreshed+res.Failed < idleMaxPerRun {
		page, err := m.Store.ListCredentialsToRefresh(ctx, cutoff, idleBatch)
		if err != nil {
			return res, fmt.Errorf("list idle credentials: %w", err)
		}
		fresh := 0
		for _, c := range page {
			key := c.ProjectID + "/" + c.ID
			if seen[key] {
				continue // failed earlier in this run
			}
			seen[key], fresh = true, fresh+1
			m.refreshIdleOne(ctx, c, cutoff, &res)
		}
		if fresh == 0 || ctx.Err() != nil {
			break
		}
	}
	return res, nil
}

func (m *Manager) refreshIdleOne(ctx context.Context, c *driveway.Credential, cutoff time.Time, res *IdleResult) {
	c2, err := m.Refresh(ctx, c.ProjectID, c.ID, cutoff)
	if err != nil || !c2.LastRefreshAt.After(cutoff) {
		res.Failed++
		m.logger().Warn("credential: idle refresh failed", "project", c.ProjectID, "credential", c.ID, "code", driveway.ErrorCode(err))
		return
	}
	res.Refreshed++
}
