package workflow

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/workflow/redact"
)

// TestDelayAndTimeout: a top-level delay schedules the next step's job
// later; a step past its timeout fails the run naming it.
func TestDelayAndTimeout(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		n := startNode(t, db, newSteps(), jobs0(), Config{})
		project(t, db.store, "prj_1", "u1")
		save(t, n.engine, "prj_1", `{"id": "later", "name": "L", "trigger": {"type": "request"}, "steps": [
			{"id": "a", "type": "echo", "input": {}},
			{"id": "pause", "type": "delay", "input": {"duration": "400ms"}},
			{"id": "b", "type": "echo", "input": {}}]}`)
		run := waitRun(t, n.engine, "prj_1", start(t, n.engine, "prj_1", "later", "u1").ID, 10*time.Second)
		a, _ := db.store.GetStepRun(t.Context(), "prj_1", run.ID, "a")
		b, _ := db.store.GetStepRun(t.Context(), "prj_1", run.ID, "b")
		if run.Status != driveway.RunSucceeded || b.StartedAt.Sub(a.FinishedAt) < 400*time.Millisecond {
			t.Fatalf("run %s; step b started %s after a, want at least the 400ms delay", run.Status, b.StartedAt.Sub(a.FinishedAt))
		}

		save(t, n.engine, "prj_1", `{"id": "stuck", "name": "S", "trigger": {"type": "request"}, "steps": [
			{"id": "wait", "type": "slow", "timeout": "100ms"}]}`)
		run = waitRun(t, n.engine, "prj_1", start(t, n.engine, "prj_1", "stuck", "u1").ID, 10*time.Second)
		if run.Status != driveway.RunFailed || !strings.Contains(run.Error, "steps[0] (wait)") {
			t.Fatalf("run %s (%q), want failed naming steps[0] (wait)", run.Status, run.Error)
		}
	})
}

// TestFanOutResumesWithoutRepeating: when a fan out's job fails part way,
// its retry skips the items' steps that already succeeded.
func TestFanOutResumesWithoutRepeating(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		st := newSteps()
		st.failUntil = 2 // each item's flaky step fails its first attempt
		n := startNode(t, db, st, jobs0(), Config{})
		project(t, db.store, "prj_1", "u1")
		save(t, n.engine, "prj_1", `{"id": "fan", "name": "F", "trigger": {"type": "request"}, "steps": [
			{"id": "each", "type": "fan_out", "input": {"items": "{{ [1, 2, 3, 4] }}", "parallelism": 2},
			 "retry": {"attempts": 2, "backoff": ["50ms"]},
			 "steps": [{"id": "once", "type": "record", "input": {"name": "{{ string(item) }}"}},
			           {"id": "shaky", "type": "flaky"}]},
			{"id": "sum", "type": "echo", "input": {"n": "{{ len(steps.each.output) }}"}}]}`)
		run := waitRun(t, n.engine, "prj_1", start(t, n.engine, "prj_1", "fan", "u1").ID, 10*time.Second)
		if run.Status != driveway.RunSucceeded {
			t.Fatalf("run %s (%s)", run.Status, run.Error)
		}
		if got := st.count("once"); got != 4 {
			t.Fatalf("the item steps before the failure ran %d times, want once per item (4)", got)
		}
		if got := st.count("shaky"); got != 8 {
			t.Fatalf("the flaky item steps ran %d times, want 8 (two attempts per item)", got)
		}
		sr, _ := db.store.GetStepRun(t.Context(), "prj_1", run.ID, "each")
		if sr.Attempts != 2 {
			t.Fatalf("fan out attempts %d, want 2", sr.Attempts)
		}
	})
}

func TestRedactErr(t *testing.T) {
	t.Parallel()
	x := &exec{red: redact.New("tok-secret")}
	err := x.redactErr(driveway.Invalid("input.url", "GET https://h/?k=tok-secret failed (dG9rLXNlY3JldA==)"))
	if driveway.ErrorCode(err) != driveway.EINVALID || err.Error() != "invalid: GET https://h/ failed ([redacted]A==) (input.url)" {
		t.Fatalf("redacted domain error = %v, want the query cut and the base64 form masked", err)
	}
	if err := x.redactErr(errors.New("plain tok-secret")); err.Error() != "plain [redacted]" {
		t.Fatalf("redacted error = %v", err)
	}
}
