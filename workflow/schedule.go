package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/drivewayhq/driveway"
)

// scheduleArgs is the scheduler's periodic job.
type scheduleArgs struct{}

// Kind is the stable job kind.
func (scheduleArgs) Kind() string { return "workflow_schedule" }

type scheduleWorker struct {
	river.WorkerDefaults[scheduleArgs]
	e *Engine
}

func (w *scheduleWorker) Work(ctx context.Context, job *river.Job[scheduleArgs]) error {
	_, err := w.e.Tick(ctx, w.e.cfg.Now())
	return err
}

// maxFiresPerTick bounds the due times one tick starts per workflow.
const maxFiresPerTick = 100

// Tick starts the runs of schedule workflows due in (last tick, now] for
// every user who has them enabled; the first tick of a node looks back two
// ScheduleIntervals. Each run's id is derived from the workflow, the user
// and the due time, so a time fires once however many nodes or ticks see
// it. It returns how many runs it started. The scheduler's periodic job
// calls it with Config.Now(); tests may call it with any clock.
func (e *Engine) Tick(ctx context.Context, now time.Time) (int, error) {
	e.mu.Lock()
	from := e.lastTick
	if from.IsZero() || !from.Before(now) {
		from = now.Add(-2 * e.cfg.ScheduleInterval)
	}
	e.lastTick = now
	e.mu.Unlock()
	wfs, err := e.store.ListWorkflowsByTrigger(ctx, "", TriggerSchedule, "")
	if err != nil {
		return 0, fmt.Errorf("schedule tick: %w", err)
	}
	started := 0
	for _, w := range wfs {
		n, err := e.fireSchedule(ctx, w, from, now)
		started += n
		if err != nil {
			e.cfg.Logger.Warn("schedule tick", "project", w.ProjectID, "workflow", w.ID, "err", err)
		}
	}
	return started, nil
}

// fireSchedule starts w's runs due in (from, now].
func (e *Engine) fireSchedule(ctx context.Context, w *driveway.Workflow, from, now time.Time) (int, error) {
	def, err := e.definition(ctx, w.ProjectID, w.ID, w.Version)
	if err != nil {
		return 0, err
	}
	cron, err := ParseCron(def.Trigger.Cron)
	if err != nil {
		return 0, err
	}
	loc, err := time.LoadLocation(def.Trigger.TimeZone)
	if err != nil {
		return 0, err
	}
	var due []time.Time
	for t := cron.Next(from.In(loc)); !t.IsZero() && !t.After(now) && len(due) < maxFiresPerTick; t = cron.Next(t) {
		due = append(due, t)
	}
	if len(due) == 0 {
		return 0, nil
	}
	users, err := e.enabledUsers(ctx, w)
	if err != nil {
		return 0, err
	}
	started := 0
	for _, t := range due {
		for _, u := range users {
			_, err := e.StartRun(ctx, StartParams{ProjectID: w.ProjectID, WorkflowID: w.ID, UserID: u,
				RunID: scheduledRunID(w, u, t), Trigger: map[string]any{"scheduledAt": t.UTC().Format(time.RFC3339)}})
			switch driveway.ErrorCode(err) {
			case "":
				started++
			case driveway.ECONFLICT: // fired already
			default:
				return started, err
			}
		}
	}
	return started, nil
}

// scheduledRunID is the run id of w's schedule for user at t.
func scheduledRunID(w *driveway.Workflow, user string, t time.Time) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s\x00%d", w.ProjectID, w.ID, user, t.Unix()))
	return "run_s" + hex.EncodeToString(h[:12])
}

// enabledUsers lists the project's users who have w enabled.
func (e *Engine) enabledUsers(ctx context.Context, w *driveway.Workflow) ([]string, error) {
	choices, err := e.store.ListWorkflowEnablement(ctx, w.ProjectID, w.ID)
	if err != nil {
		return nil, err
	}
	var out []string
	after := ""
	for {
		page, err := e.store.ListConnectedUsers(ctx, w.ProjectID, after, 500)
		if err != nil {
			return nil, err
		}
		for _, u := range page {
			if on, chose := choices[u.ID]; (chose && on) || (!chose && w.DefaultEnabled) {
				out = append(out, u.ID)
			}
		}
		if len(page) < 500 {
			return out, nil
		}
		after = page[len(page)-1].ID
	}
}

// Enabled reports whether the user has the workflow enabled (their choice,
// or the workflow's default).
func (e *Engine) Enabled(ctx context.Context, w *driveway.Workflow, userID string) (bool, error) {
	choices, err := e.store.ListUserWorkflowEnablement(ctx, w.ProjectID, userID)
	if err != nil {
		return false, err
	}
	if on, chose := choices[w.ID]; chose {
		return on, nil
	}
	return w.DefaultEnabled, nil
}
