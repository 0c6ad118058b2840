package workflow

import (
	"context"
	"time"

	"github.com/drivewayhq/driveway"
)

// Waiting for a run (a Request trigger waits for its Response step) reads
// the run when a commit may have changed it: this node's commits wake its
// waiters in process (on SQLite, one node, that is every commit); a store
// that is a driveway.RunWatcher (Postgres: LISTEN/NOTIFY) wakes them for
// commits on every node. A read every Config.WaitPoll is the safety net
// for a wake-up lost (a dropped listening connection, a rescued job on a
// node without the notification).

// changed wakes this node's waiters of a run after a commit that changed it.
func (e *Engine) changed(projectID, runID string) { e.changes.Wake(projectID + "/" + runID) }

// Wait reads the run until done reports true or ctx ends, and returns the
// last run read: at once, after each wake-up, and every Config.WaitPoll.
func (e *Engine) Wait(ctx context.Context, projectID, runID string, done func(*driveway.WorkflowRun) bool) (*driveway.WorkflowRun, error) {
	local, stopLocal := e.changes.Watch(projectID + "/" + runID)
	defer stopLocal()
	var remote <-chan struct{}
	if w, ok := e.store.(driveway.RunWatcher); ok {
		ch, stop, err := w.WatchRun(ctx, projectID, runID)
		if err == nil {
			remote = ch
			defer stop()
		} else if ctx.Err() == nil {
			e.cfg.Logger.Warn("watch run changes; polling", "run", runID, "err", err)
		}
	}
	poll := time.NewTicker(e.cfg.WaitPoll)
	defer poll.Stop()
	for {
		run, err := e.store.GetRun(ctx, projectID, runID)
		if err != nil {
			return nil, err
		}
		if done(run) {
			return run, nil
		}
		select {
		case <-ctx.Done():
			return run, ctx.Err()
		case <-local:
		case <-remote:
		case <-poll.C:
		}
	}
}
