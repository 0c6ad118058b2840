package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/drivewayhq/driveway"
)

// stepArgs are a top-level step's job: run step Index of the run.
type stepArgs struct {
	ProjectID string  `json:"projectId"`
	RunID     string  `json:"runId"`
	Index     int     `json:"index"`
	BackoffMs []int64 `json:"backoffMs,omitempty"`
	TimeoutMs int64   `json:"timeoutMs"`
}

// Kind is the stable job kind.
func (stepArgs) Kind() string { return "workflow_step" }

type stepWorker struct {
	river.WorkerDefaults[stepArgs]
	e *Engine
}

// Timeout is the step's timeout plus a margin to record its result.
func (w *stepWorker) Timeout(job *river.Job[stepArgs]) time.Duration {
	return time.Duration(job.Args.TimeoutMs)*time.Millisecond + 5*time.Second
}

// NextRetry waits the step's backoff (default 10, 20, 30, 50, 80 s). A
// step without a retry policy is retried only after a crash (a rescue, or
// a failure to record its result): at once, after crashRetry.
func (w *stepWorker) NextRetry(job *river.Job[stepArgs]) time.Time {
	b := job.Args.BackoffMs
	if len(b) == 0 {
		return time.Now().Add(crashRetry)
	}
	i := min(max(job.Attempt-1, 0), len(b)-1)
	return time.Now().Add(time.Duration(b[i]) * time.Millisecond)
}

// crashRetry is the wait before running again a step that has no retry
// policy and whose attempt did not finish.
const crashRetry = time.Second

func (w *stepWorker) Work(ctx context.Context, job *river.Job[stepArgs]) error {
	return w.e.work(ctx, job)
}

// work runs one attempt of a top-level step and commits its result with
// the next step's job in one transaction. River completes the job after
// work returns (asynchronously, in batches): a job run again because its
// node died before that finds its step's result committed, and ends.
func (e *Engine) work(ctx context.Context, job *river.Job[stepArgs]) error {
	a := job.Args
	run, err := e.store.GetRun(ctx, a.ProjectID, a.RunID)
	if err != nil {
		return fmt.Errorf("workflow step: %w", err)
	}
	if run.Finished() {
		return nil // cancelled, or a duplicate of a committed step
	}
	def, err := e.definition(ctx, run.ProjectID, run.WorkflowID, run.Version)
	if err != nil {
		return fmt.Errorf("workflow step: %w", err)
	}
	if a.Index < 0 || a.Index >= len(def.Steps) {
		return fmt.Errorf("workflow step: run %s has no step %d", run.ID, a.Index)
	}
	if job.Attempt > 1 {
		done, err := e.committed(ctx, run, def.Steps[a.Index].ID)
		if err != nil || done {
			return err // done: an earlier attempt committed; River now completes the job
		}
	}
	if run.Status == driveway.RunQueued {
		admitted, err := e.admit(ctx, run)
		if err != nil {
			return err
		}
		if !admitted {
			return river.JobSnooze(e.cfg.AdmissionRetry)
		}
	}
	s := &def.Steps[a.Index]
	field := fmt.Sprintf("steps[%d]", a.Index)
	if c := e.reg.kinds[s.Type].control; c == StepConditional || c == StepFanOut {
		return e.workNested(ctx, job, run, def, s, field)
	}
	sr, err := e.openStep(ctx, job, run, s, field)
	if err != nil {
		return err
	}
	x, err := e.execFor(ctx, run, s)
	if err != nil {
		return err
	}
	mark := e.markRunning(ctx, sr)
	res, stepErr := x.step(ctx, s, field, "", true, sr.Attempts, x.env)
	mark.stop()
	return e.finish(ctx, job, run, def, sr, res, stepErr)
}

// workNested runs a top-level conditional or fan out: its attempt is
// recorded before it starts (its nested steps commit as they end), and its
// templates see every earlier output, the user and the secrets.
func (e *Engine) workNested(ctx context.Context, job *river.Job[stepArgs], run *driveway.WorkflowRun, def *Definition,
	s *Step, field string) error {
	sr, err := e.beginStep(ctx, run, s, field, s.ID)
	if err != nil {
		return err
	}
	x, err := e.newExec(ctx, run)
	if err != nil {
		return err
	}
	res, stepErr := x.step(ctx, s, field, "", true, sr.Attempts, x.env)
	return e.finish(ctx, job, run, def, sr, res, stepErr)
}

// admit moves a queued run to running when the project and the user are
// under their concurrency limits, and reports whether it did.
func (e *Engine) admit(ctx context.Context, run *driveway.WorkflowRun) (bool, error) {
	admitted := false
	err := e.store.WithTx(ctx, func(tx driveway.Tx) error {
		// The project's admission lease row is a lock held to the end of
		// the transaction: admissions of one project take turns (on
		// Postgres; SQLite has one writer anyway), so the counts below are
		// exact. Its holder never changes, so it is always acquired.
		if _, err := tx.AcquireLease(ctx, "workflow-admit/"+run.ProjectID, "workflow-admit", time.Now(), time.Hour); err != nil {
			return err
		}
		r, err := tx.GetRun(ctx, run.ProjectID, run.ID)
		if err != nil || r.Status != driveway.RunQueued {
			admitted = err == nil
			return err
		}
		np, err := tx.CountRuns(ctx, run.ProjectID, "", driveway.RunRunning)
		if err != nil {
			return err
		}
		nu, err := tx.CountRuns(ctx, run.ProjectID, run.UserID, driveway.RunRunning)
		if err != nil {
			return err
		}
		if np >= e.cfg.ProjectConcurrency || nu >= e.cfg.UserConcurrency {
			return nil
		}
		r.Status = driveway.RunRunning
		admitted = true
		return tx.UpdateRun(ctx, r)
	})
	if err != nil {
		return false, fmt.Errorf("admit run %s: %w", run.ID, err)
	}
	return admitted, nil
}

// beginStep records the start of an attempt and returns the step run with
// Attempts counting this one.
func (e *Engine) beginStep(ctx context.Context, run *driveway.WorkflowRun, s *Step, path, key string) (*driveway.StepRun, error) {
	sr, err := e.store.GetStepRun(ctx, run.ProjectID, run.ID, key)
	switch {
	case driveway.ErrorCode(err) == driveway.ENOTFOUND:
		sr = &driveway.StepRun{ProjectID: run.ProjectID, RunID: run.ID, Key: key, StepID: s.ID, Path: path,
			Input: json.RawMessage("null"), Output: json.RawMessage("null"), StartedAt: time.Now().UTC()}
	case err != nil:
		return nil, fmt.Errorf("begin step %s: %w", key, err)
	}
	sr.Attempts++
	sr.Status, sr.FinishedAt = driveway.StepRunning, time.Time{}
	if err := e.store.PutStepRun(ctx, sr); err != nil {
		return nil, fmt.Errorf("begin step %s: %w", key, err)
	}
	return sr, nil
}

// finish commits a top-level attempt's outcome.
func (e *Engine) finish(ctx context.Context, job *river.Job[stepArgs], run *driveway.WorkflowRun, def *Definition,
	sr *driveway.StepRun, res *result, stepErr error) error {
	s := &def.Steps[job.Args.Index]
	final := stepErr != nil && sr.Attempts >= attemptsOf(s)
	if stepErr != nil && !final {
		sr.Error = stepErr.Error()
		sr.Input = res.input
		if err := e.store.PutStepRun(ctx, sr); err != nil {
			e.cfg.Logger.Warn("record step error", "run", run.ID, "step", s.ID, "err", err)
		}
		return stepErr // River retries after NextRetry
	}
	err := e.store.WithTx(ctx, func(tx driveway.Tx) error {
		record(sr, res, stepErr)
		if err := tx.PutStepRun(ctx, sr); err != nil {
			return err
		}
		if !updatesRun(run, def, job.Args.Index, s, stepErr) {
			// Only the next step's job: if the run was cancelled since
			// work read it, that job finds it ended and stops.
			return e.insertStep(ctx, tx, run, def, job.Args.Index+1, res.until)
		}
		cur, err := tx.GetRun(ctx, run.ProjectID, run.ID) // the run is written: read it anew
		if err != nil {
			return err
		}
		if cur.Finished() {
			return nil // cancelled meanwhile: keep the result, go no further
		}
		return e.advance(ctx, tx, cur, def, job.Args.Index, s, res, stepErr)
	})
	if err != nil {
		return fmt.Errorf("commit step %s of run %s: %w", s.ID, run.ID, err)
	}
	return nil
}

// advance updates the run after step i ended (res, stepErr final) and
// enqueues the next step, in tx.
func (e *Engine) advance(ctx context.Context, tx driveway.Tx, run *driveway.WorkflowRun, def *Definition, i int,
	s *Step, res *result, stepErr error) error {
	now := time.Now().UTC()
	if stepErr != nil && !s.ContinueOnError {
		run.Status, run.FinishedAt = driveway.RunFailed, now
		run.Error = fmt.Sprintf("steps[%d] (%s): %s", i, s.ID, driveway.ErrorMessage(stepErr))
		if msg := stepErr.Error(); driveway.ErrorCode(stepErr) == driveway.EINTERNAL {
			run.Error = fmt.Sprintf("steps[%d] (%s): %s", i, s.ID, msg)
		}
		return tx.UpdateRun(ctx, run)
	}
	if s.Type == StepResponse && stepErr == nil {
		run.Response, run.HasResponse = res.output, true
	}
	if i+1 < len(def.Steps) {
		if run.HasResponse || s.Type == StepResponse {
			if err := tx.UpdateRun(ctx, run); err != nil {
				return err
			}
		}
		return e.insertStep(ctx, tx, run, def, i+1, res.until)
	}
	run.Status, run.FinishedAt = driveway.RunSucceeded, now
	return tx.UpdateRun(ctx, run)
}

// updatesRun reports whether advance writes the run after step i of def
// ended with stepErr (final): it does unless the run goes on to a next step
// with no response to keep.
func updatesRun(run *driveway.WorkflowRun, def *Definition, i int, s *Step, stepErr error) bool {
	goesOn := stepErr == nil || s.ContinueOnError
	return !goesOn || i+1 >= len(def.Steps) || run.HasResponse || s.Type == StepResponse
}

// record writes an ended attempt into the step run.
func record(sr *driveway.StepRun, res *result, stepErr error) {
	sr.Input = res.input
	sr.Output = res.output
	sr.FinishedAt = time.Now().UTC()
	sr.Status, sr.Error = driveway.StepSucceeded, ""
	if stepErr != nil {
		sr.Status, sr.Error = driveway.StepFailed, stepErr.Error()
		sr.Output, _ = json.Marshal(map[string]any{"error": stepErr.Error()})
	}
}

func attemptsOf(s *Step) int {
	if s.Retry == nil {
		return 1
	}
	return s.Retry.Attempts
}
