package durability

import (
	"fmt"

	"github.com/drivewayhq/driveway"
)

// check verifies the end state: every run succeeded with its five step
// results chained (each step saw the committed output of the one before),
// every result committed before a kill is unchanged, and the effects table
// holds exactly one row per step, under its idempotency key.
func (c *crash) check() {
	t, ctx := c.t, c.t.Context()
	nonces, requests, err := c.fx.all(ctx)
	if err != nil {
		t.Fatalf("read effects: %v", err)
	}
	final := map[string]string{}
	rescued := 0
	for _, id := range c.runIDs {
		run, err := c.store.GetRun(ctx, project, id)
		if err != nil || run.Status != driveway.RunSucceeded {
			t.Fatalf("%s: run %s: %v %+v, want succeeded", c.engine, id, err, run)
		}
		prevExec := ""
		for i := range stepsN {
			step := fmt.Sprint("s", i)
			sr, err := c.store.GetStepRun(ctx, project, id, step)
			if err != nil || sr.Status != driveway.StepSucceeded {
				t.Fatalf("%s: step %s of run %s: %v %+v, want succeeded", c.engine, step, id, err, sr)
			}
			if sr.Attempts > 1 {
				rescued++
			}
			key := id + "/" + step
			final[key] = string(sr.Output)
			o := decodeOutput(t, sr.Output)
			switch {
			case o.Key != key:
				t.Fatalf("%s: step %s ran with idempotency key %q, want %q", c.engine, key, o.Key, key)
			case o.Effect != nonces[key]:
				t.Fatalf("%s: step %s output says effect %q, the service recorded %q", c.engine, key, o.Effect, nonces[key])
			case i > 0 && o.Prev != prevExec:
				t.Fatalf("%s: step %s saw %v as the previous step's output, the committed one is %q", c.engine, key, o.Prev, prevExec)
			}
			prevExec = o.Exec
		}
	}
	for k, out := range c.commits {
		if final[k] != out {
			t.Fatalf("%s: committed result of %s lost or changed: %s → %s", c.engine, k, out, final[k])
		}
	}
	repeats := 0
	for k, n := range requests {
		if _, ok := final[k]; !ok {
			t.Fatalf("%s: side effect under key %q, which is no step's idempotency key", c.engine, k)
		}
		repeats += n - 1
	}
	if len(nonces) != len(final) {
		t.Fatalf("%s: %d side effects for %d steps, want one each", c.engine, len(nonces), len(final))
	}
	t.Logf("%s: %d steps, %d effects (one per key); %d step attempts repeated after kills, %d repeated requests deduplicated by key; %d committed results checked",
		c.engine, len(final), len(nonces), rescued, repeats, len(c.commits))
	if rescued == 0 && repeats == 0 {
		t.Fatalf("%s: no kill interrupted a step: the test did not exercise a crash", c.engine)
	}
}
