package workflow

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/drivewayhq/driveway"
)

// Step type keys: stable strings stored in definitions.
const (
	StepConditional     = "conditional"      // {condition}; then/else branches
	StepFanOut          = "fan_out"          // {items, parallelism}; steps per item
	StepDelay           = "delay"            // {duration}
	StepResponse        = "response"         // {status, body, headers}
	StepHTTPRequest     = "http_request"     // see HTTPRequest
	StepOneDriveAction  = "onedrive_action"  // {action, credentialId?, input}
	StepOneDriveRequest = "onedrive_request" // {method, path, query, headers, body, credentialId?}
)

// ActionRunner runs OneDrive actions for the onedrive_action step, and
// Graph calls for onedrive_request (action "onedrive.request", input
// {method, path, query, headers, body}). The actions catalogue implements
// it. credentialID may be "" (the user's only OneDrive credential).
// Implementations must be safe for concurrent use; an error that is a
// *driveway.Error is shown to the author as is.
type ActionRunner interface {
	Run(ctx context.Context, p *driveway.Principal, credentialID, action string, input map[string]any) (any, error)
}

// RequestAction is the action name onedrive_request steps pass to the
// ActionRunner.
const RequestAction = "onedrive.request"

// Call is what a step runner gets: the evaluated input and where the step
// runs.
type Call struct {
	Principal *driveway.Principal
	RunID     string
	StepID    string
	// Key identifies this execution of the step within the run (a step in
	// a fan out runs once per item: "each/3/save").
	Key string
	// IdempotencyKey is stable across the step's retries and re-runs on
	// another node ("<runId>/<key>"); pass it to services that deduplicate.
	IdempotencyKey string
	Attempt        int
	Input          map[string]any
}

// Runner runs one kind of step. Run must honour ctx (the step's timeout).
type Runner interface {
	Run(ctx context.Context, c *Call) (any, error)
}

// RunnerFunc adapts a function to Runner.
type RunnerFunc func(ctx context.Context, c *Call) (any, error)

// Run calls f.
func (f RunnerFunc) Run(ctx context.Context, c *Call) (any, error) { return f(ctx, c) }

// kind is a registered step type.
type kind struct {
	control  string // the engine runs it itself: conditional, fan_out, delay, response
	runner   Runner
	validate func(s *Step, field string) error
}

// Registry holds the step types, by key. NewRegistry registers the
// built-ins; Register adds more (tests, extensions) before the engine
// starts.
type Registry struct {
	kinds   map[string]kind
	catalog ActionCatalog
}

// NewRegistry returns the built-in step types. actions may be nil: the
// OneDrive steps then fail with EUNAVAILABLE. http is the HTTP Request
// step's configuration.
func NewRegistry(actions ActionRunner, http *HTTPRequest) *Registry {
	r := &Registry{kinds: map[string]kind{}}
	r.kinds[StepConditional] = kind{control: StepConditional, validate: needInput("condition")}
	r.kinds[StepFanOut] = kind{control: StepFanOut, validate: needInput("items")}
	r.kinds[StepDelay] = kind{control: StepDelay, validate: validateDelay}
	r.kinds[StepResponse] = kind{control: StepResponse}
	if http != nil {
		r.kinds[StepHTTPRequest] = kind{runner: http, validate: needInput("url")}
	}
	r.kinds[StepOneDriveAction] = kind{runner: &actionStep{actions: actions}, validate: needInput("action")}
	r.kinds[StepOneDriveRequest] = kind{runner: &actionStep{actions: actions, request: true}, validate: needInput("path")}
	return r
}

// Register adds a step type; it fails for a key already registered.
func (r *Registry) Register(key string, run Runner, validate func(s *Step, field string) error) error {
	if _, dup := r.kinds[key]; dup {
		return fmt.Errorf("register step type %q: already registered", key)
	}
	r.kinds[key] = kind{runner: run, validate: validate}
	return nil
}

// Keys lists the registered step types.
func (r *Registry) Keys() []string {
	keys := make([]string, 0, len(r.kinds))
	for k := range r.kinds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func needInput(names ...string) func(s *Step, field string) error {
	return func(s *Step, field string) error {
		for _, n := range names {
			if _, ok := s.Input[n]; !ok {
				return driveway.Invalid(field+".input."+n, "is required by a %s step", s.Type)
			}
		}
		return nil
	}
}

func validateDelay(s *Step, field string) error {
	raw, ok := s.Input["duration"].(string)
	if !ok {
		return driveway.Invalid(field+".input.duration", "is required: a duration like \"30s\"")
	}
	if d, err := time.ParseDuration(raw); err != nil || d < 0 {
		return driveway.Invalid(field+".input.duration", "not a duration: %q", raw)
	}
	return nil
}

// actionStep runs onedrive_action and onedrive_request through the
// ActionRunner.
type actionStep struct {
	actions ActionRunner
	request bool
}

func (a *actionStep) Run(ctx context.Context, c *Call) (any, error) {
	if a.actions == nil {
		return nil, driveway.Errorf(driveway.EUNAVAILABLE, "OneDrive steps are not available on this server")
	}
	cred, _ := c.Input["credentialId"].(string)
	if a.request {
		in := map[string]any{}
		for k, v := range c.Input {
			if k != "credentialId" {
				in[k] = v
			}
		}
		return a.actions.Run(ctx, c.Principal, cred, RequestAction, in)
	}
	action, _ := c.Input["action"].(string)
	if action == "" {
		return nil, driveway.Invalid("input.action", "must be a string")
	}
	in, _ := c.Input["input"].(map[string]any)
	return a.actions.Run(ctx, c.Principal, cred, action, in)
}

func asTemplateError[T error](err error, target *T) bool { return errors.As(err, target) }
