package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/workflow/template"
)

// The fast path of a top-level leaf step (an action, a request, a delay, a
// response): no write before the step runs, and no reads its templates do
// not need. Its attempt number is the job's (River does not count snoozes,
// and counts every fetch, so attempts cut short by a crash count too); the
// step run row is written by the commit, or by markRunning when the
// attempt outlasts markRunningAfter.

// markRunningAfter is how long a top-level leaf attempt runs before its
// "running" step run row is written.
const markRunningAfter = time.Second

// openStep returns the step run of this attempt, not yet stored: a new one
// on a first attempt (a rerun enqueues a new job), else the stored one,
// with Attempts set to attempt.
func (e *Engine) openStep(ctx context.Context, attempt int, run *driveway.WorkflowRun, s *Step, path string) (*driveway.StepRun, error) {
	fresh := &driveway.StepRun{ProjectID: run.ProjectID, RunID: run.ID, Key: s.ID, StepID: s.ID, Path: path,
		Input: json.RawMessage("null"), Output: json.RawMessage("null"), StartedAt: time.Now().UTC()}
	sr := fresh
	if attempt > 1 {
		got, err := e.store.GetStepRun(ctx, run.ProjectID, run.ID, s.ID)
		switch {
		case err == nil:
			sr = got
		case driveway.ErrorCode(err) != driveway.ENOTFOUND:
			return nil, fmt.Errorf("begin step %s: %w", s.ID, err)
		}
	}
	sr.Attempts = max(attempt, 1)
	sr.Status, sr.FinishedAt = driveway.StepRunning, time.Time{}
	return sr, nil
}

// execFor is newExec for a leaf step: a step whose input has no template
// needs neither the earlier outputs, nor the user, nor the secrets in its
// environment (its input is the definition's text, which holds no secret
// value). The secrets to redact are loaded after the step ran, when it
// has an output or an error (exec.step): the service a step calls may
// answer with a secret.
func (e *Engine) execFor(ctx context.Context, run *driveway.WorkflowRun, s *Step) (*exec, error) {
	if hasTemplate(s.Input) {
		return e.newExec(ctx, run)
	}
	var trig any
	if err := json.Unmarshal(run.Trigger, &trig); err != nil {
		return nil, fmt.Errorf("decode trigger of run %s: %w", run.ID, err)
	}
	user := map[string]any{"id": run.UserID, "metadata": map[string]any{}}
	env := map[string]any{"trigger": trig, "steps": map[string]any{}, "user": user, "secrets": map[string]any{}}
	return &exec{e: e, run: run, env: env}, nil
}

// hasTemplate reports whether any string inside v holds a {{ }} template.
func hasTemplate(v any) bool {
	switch t := v.(type) {
	case string:
		return template.HasTemplate(t)
	case map[string]any:
		for _, e := range t {
			if hasTemplate(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if hasTemplate(e) {
				return true
			}
		}
	case nil, bool, float64, json.Number:
	default:
		return true // a shape JSON does not decode to: assume it may
	}
	return false
}

// runningMark writes an attempt's "running" row once the attempt has run
// for markRunningAfter, unless it ended before.
type runningMark struct {
	mu    sync.Mutex
	ended bool
	t     *time.Timer
}

// markRunning arms the mark for sr (a copy is written: the caller goes on
// changing sr).
func (e *Engine) markRunning(ctx context.Context, sr *driveway.StepRun) *runningMark {
	m := &runningMark{}
	row := *sr
	m.t = time.AfterFunc(markRunningAfter, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.ended {
			return
		}
		if err := e.store.PutStepRun(ctx, &row); err != nil {
			e.cfg.Logger.Warn("record running step", "run", row.RunID, "step", row.StepID, "err", err)
		}
	})
	return m
}

// stop disarms the mark; a write under way ends first, so that it never
// overwrites the attempt's result.
func (m *runningMark) stop() {
	m.t.Stop()
	m.mu.Lock()
	m.ended = true
	m.mu.Unlock()
}

// committed returns the step run of the top-level step key of run when
// its final result is committed (succeeded, or failed with no attempt
// left), else nil: only finish's commit writes those statuses there (a
// rerun sets the step back to running).
func (e *Engine) committed(ctx context.Context, run *driveway.WorkflowRun, key string) (*driveway.StepRun, error) {
	sr, err := e.store.GetStepRun(ctx, run.ProjectID, run.ID, key)
	switch {
	case driveway.ErrorCode(err) == driveway.ENOTFOUND:
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("workflow step %s: %w", key, err)
	}
	if sr.Status == driveway.StepSucceeded || sr.Status == driveway.StepFailed {
		return sr, nil
	}
	return nil, nil
}
