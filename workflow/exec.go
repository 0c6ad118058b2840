package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/workflow/template"
)

// exec runs the steps of one run on this node.
type exec struct {
	e       *Engine
	run     *driveway.WorkflowRun
	env     map[string]any // trigger, steps, user, secrets
	secrets []string       // values redacted from recorded inputs
	mu      sync.Mutex     // guards env["steps"] maps written by parallel fan-out items
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
	secretList, err := e.store.ListProjectSecrets(ctx, run.ProjectID)
	if err != nil {
		return nil, err
	}
	secrets := map[string]any{}
	x := &exec{e: e, run: run}
	for _, s := range secretList {
		secrets[s.Name] = s.Value
		if len(s.Value) >= 4 {
			x.secrets = append(x.secrets, s.Value)
		}
	}
	x.env = map[string]any{"trigger": trig, "steps": steps, "user": user, "secrets": secrets}
	return x, nil
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
	if val != nil {
		val = normalize(val)
		if b, jerr := json.Marshal(val); jerr == nil {
			res.output = b
		}
	}
	res.value = val
	if err != nil {
		err = x.redactErr(err)
	}
	return res, err
}

// redactErr returns err with the project's secret values removed from its
// message, keeping its domain code.
func (x *exec) redactErr(err error) error {
	msg := err.Error()
	clean := x.redact(msg).(string)
	if clean == msg {
		return err
	}
	var de *driveway.Error
	if errors.As(err, &de) {
		return &driveway.Error{Code: de.Code, Field: de.Field, Message: x.redact(de.Message).(string)}
	}
	return errors.New(clean)
}

// render evaluates s.Input and records it (redacted) in res.
func (x *exec) render(s *Step, field string, env map[string]any, res *result) (any, error) {
	x.mu.Lock()
	in, err := template.Render(anyMap(s.Input), env, field+".input")
	x.mu.Unlock()
	if err != nil {
		if te, ok := err.(*template.Error); ok {
			return nil, driveway.Invalid(te.Field, "%s", te.Msg)
		}
		return nil, err
	}
	if b, err := json.Marshal(x.redact(in)); err == nil {
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
	return x.e.reg.kinds[s.Type].runner.Run(ctx, &Call{Principal: p, RunID: x.run.ID, StepID: s.ID, Key: key,
		IdempotencyKey: x.run.ID + "/" + key, Attempt: attempt, Input: m})
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

// redact replaces the project's secret values inside v's strings.
func (x *exec) redact(v any) any {
	switch t := v.(type) {
	case string:
		for _, s := range x.secrets {
			t = strings.ReplaceAll(t, s, "[redacted]")
		}
		return t
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = x.redact(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = x.redact(e)
		}
		return out
	}
	return v
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
