package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/drivewayhq/driveway"
)

// seq runs nested steps (a branch, or a fan-out item's body) inside their
// parent's job. Each nested step's result is committed as it ends, so a
// retry or a rescue of the parent skips the nested steps that already
// succeeded and never repeats them. Nested steps retry inline by their own
// policy. It returns the last step's output.
func (x *exec) seq(ctx context.Context, steps []Step, field, prefix string, env map[string]any) (any, error) {
	var last any
	for i := range steps {
		s := &steps[i]
		f := fmt.Sprintf("%s[%d]", field, i)
		out, err := x.nested(ctx, s, f, prefix, env)
		x.mu.Lock()
		env["steps"].(map[string]any)[s.ID] = map[string]any{"output": out}
		x.mu.Unlock()
		if err != nil && !s.ContinueOnError {
			return nil, fmt.Errorf("%s (%s): %w", f, s.ID, err)
		}
		last = out
	}
	return last, nil
}

// nested runs one nested step to its end: its recorded output when it
// already succeeded, else attempts with backoff until success or its
// attempts run out.
func (x *exec) nested(ctx context.Context, s *Step, field, prefix string, env map[string]any) (any, error) {
	key := prefix + s.ID
	sr, err := x.e.store.GetStepRun(ctx, x.run.ProjectID, x.run.ID, key)
	if err == nil && sr.Status == driveway.StepSucceeded {
		x.mu.Lock()
		out, kept := x.kept[key]
		x.mu.Unlock()
		if !kept {
			_ = json.Unmarshal(sr.Output, &out)
		}
		return out, nil
	}
	for {
		sr, err := x.e.beginStep(ctx, x.run, s, field, key)
		if err != nil {
			return nil, err
		}
		res, stepErr := x.step(ctx, s, field, prefix, false, sr.Attempts, env)
		record(sr, res, stepErr)
		if err := x.e.store.PutStepRun(ctx, sr); err != nil {
			return nil, fmt.Errorf("record step %s: %w", key, err)
		}
		if stepErr == nil {
			return res.value, nil
		}
		if sr.Attempts >= attemptsOf(s) {
			return map[string]any{"error": stepErr.Error()}, stepErr
		}
		wait := backoffOf(s, sr.Attempts)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
}

// backoffOf is the wait after failed attempt n (1-based).
func backoffOf(s *Step, n int) time.Duration {
	b := DefaultBackoff
	if s.Retry != nil && len(s.Retry.Backoff) > 0 {
		b = make([]time.Duration, len(s.Retry.Backoff))
		for i, d := range s.Retry.Backoff {
			b[i] = time.Duration(d)
		}
	}
	return b[min(max(n-1, 0), len(b)-1)]
}
