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
	ProjectID string `json:"projectId" river:"unique"`
	RunID     string `json:"runId" river:"unique"`
	Index     int    `json:"index" river:"unique"`
	// Rerun is "" for a run's first go, and a new random value for each
	// rerun, carried by every job of that go (see stepUnique).
	Rerun string `json:"rerun,omitempty" river:"unique"`
	// FirstAttempt is the step's attempt number of the job's first attempt:
	// 2 or more for a job enqueued after an attempt failed in the job of
	// the step before (chainsTo); 0 means 1.
	FirstAttempt int     `json:"firstAttempt,omitempty"`
	BackoffMs    []int64 `json:"backoffMs,omitempty"`
	TimeoutMs    int64   `json:"timeoutMs"`
}

// attempt is the step's attempt number of the job's attempt jobAttempt.
func (a stepArgs) attempt(jobAttempt int) int { return jobAttempt + max(a.FirstAttempt, 1) - 1 }

// Kind is the stable job kind.
func (stepArgs) Kind() string { return "workflow_step" }

type stepWorker struct {
	river.WorkerDefaults[stepArgs]
	e *Engine
}

// Timeout is the step's timeout, plus a margin to record its result, plus
// the time in which the job may start further steps of its run (chainFor).
func (w *stepWorker) Timeout(job *river.Job[stepArgs]) time.Duration {
	return time.Duration(job.Args.TimeoutMs)*time.Millisecond + 5*time.Second + chainFor
}

// NextRetry waits the step's backoff (default 10, 20, 30, 50, 80 s). A
// step without a retry policy is retried only after a crash (a rescue, or
// a failure to record its result): at once, after crashRetry.
func (w *stepWorker) NextRetry(job *river.Job[stepArgs]) time.Time {
	b := job.Args.BackoffMs
	if len(b) == 0 {
		return time.Now().Add(crashRetry)
	}
	i := min(max(job.Args.attempt(job.Attempt)-1, 0), len(b)-1)
	return time.Now().Add(time.Duration(b[i]) * time.Millisecond)
}

// crashRetry is the wait before running again a step that has no retry
// policy and whose attempt did not finish.
const crashRetry = time.Second

func (w *stepWorker) Work(ctx context.Context, job *river.Job[stepArgs]) error {
	return w.e.work(ctx, job)
}

// work runs one attempt of a top-level step and commits its result. The
// next step runs in the same job when it can (see chainsTo): its result is
// then committed alone, and nothing is enqueued. Otherwise the commit
// enqueues the next step's job in the same transaction. River completes
// the job after work returns (asynchronously, in batches).
//
// A job run again because its node died (attempt > 1) resumes at the first
// step from its own whose result is not committed: its own step, run
// again; or a later one if this job committed the step before it (step
// runs record their job), which it enqueues as a job of its own, unique by
// run and step, since that commit may have enqueued it already. A step
// after one another job committed is that job's to run or hand over.
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
		i, prev, err := e.uncommitted(ctx, run, def, a.Index)
		if err != nil {
			return err
		}
		if i > a.Index {
			if i == len(def.Steps) || prev.JobID != job.ID {
				return nil // step i is another job's
			}
			err := e.store.WithTx(ctx, func(tx driveway.Tx) error { return e.insertStep(ctx, tx, run, def, i, time.Time{}, a.Rerun) })
			if err != nil {
				return fmt.Errorf("resume run %s at step %d: %w", run.ID, i, err)
			}
			return nil
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
	began := time.Now()
	for i := a.Index; ; i++ {
		attempt := 1 // a step run in the job of an earlier one starts with its first attempt (chainsTo)
		if i == a.Index {
			attempt = a.attempt(job.Attempt)
		}
		next, err := e.runStep(ctx, job, run, def, i, attempt, began)
		if err != nil || next == nil || next.Finished() {
			return err // Finished: cancelled; no further step starts
		}
		run = next
	}
}

// runStep runs step i of run, with attempt number attempt, and commits its
// outcome. When the job goes on to step i+1 itself, it returns the run as
// read at the commit; else nil.
func (e *Engine) runStep(ctx context.Context, job *river.Job[stepArgs], run *driveway.WorkflowRun, def *Definition,
	i, attempt int, began time.Time) (*driveway.WorkflowRun, error) {
	s := &def.Steps[i]
	field := fmt.Sprintf("steps[%d]", i)
	if c := e.reg.kinds[s.Type].control; c == StepConditional || c == StepFanOut {
		return e.workNested(ctx, job, run, def, i, field, began) // only ever the job's own step
	}
	jobCtx := ctx // the commit's, with River's deadline (the step's timeout plus a margin)
	if i != job.Args.Index {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.timeout(s))
		defer cancel()
	}
	sr, err := e.openStep(ctx, attempt, run, s, field)
	if err != nil {
		return nil, err
	}
	sr.JobID = job.ID
	x, err := e.execFor(ctx, run, s)
	if err != nil {
		return nil, err
	}
	mark := e.markRunning(ctx, sr)
	res, stepErr := x.step(ctx, s, field, "", true, sr.Attempts, x.env)
	mark.stop()
	return e.finish(jobCtx, job, run, def, i, sr, res, stepErr, began)
}

// workNested runs a top-level conditional or fan out: its attempt is
// recorded before it starts (its nested steps commit as they end), and its
// templates see every earlier output, the user and the secrets.
func (e *Engine) workNested(ctx context.Context, job *river.Job[stepArgs], run *driveway.WorkflowRun, def *Definition,
	i int, field string, began time.Time) (*driveway.WorkflowRun, error) {
	s := &def.Steps[i]
	sr, err := e.beginStep(ctx, run, s, field, s.ID)
	if err != nil {
		return nil, err
	}
	x, err := e.newExec(ctx, run)
	if err != nil {
		return nil, err
	}
	res, stepErr := x.step(ctx, s, field, "", true, sr.Attempts, x.env)
	return e.finish(ctx, job, run, def, i, sr, res, stepErr, began)
}

// chainFor is how long after its start a job may still start a further
// step of its run itself, instead of enqueueing it. It bounds a job's
// duration (Timeout) well below jobs' RescueStuckJobsAfter.
const chainFor = time.Second

// chainsTo reports whether the job that ran step i (ending with res and
// stepErr, final) runs step i+1 itself: when the run goes on at once to a
// leaf step (or a response) whose timeout fits the job's, and the job
// started less than chainFor ago. A handover to a job of its own would
// cost an insert, a fetch and a completion. Should the chained step's
// first attempt fail with attempts left, its retries get a job of their
// own then (finish).
func (e *Engine) chainsTo(a stepArgs, def *Definition, i int, res *result, stepErr error, began time.Time) bool {
	if (stepErr != nil && !def.Steps[i].ContinueOnError) || i+1 >= len(def.Steps) || !res.until.IsZero() {
		return false
	}
	n := &def.Steps[i+1]
	c := e.reg.kinds[n.Type].control
	return (c == "" || c == StepResponse) && e.timeout(n) <= time.Duration(a.TimeoutMs)*time.Millisecond &&
		time.Since(began) < chainFor
}

// uncommitted returns the first step from i on whose result is not
// committed (len(def.Steps) when all are), and the step run of the step
// before it when that is from i on.
func (e *Engine) uncommitted(ctx context.Context, run *driveway.WorkflowRun, def *Definition, i int) (int, *driveway.StepRun, error) {
	var prev *driveway.StepRun
	for ; i < len(def.Steps); i++ {
		sr, err := e.committed(ctx, run, def.Steps[i].ID)
		if err != nil || sr == nil {
			return i, prev, err
		}
		prev = sr
	}
	return i, prev, nil
}

// admit moves a queued run to running when the project and the user are
// under their concurrency limits, and reports whether the run may go on
// (admitted now or before).
func (e *Engine) admit(ctx context.Context, run *driveway.WorkflowRun) (bool, error) {
	status, err := e.store.AdmitRun(ctx, run.ProjectID, run.ID, e.cfg.ProjectConcurrency, e.cfg.UserConcurrency)
	if err != nil {
		return false, fmt.Errorf("admit run %s: %w", run.ID, err)
	}
	return status != driveway.RunQueued, nil
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

// finish commits the outcome of step i's attempt. When the job goes on to
// step i+1 itself (chainsTo), it returns the run as read at the commit
// (the caller stops if it finished: cancelled); else nil. A failed attempt
// with attempts left is recorded and returned, for River to retry the
// job; a chained step's (not the job's own) is recorded with a job of its
// own for the next attempt, after the backoff, in one transaction.
func (e *Engine) finish(ctx context.Context, job *river.Job[stepArgs], run *driveway.WorkflowRun, def *Definition,
	i int, sr *driveway.StepRun, res *result, stepErr error, began time.Time) (*driveway.WorkflowRun, error) {
	s := &def.Steps[i]
	sr.JobID = job.ID
	final := stepErr != nil && sr.Attempts >= attemptsOf(s)
	if stepErr != nil && !final {
		sr.Error = stepErr.Error()
		sr.Input = res.input
		if i != job.Args.Index {
			wait := backoffOf(s, sr.Attempts)
			err := e.store.WithTx(ctx, func(tx driveway.Tx) error {
				if err := tx.PutStepRun(ctx, sr); err != nil {
					return err
				}
				return e.insertStepFrom(ctx, tx, run, def, i, time.Now().Add(wait), job.Args.Rerun, sr.Attempts+1)
			})
			if err != nil {
				return nil, fmt.Errorf("hand over the retries of step %s of run %s: %w", s.ID, run.ID, err)
			}
			return nil, nil
		}
		if err := e.store.PutStepRun(ctx, sr); err != nil {
			e.cfg.Logger.Warn("record step error", "run", run.ID, "step", s.ID, "err", err)
		}
		return nil, stepErr // River retries after NextRetry
	}
	record(sr, res, stepErr)
	chain := e.chainsTo(job.Args, def, i, res, stepErr, began)
	var next *driveway.WorkflowRun
	var err error
	switch {
	case chain && !updatesRun(run, def, i, s, stepErr):
		// The result alone: the job itself goes on, so nothing is enqueued.
		next, err = e.store.CommitStepRun(ctx, sr)
	case !updatesRun(run, def, i, s, stepErr):
		// The result and the next step's job: if the run was cancelled
		// since it was read, that job finds it ended and stops.
		err = e.store.WithTx(ctx, func(tx driveway.Tx) error {
			if err := tx.PutStepRun(ctx, sr); err != nil {
				return err
			}
			return e.insertStep(ctx, tx, run, def, i+1, res.until, job.Args.Rerun)
		})
	default:
		err = e.store.WithTx(ctx, func(tx driveway.Tx) error {
			if err := tx.PutStepRun(ctx, sr); err != nil {
				return err
			}
			cur, err := tx.GetRun(ctx, run.ProjectID, run.ID) // the run is written: read it anew
			if err != nil {
				return err
			}
			if cur.Finished() {
				return nil // cancelled meanwhile: keep the result, go no further
			}
			if chain {
				next = cur
			}
			return e.advance(ctx, tx, cur, def, i, s, res, stepErr, chain, job.Args.Rerun)
		})
	}
	if err != nil {
		return nil, fmt.Errorf("commit step %s of run %s: %w", s.ID, run.ID, err)
	}
	if updatesRun(run, def, i, s, stepErr) {
		e.changed(run.ProjectID, run.ID)
	}
	return next, nil
}

// advance updates the run after step i ended (res, stepErr final) and,
// unless the job runs it itself (chain), enqueues the next step (of the
// go rerun), in tx.
func (e *Engine) advance(ctx context.Context, tx driveway.Tx, run *driveway.WorkflowRun, def *Definition, i int,
	s *Step, res *result, stepErr error, chain bool, rerun string) error {
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
		if chain {
			return nil
		}
		return e.insertStep(ctx, tx, run, def, i+1, res.until, rerun)
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
