package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/workflow/redact"
	"github.com/drivewayhq/driveway/workflow/template"
)

// MinSecretLen is the shortest project secret value, in bytes, a run
// uses: a shorter one could not be told from ordinary text, so it could
// not be kept out of run history (package redact). Where secrets are set,
// refuse shorter values with this number.
const MinSecretLen = redact.MinLen

// exec runs the steps of one run on this node.
type exec struct {
	e   *Engine
	run *driveway.WorkflowRun
	env map[string]any   // trigger, steps, user, secrets
	red *redact.Redactor // the project's secrets, masked in everything a step records
	// short are the names of secrets too short to redact (redact.MinLen):
	// left out of env, and a step whose input names one fails.
	short map[string]bool
	mu    sync.Mutex // guards env["steps"] maps written by parallel fan-out items, and contents
	// kept are the run's whole outputs that hold file content, by step key
	// (content.go); contents are those content values, longest first.
	kept     map[string]any
	contents []contentRef
}

// result is a step attempt's recorded input and output.
type result struct {
	input  json.RawMessage // evaluated, secrets redacted
	output json.RawMessage
	value  any       // the output as data
	until  time.Time // a top-level delay: when the next step may start
}

// newExec loads what templates see: the trigger, the outputs of the steps
// that ran, the user and the project's secrets.
func (e *Engine) newExec(ctx context.Context, run *driveway.WorkflowRun) (*exec, error) {
	var trig any
	if err := json.Unmarshal(run.Trigger, &trig); err != nil {
		return nil, fmt.Errorf("decode trigger of run %s: %w", run.ID, err)
	}
	steps := map[string]any{}
	srs, err := e.store.ListStepRuns(ctx, run.ProjectID, run.ID)
	if err != nil {
		return nil, err
	}
	for _, sr := range srs {
		if sr.Key != sr.StepID || sr.Status == driveway.StepRunning {
			continue // inside a fan out, or not ended
		}
		var out any
		_ = json.Unmarshal(sr.Output, &out)
		steps[sr.StepID] = map[string]any{"output": out}
	}
	user := map[string]any{"id": run.UserID, "metadata": map[string]any{}}
	if u, err := e.store.GetConnectedUser(ctx, run.ProjectID, run.UserID); err == nil {
		user["metadata"] = u.Metadata
	}
	x := &exec{e: e, run: run}
	secrets, err := x.loadSecrets(ctx)
	if err != nil {
		return nil, err
	}
	if err := x.loadContent(ctx, steps); err != nil {
		return nil, err
	}
	x.env = map[string]any{"trigger": trig, "steps": steps, "user": user, "secrets": secrets}
	return x, nil
}

// loadSecrets sets x's redactor and short names, and returns the secrets
// templates may read (those long enough to redact), by name.
func (x *exec) loadSecrets(ctx context.Context) (map[string]any, error) {
	list, err := x.e.store.ListProjectSecrets(ctx, x.run.ProjectID)
	if err != nil {
		return nil, fmt.Errorf("load project secrets: %w", err)
	}
	secrets := map[string]any{}
	values := make([]string, 0, len(list))
	for _, s := range list {
		if len(s.Value) < redact.MinLen {
			if x.short == nil {
				x.short = map[string]bool{}
			}
			x.short[s.Name] = true
			continue
		}
		secrets[s.Name] = s.Value
		values = append(values, s.Value)
	}
	x.red = redact.New(values...)
	return secrets, nil
}

// step runs one attempt of s (key = prefix+s.ID) over env; top is set
// for a top-level step (its own job).
func (x *exec) step(ctx context.Context, s *Step, field, prefix string, top bool, attempt int, env map[string]any) (*result, error) {
	res := &result{input: json.RawMessage("null"), output: json.RawMessage("null")}
	var val any
	var err error
	switch x.e.reg.kinds[s.Type].control {
	case StepConditional:
		val, err = x.conditional(ctx, s, field, prefix, env, res)
	case StepFanOut:
		val, err = x.fanOut(ctx, s, field, prefix+s.ID, env, res)
	case StepDelay:
		val, err = x.delay(ctx, s, top, res)
	case StepResponse:
		val, err = x.render(s, field, env, res)
		if err == nil {
			val = response(val)
		}
	default:
		val, err = x.leaf(ctx, s, field, prefix+s.ID, attempt, env, res)
	}
	if x.red == nil && (val != nil || err != nil) {
		if lerr := x.loadRedactor(ctx); lerr != nil {
			return res, lerr
		}
	}
	if val != nil {
		val = x.red.Value(normalize(val))
		rec, kerr := x.keep(ctx, prefix+s.ID, val)
		if kerr != nil {
			return res, kerr
		}
		if b, jerr := json.Marshal(rec); jerr == nil {
			res.output = x.scrub(b)
		}
	}
	res.input = x.scrub(res.input)
	res.value = val
	if err != nil {
		err = x.scrubErr(x.redactErr(err))
	}
	return res, err
}

// redactErr returns err with the project's secrets masked in its message
// (in every form) and the query strings of URLs cut, keeping its domain
// code.
func (x *exec) redactErr(err error) error {
	msg := err.Error()
	clean := x.red.Message(msg)
	if clean == msg {
		return err
	}
	var de *driveway.Error
	if errors.As(err, &de) {
		return &driveway.Error{Code: de.Code, Field: x.red.Message(de.Field), Message: x.red.Message(de.Message)}
	}
	return errors.New(clean)
}

// render evaluates s.Input and records it (redacted) in res.
func (x *exec) render(s *Step, field string, env map[string]any, res *result) (any, error) {
	if err := x.checkShort(s, field); err != nil {
		return nil, err
	}
	x.mu.Lock()
	in, err := template.Render(anyMap(s.Input), env, field+".input")
	x.mu.Unlock()
	if err != nil {
		if te, ok := err.(*template.Error); ok {
			return nil, driveway.Invalid(te.Field, "%s", te.Msg)
		}
		return nil, err
	}
	if b, err := json.Marshal(x.red.Value(in)); err == nil {
		res.input = b
	}
	return in, nil
}

func (x *exec) leaf(ctx context.Context, s *Step, field, key string, attempt int, env map[string]any, res *result) (any, error) {
	in, err := x.render(s, field, env, res)
	if err != nil {
		return nil, err
	}
	m, _ := in.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	ctx, cancel := context.WithTimeout(ctx, x.e.timeout(s))
	defer cancel()
	p := &driveway.Principal{ProjectID: x.run.ProjectID, UserID: x.run.UserID}
	return x.call(ctx, x.e.reg.kinds[s.Type].runner, &Call{Principal: p, RunID: x.run.ID, StepID: s.ID, Key: key,
		IdempotencyKey: x.run.ID + "/" + key, Attempt: attempt, Input: m})
}

// call runs a step's runner. A panic becomes the attempt's error, redacted
// like any other (a panic value often holds the input), instead of reaching
// the queue's records and logs as it is, or ending the process from a fan
// out's goroutine; its stack (no values) goes to the log.
func (x *exec) call(ctx context.Context, r Runner, c *Call) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			x.e.cfg.Logger.Error("workflow step panicked", "run", c.RunID, "step", c.Key, "stack", string(debug.Stack()))
			out, err = nil, fmt.Errorf("step panicked: %v", p)
		}
	}()
	return r.Run(ctx, c)
}

func (x *exec) conditional(ctx context.Context, s *Step, field, prefix string, env map[string]any, res *result) (any, error) {
	in, err := x.render(s, field, env, res)
	if err != nil {
		return nil, err
	}
	cond := truthy(in.(map[string]any)["condition"])
	branch, steps, bfield := "then", s.Then, field+".then"
	if !cond {
		branch, steps, bfield = "else", s.Else, field+".else"
	}
	last, err := x.seq(ctx, steps, bfield, prefix, env)
	return map[string]any{"branch": branch, "output": last}, err
}

func (x *exec) fanOut(ctx context.Context, s *Step, field, key string, env map[string]any, res *result) (any, error) {
	in, err := x.render(s, field, env, res)
	if err != nil {
		return nil, err
	}
	m := in.(map[string]any)
	items, ok := m["items"].([]any)
	if !ok {
		return nil, driveway.Invalid(field+".input.items", "must evaluate to an array, got %T", m["items"])
	}
	if limit := x.e.cfg.MaxFanOutItems; len(items) > limit {
		return nil, driveway.Invalid(field+".input.items", "has %d items; a Fan Out runs at most %d", len(items), limit)
	}
	par := 5
	if n, ok := m["parallelism"].(float64); ok && n >= 1 {
		par = min(int(n), 50)
	}
	out := make([]any, len(items))
	errs := make([]error, len(items))
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i, item := range items {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ienv := x.itemEnv(env, item, i)
			out[i], errs[i] = x.seq(ctx, s.Steps, field+".steps", key+"/"+strconv.Itoa(i)+"/", ienv)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return out, fmt.Errorf("item %d: %w", i, err)
		}
	}
	return out, nil
}

// itemEnv is env for one fan-out item: its own steps map, item and index.
func (x *exec) itemEnv(env map[string]any, item any, i int) map[string]any {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := make(map[string]any, len(env)+2)
	for k, v := range env {
		out[k] = v
	}
	steps := map[string]any{}
	for k, v := range env["steps"].(map[string]any) {
		steps[k] = v
	}
	out["steps"], out["item"], out["index"] = steps, item, i
	return out
}

func (x *exec) delay(ctx context.Context, s *Step, top bool, res *result) (any, error) {
	d, _ := time.ParseDuration(str(s.Input["duration"]))
	until := time.Now().Add(d)
	if top {
		res.until = until
		return map[string]any{"until": until.UTC().Format(time.RFC3339Nano)}, nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return map[string]any{"until": until.UTC().Format(time.RFC3339Nano)}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// response shapes a Response step's output: {status, body, headers}.
func response(in any) any {
	m, _ := in.(map[string]any)
	status := 200
	if n, ok := m["status"].(float64); ok && n >= 100 && n <= 599 {
		status = int(n)
	}
	return map[string]any{"status": status, "body": m["body"], "headers": m["headers"]}
}

func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0
	case int:
		return x != 0
	case string:
		return x != "" && x != "false"
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// loadRedactor loads the secrets to redact a step's result with, for a
// step whose input had no template (execFor): only when there is a result
// to redact, after the step ran, even when its time is up.
func (x *exec) loadRedactor(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, err := x.loadSecrets(ctx)
	return err
}

// checkShort fails a step whose input names a secret too short to redact.
func (x *exec) checkShort(s *Step, field string) error {
	if len(x.short) == 0 {
		return nil
	}
	for _, name := range template.Names(anyMap(s.Input), "secrets") {
		if x.short[name] {
			return driveway.Invalid(field+".input", "secret %q is shorter than %d bytes: so short a value cannot be kept "+
				"out of run history; set a longer one", name, redact.MinLen)
		}
	}
	return nil
}

// normalize round-trips v through JSON so that templates see JSON shapes.
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}
