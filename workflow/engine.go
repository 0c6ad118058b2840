package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/ids"
	"github.com/drivewayhq/driveway/internal/wake"
	"github.com/drivewayhq/driveway/jobs"
)

// Defaults of Config.
const (
	DefaultStepTimeout        = time.Minute
	DefaultProjectConcurrency = 100
	DefaultUserConcurrency    = 10
	DefaultAdmissionRetry     = time.Second
	DefaultResponseWait       = 30 * time.Second
	DefaultScheduleInterval   = 15 * time.Second
	DefaultRetention          = 90 * 24 * time.Hour
	DefaultMaxFanOutItems     = 1000
	DefaultWaitPoll           = time.Second
	// crashAttempts are the job attempts a step gets beyond its own, for
	// rescues after crashes (which are not the step's failures).
	crashAttempts = 10
)

// Config configures an Engine. Store, Queue and Registry are required.
type Config struct {
	Store    driveway.Store
	Queue    *jobs.Queue
	Registry *Registry
	// StepTimeout is the default and the longest timeout of a step attempt
	// (a conditional or fan out with its nested steps counts as one). It
	// must stay below the queue's RescueStuckJobsAfter. Default 1m.
	StepTimeout time.Duration
	// ProjectConcurrency and UserConcurrency bound the runs running at once
	// in a project and for one user; more wait, queued. Defaults 100, 10.
	ProjectConcurrency, UserConcurrency int
	// AdmissionRetry is how long a queued run waits before trying again to
	// start. Default 1s.
	AdmissionRetry time.Duration
	// ResponseWait bounds how long a Request trigger waits for the
	// Response step. Default 30s.
	ResponseWait time.Duration
	// WaitPoll is how often a wait for a run (Wait, a Request trigger)
	// reads the run when nothing woke it: the safety net under the
	// wake-ups of commits on this node and, on a store that is a
	// driveway.RunWatcher (Postgres), on every node. Default 1s.
	WaitPoll time.Duration
	// ScheduleInterval is how often the scheduler looks for due schedules.
	// Default 15s.
	ScheduleInterval time.Duration
	// Retention is how long finished runs are kept; a daily job deletes
	// older ones. Default 90 days.
	Retention time.Duration
	// MaxFanOutItems bounds the items of one Fan Out: a Fan Out over more
	// fails (EINVALID, naming its items field) before any item runs. Every
	// item's steps run within the Fan Out's one step timeout and record a
	// step run each. Default 1000.
	MaxFanOutItems int
	// Now is the clock of the scheduler (tests compress it). Default
	// time.Now.
	Now func() time.Time
	// FileChangeConsumers, when set, is called in the transaction of every
	// change that may alter which of a project's users have a File Change
	// workflow enabled (a save, a delete, a user's enable or disable): for
	// one user, or every user when userID is "". The File Change side
	// watches or unwatches their drives; an error undoes the change.
	FileChangeConsumers func(ctx context.Context, tx driveway.Tx, projectID, userID string) error
	Logger              *slog.Logger
}

func (c Config) withDefaults() Config {
	setDur := func(p *time.Duration, d time.Duration) {
		if *p <= 0 {
			*p = d
		}
	}
	setDur(&c.StepTimeout, DefaultStepTimeout)
	setDur(&c.AdmissionRetry, DefaultAdmissionRetry)
	setDur(&c.ResponseWait, DefaultResponseWait)
	setDur(&c.ScheduleInterval, DefaultScheduleInterval)
	setDur(&c.Retention, DefaultRetention)
	setDur(&c.WaitPoll, DefaultWaitPoll)
	if c.ProjectConcurrency <= 0 {
		c.ProjectConcurrency = DefaultProjectConcurrency
	}
	if c.MaxFanOutItems <= 0 {
		c.MaxFanOutItems = DefaultMaxFanOutItems
	}
	if c.UserConcurrency <= 0 {
		c.UserConcurrency = DefaultUserConcurrency
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Engine runs workflows. It is safe for concurrent use.
type Engine struct {
	cfg   Config
	store driveway.Store
	queue *jobs.Queue
	reg   *Registry

	changes wake.Hub // waiters of runs, by "project/run", woken by this node's commits (wait.go)

	mu       sync.Mutex
	defs     map[string]*Definition // by project/workflow/version; versions never change
	lastTick time.Time              // the scheduler's last tick on this node
}

// New returns an engine; call Register before the queue starts.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil || cfg.Queue == nil || cfg.Registry == nil {
		return nil, errors.New("new workflow engine: Store, Queue and Registry are required")
	}
	cfg = cfg.withDefaults()
	return &Engine{cfg: cfg, store: cfg.Store, queue: cfg.Queue, reg: cfg.Registry, defs: map[string]*Definition{}}, nil
}

// Register adds the engine's job kinds ("workflow_step",
// "workflow_schedule", "workflow_purge") and their periodic jobs (the
// scheduler, the daily purge of old runs) to the queue. Call
// it once per node, before the queue starts.
func (e *Engine) Register() error {
	if err := jobs.Register(e.queue, river.Worker[stepArgs](&stepWorker{e: e})); err != nil {
		return fmt.Errorf("register workflow jobs: %w", err)
	}
	if err := jobs.Register(e.queue, river.Worker[scheduleArgs](&scheduleWorker{e: e})); err != nil {
		return fmt.Errorf("register workflow jobs: %w", err)
	}
	if err := jobs.Register(e.queue, river.Worker[purgeArgs](&purgeWorker{e: e})); err != nil {
		return fmt.Errorf("register workflow jobs: %w", err)
	}
	err := e.queue.AddPeriodic(river.PeriodicInterval(e.cfg.ScheduleInterval),
		func() (river.JobArgs, *river.InsertOpts) { return scheduleArgs{}, nil },
		&river.PeriodicJobOpts{ID: "workflow_schedule", RunOnStart: true})
	if err != nil {
		return err
	}
	return e.queue.AddPeriodic(river.PeriodicInterval(24*time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return purgeArgs{}, nil },
		&river.PeriodicJobOpts{ID: "workflow_purge", RunOnStart: true})
}

// purgeArgs is the daily deletion of runs older than Config.Retention.
type purgeArgs struct{}

// Kind is the stable job kind.
func (purgeArgs) Kind() string { return "workflow_purge" }

type purgeWorker struct {
	river.WorkerDefaults[purgeArgs]
	e *Engine
}

func (w *purgeWorker) Work(ctx context.Context, job *river.Job[purgeArgs]) error {
	n, err := w.e.store.DeleteRunsBefore(ctx, time.Now().Add(-w.e.cfg.Retention))
	if err != nil {
		return fmt.Errorf("purge workflow runs: %w", err)
	}
	if n > 0 {
		w.e.cfg.Logger.Info("purged workflow runs", "count", n, "retention", w.e.cfg.Retention)
	}
	return nil
}

// SaveWorkflow parses (JSON), validates and stores a definition as the
// workflow's new version. EINVALID names the step and field.
func (e *Engine) SaveWorkflow(ctx context.Context, projectID string, raw []byte) (*driveway.Workflow, error) {
	def, err := Parse(raw)
	if err != nil {
		return nil, err
	}
	if err := e.reg.Validate(def); err != nil {
		return nil, err
	}
	canon, err := json.Marshal(def)
	if err != nil {
		return nil, fmt.Errorf("save workflow: %w", err)
	}
	w := &driveway.Workflow{ProjectID: projectID, ID: def.ID, Name: def.Name, TriggerType: def.Trigger.Type,
		EventName: def.Trigger.Event, DefaultEnabled: def.Enabled(), Definition: canon}
	err = e.store.WithTx(ctx, func(tx driveway.Tx) error {
		was := ""
		prev, err := tx.GetWorkflow(ctx, projectID, def.ID)
		switch {
		case err == nil:
			was = prev.TriggerType
		case driveway.ErrorCode(err) != driveway.ENOTFOUND:
			return err
		}
		if err := tx.PutWorkflow(ctx, w); err != nil {
			return err
		}
		if was == TriggerFileChange || w.TriggerType == TriggerFileChange {
			return e.fileChangeConsumers(ctx, tx, projectID, "")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// DeleteWorkflow deletes a workflow with its versions and users' choices
// (its runs stay); ENOTFOUND if none.
func (e *Engine) DeleteWorkflow(ctx context.Context, projectID, id string) error {
	return e.store.WithTx(ctx, func(tx driveway.Tx) error {
		w, err := tx.GetWorkflow(ctx, projectID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteWorkflow(ctx, projectID, id); err != nil {
			return err
		}
		if w.TriggerType == TriggerFileChange {
			return e.fileChangeConsumers(ctx, tx, projectID, "")
		}
		return nil
	})
}

// SetEnabled records a user's choice to run a workflow or not; ENOTFOUND
// when the workflow does not exist.
func (e *Engine) SetEnabled(ctx context.Context, projectID, workflowID, userID string, on bool) error {
	return e.store.WithTx(ctx, func(tx driveway.Tx) error {
		if err := tx.SetWorkflowEnabled(ctx, projectID, workflowID, userID, on); err != nil {
			return err
		}
		w, err := tx.GetWorkflow(ctx, projectID, workflowID)
		if err != nil || w.TriggerType != TriggerFileChange {
			return err
		}
		return e.fileChangeConsumers(ctx, tx, projectID, userID)
	})
}

func (e *Engine) fileChangeConsumers(ctx context.Context, tx driveway.Tx, projectID, userID string) error {
	if e.cfg.FileChangeConsumers == nil {
		return nil
	}
	return e.cfg.FileChangeConsumers(ctx, tx, projectID, userID)
}

// definition returns the decoded definition of a stored version.
func (e *Engine) definition(ctx context.Context, projectID, id string, version int) (*Definition, error) {
	key := fmt.Sprintf("%s/%s/%d", projectID, id, version)
	e.mu.Lock()
	d, ok := e.defs[key]
	e.mu.Unlock()
	if ok {
		return d, nil
	}
	w, err := e.store.GetWorkflowVersion(ctx, projectID, id, version)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(w.Definition, &d); err != nil {
		return nil, fmt.Errorf("decode workflow %s version %d: %w", id, version, err)
	}
	e.mu.Lock()
	e.defs[key] = d
	e.mu.Unlock()
	return d, nil
}

// StartParams says which run to start.
type StartParams struct {
	ProjectID  string
	WorkflowID string
	UserID     string
	// Trigger is the payload (`trigger` in templates).
	Trigger any
	// RunID, when set, makes the start idempotent: a second start with the
	// same id is ECONFLICT. Default: a new "run_" id.
	RunID string
}

// StartRun creates a queued run of the workflow's newest version and its
// first step's job, in one transaction. It does not check enablement.
func (e *Engine) StartRun(ctx context.Context, p StartParams) (*driveway.WorkflowRun, error) {
	w, err := e.store.GetWorkflow(ctx, p.ProjectID, p.WorkflowID)
	if err != nil {
		return nil, err
	}
	def, err := e.definition(ctx, p.ProjectID, w.ID, w.Version)
	if err != nil {
		return nil, err
	}
	trig, err := json.Marshal(p.Trigger)
	if err != nil {
		return nil, driveway.Invalid("trigger", "payload is not JSON: %v", err)
	}
	run := &driveway.WorkflowRun{ProjectID: p.ProjectID, ID: p.RunID, WorkflowID: w.ID, Version: w.Version,
		UserID: p.UserID, Status: driveway.RunQueued, Trigger: trig, Response: json.RawMessage("null")}
	if run.ID == "" {
		run.ID = ids.New("run_")
	}
	err = e.store.WithTx(ctx, func(tx driveway.Tx) error {
		if err := tx.CreateRun(ctx, run); err != nil {
			return err
		}
		return e.insertStep(ctx, tx, run, def, 0, time.Time{}, "")
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

// insertStep enqueues the job of top-level step i in tx.
func (e *Engine) insertStep(ctx context.Context, tx driveway.Tx, run *driveway.WorkflowRun, def *Definition, i int, at time.Time,
	rerun string) error {
	return e.insertStepFrom(ctx, tx, run, def, i, at, rerun, 1)
}

// insertStepFrom is insertStep for a job whose first attempt is the
// step's attempt number first (above 1 when an earlier attempt ran in the
// job of the step before, and failed).
func (e *Engine) insertStepFrom(ctx context.Context, tx driveway.Tx, run *driveway.WorkflowRun, def *Definition, i int,
	at time.Time, rerun string, first int) error {
	s := &def.Steps[i]
	args := stepArgs{ProjectID: run.ProjectID, RunID: run.ID, Index: i, Rerun: rerun, TimeoutMs: e.timeout(s).Milliseconds()}
	if first > 1 {
		args.FirstAttempt = first
	}
	for _, b := range backoffList(s) {
		args.BackoffMs = append(args.BackoffMs, b.Milliseconds())
	}
	opts := &river.InsertOpts{MaxAttempts: attemptsOf(s) - max(first, 1) + 1 + crashAttempts, UniqueOpts: stepUnique}
	if !at.IsZero() {
		opts.ScheduledAt = at
	}
	_, err := e.queue.InsertTx(ctx, tx, args, opts)
	return err
}

// stepUnique makes a step's job unique by run, step and rerun among the
// jobs not yet finished: a job resuming a run after a crash (work)
// enqueues the step it resumes at, which the step before may have
// enqueued already. A rerun's jobs carry a new Rerun, so they never clash
// with the failed go's (whose last job River may not have completed yet).
var stepUnique = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable,
	rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}}

// backoffList is a step's waits between attempts (the last repeats); none
// without a retry policy. (backoffOf picks one.)
func backoffList(s *Step) []time.Duration {
	if s.Retry == nil {
		return nil
	}
	var out []time.Duration
	for _, b := range s.Retry.Backoff {
		out = append(out, time.Duration(b))
	}
	if len(out) == 0 {
		out = DefaultBackoff
	}
	return out
}

// timeout is a step's attempt timeout.
func (e *Engine) timeout(s *Step) time.Duration {
	d := time.Duration(s.Timeout)
	if d <= 0 || d > e.cfg.StepTimeout || e.reg.kinds[s.Type].control != "" {
		return e.cfg.StepTimeout
	}
	return d
}

// Cancel stops a run: no further step starts (a step running now finishes
// its attempt, and its result is kept). ENOTFOUND for an unknown run,
// ECONFLICT for a run that already ended.
func (e *Engine) Cancel(ctx context.Context, projectID, runID string) error {
	defer e.changed(projectID, runID)
	return e.store.WithTx(ctx, func(tx driveway.Tx) error {
		run, err := tx.GetRun(ctx, projectID, runID)
		if err != nil {
			return err
		}
		if run.Finished() {
			return driveway.Errorf(driveway.ECONFLICT, "run %s already ended (%s)", runID, run.Status)
		}
		run.Status, run.FinishedAt = driveway.RunCancelled, time.Now().UTC()
		return tx.UpdateRun(ctx, run)
	})
}

// Rerun runs a failed run again from the step that failed, with the same
// trigger and the outputs of the steps before it (so the step's input
// evaluates as it did). ECONFLICT unless the run failed.
func (e *Engine) Rerun(ctx context.Context, projectID, runID string) error {
	return e.store.WithTx(ctx, func(tx driveway.Tx) error {
		run, err := tx.GetRun(ctx, projectID, runID)
		if err != nil {
			return err
		}
		if run.Status != driveway.RunFailed {
			return driveway.Errorf(driveway.ECONFLICT, "run %s did not fail (%s)", runID, run.Status)
		}
		def, err := e.definition(ctx, projectID, run.WorkflowID, run.Version)
		if err != nil {
			return err
		}
		idx, sr, err := failedStep(ctx, tx, run, def)
		if err != nil {
			return err
		}
		sr.Attempts, sr.Status, sr.Error, sr.FinishedAt = 0, driveway.StepRunning, "", time.Time{}
		if err := tx.PutStepRun(ctx, sr); err != nil {
			return err
		}
		run.Status, run.Error, run.FinishedAt = driveway.RunQueued, "", time.Time{}
		if err := tx.UpdateRun(ctx, run); err != nil {
			return err
		}
		return e.insertStep(ctx, tx, run, def, idx, time.Time{}, ids.Random(8))
	})
}

// failedStep finds the top-level step that failed the run.
func failedStep(ctx context.Context, q driveway.Queries, run *driveway.WorkflowRun, def *Definition) (int, *driveway.StepRun, error) {
	for i, s := range def.Steps {
		sr, err := q.GetStepRun(ctx, run.ProjectID, run.ID, s.ID)
		if driveway.ErrorCode(err) == driveway.ENOTFOUND {
			continue
		}
		if err != nil {
			return 0, nil, err
		}
		if sr.Status == driveway.StepFailed {
			return i, sr, nil
		}
	}
	return 0, nil, driveway.Errorf(driveway.ECONFLICT, "run %s has no failed step", run.ID)
}
