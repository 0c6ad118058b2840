package driveway

import (
	"context"
	"encoding/json"
	"time"
)

// Workflow is the head of a project's workflow: its newest saved version.
// Definition is the validated JSON document (see package workflow); the
// trigger's type and event name are copied out of it so that triggers can be
// found without decoding every definition.
type Workflow struct {
	ProjectID string
	ID        string // stable, chosen by the author ("welcome-files")
	Name      string
	Version   int // 1 for the first save, +1 for each later save
	// TriggerType is the definition's trigger type ("request", "app_event",
	// "schedule", "integration_enabled", "file_change").
	TriggerType string
	// EventName is the app event an "app_event" workflow listens for.
	EventName string
	// DefaultEnabled is whether a user who never enabled or disabled the
	// workflow has it enabled.
	DefaultEnabled bool
	Definition     json.RawMessage
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// WorkflowRun is one execution of a workflow version for one user.
type WorkflowRun struct {
	ProjectID  string
	ID         string // "run_" + random
	WorkflowID string
	Version    int // the workflow version it runs
	UserID     string
	Status     string // RunQueued, RunRunning, RunSucceeded, RunFailed, RunCancelled
	// Trigger is the trigger's payload (`trigger` in templates).
	Trigger json.RawMessage
	// Response is the Response step's output, null until one ran.
	Response json.RawMessage
	// HasResponse is set once a Response step ran.
	HasResponse bool
	Error       string // why it failed
	CreatedAt   time.Time
	UpdatedAt   time.Time
	FinishedAt  time.Time // zero until it ends
}

// Run statuses.
const (
	RunQueued    = "queued"
	RunRunning   = "running"
	RunSucceeded = "succeeded"
	RunFailed    = "failed"
	RunCancelled = "cancelled"
)

// Finished reports whether the run has ended.
func (r *WorkflowRun) Finished() bool {
	return r.Status == RunSucceeded || r.Status == RunFailed || r.Status == RunCancelled
}

// StepRun is the record of one step of a run: its evaluated input, its
// output, attempts and errors. Key identifies the step within the run: the
// step id at the top level, and a path for steps inside branches and fan
// outs ("each/2/save").
type StepRun struct {
	ProjectID  string
	RunID      string
	Key        string
	StepID     string
	Path       string // the step's place in the definition ("steps[3]", "steps[3].then[0]")
	Status     string // StepRunning, StepSucceeded, StepFailed, StepSkipped
	Input      json.RawMessage
	Output     json.RawMessage
	Attempts   int
	Error      string // the last attempt's error
	StartedAt  time.Time
	FinishedAt time.Time // zero until it ends
	// JobID is the queue job that ran the attempt (0 if none): a job
	// resumed after a crash continues a run only past steps it committed.
	JobID int64
}

// Step statuses.
const (
	StepRunning   = "running"
	StepSucceeded = "succeeded"
	StepFailed    = "failed"
)

// Duration is how long the step took, zero while it runs.
func (s *StepRun) Duration() time.Duration {
	if s.FinishedAt.IsZero() {
		return 0
	}
	return s.FinishedAt.Sub(s.StartedAt)
}

// RunWatcher is implemented by a Store whose runs other nodes may change
// (Postgres): it tells a waiter on this node that a run finished or got a
// response, whichever node committed it.
type RunWatcher interface {
	// WatchRun returns a channel that receives after each commit, from now
	// on, that leaves the run finished or with a response, and the function
	// that stops watching. A wake-up is a hint to read the run again: some
	// may come for no change, and when the store's listening connection
	// drops, changes in between may be missed. An error means the store
	// cannot watch now; the caller polls.
	WatchRun(ctx context.Context, projectID, runID string) (changed <-chan struct{}, stop func(), err error)
}

// RunFilter selects runs for ListRuns; zero fields match everything.
type RunFilter struct {
	WorkflowID string
	UserID     string
	Status     string
	Before     time.Time // created before
	Limit      int       // 100 when 0 or less
}

// ProjectSecret is a named secret of a project (`secrets.<name>` in
// workflow templates), sealed at rest.
type ProjectSecret struct {
	ProjectID string
	Name      string
	Value     string
	CreatedAt time.Time
	UpdatedAt time.Time
}
