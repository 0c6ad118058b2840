package workflow

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/jobs"
)

func start(t *testing.T, e *Engine, pid, wf, user string) *driveway.WorkflowRun {
	t.Helper()
	run, err := e.StartRun(t.Context(), StartParams{ProjectID: pid, WorkflowID: wf, UserID: user, Trigger: map[string]any{}})
	if err != nil {
		t.Fatalf("StartRun: %v", err)
	}
	return run
}

// TestRetryWithBackoff: a step failing twice succeeds on its third
// attempt after the configured backoff; a step out of attempts fails the
// run, and a re-run from it succeeds without repeating the steps before.
func TestRetryWithBackoff(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		st := newSteps()
		st.failUntil = 3
		n := startNode(t, db, st, jobs0(), Config{})
		project(t, db.store, "prj_1", "u1")
		save(t, n.engine, "prj_1", `{"id": "retry", "name": "R", "trigger": {"type": "request"}, "steps": [
			{"id": "before", "type": "echo", "input": {}},
			{"id": "flaky", "type": "flaky", "retry": {"attempts": 3, "backoff": ["100ms", "200ms"]}},
			{"id": "after", "type": "echo", "input": {"a": "{{ steps.flaky.output.attempt }}"}}]}`)
		began := time.Now()
		run := waitRun(t, n.engine, "prj_1", start(t, n.engine, "prj_1", "retry", "u1").ID, 20*time.Second)
		if run.Status != driveway.RunSucceeded {
			t.Fatalf("run %s: %s", run.Status, run.Error)
		}
		if took := time.Since(began); took < 300*time.Millisecond {
			t.Fatalf("three attempts took %s, less than the backoff (100ms + 200ms)", took)
		}
		sr, err := db.store.GetStepRun(t.Context(), "prj_1", run.ID, "flaky")
		if err != nil || sr.Attempts != 3 || string(sr.Output) != `{"attempt":3}` {
			t.Fatalf("flaky step run %+v (%v), want 3 attempts", sr, err)
		}

		// Out of attempts: the run fails naming the step; re-run from it.
		st.mu.Lock()
		st.failUntil = 100
		st.mu.Unlock()
		save(t, n.engine, "prj_1", `{"id": "retry", "name": "R", "trigger": {"type": "request"}, "steps": [
			{"id": "before", "type": "echo", "input": {}},
			{"id": "flaky", "type": "flaky", "retry": {"attempts": 2, "backoff": ["50ms"]}},
			{"id": "after", "type": "echo", "input": {}}]}`)
		run = waitRun(t, n.engine, "prj_1", start(t, n.engine, "prj_1", "retry", "u1").ID, 20*time.Second)
		if run.Status != driveway.RunFailed || !strings.Contains(run.Error, "steps[1] (flaky)") {
			t.Fatalf("run %s (%q), want failed naming steps[1] (flaky)", run.Status, run.Error)
		}
		beforeRuns := st.count("before")
		st.mu.Lock()
		st.failUntil = 0
		st.mu.Unlock()
		if err := n.engine.Rerun(t.Context(), "prj_1", run.ID); err != nil {
			t.Fatalf("Rerun: %v", err)
		}
		run = waitRun(t, n.engine, "prj_1", run.ID, 20*time.Second)
		if run.Status != driveway.RunSucceeded {
			t.Fatalf("re-run %s: %s", run.Status, run.Error)
		}
		if got := st.count("before"); got != beforeRuns {
			t.Fatalf("the re-run ran the step before the failed one again (%d → %d)", beforeRuns, got)
		}
		if err := n.engine.Rerun(t.Context(), "prj_1", run.ID); driveway.ErrorCode(err) != driveway.ECONFLICT {
			t.Fatalf("Rerun of a succeeded run = %v, want ECONFLICT", err)
		}
	})
}

func TestContinueOnError(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		st := newSteps()
		st.failUntil = 100
		n := startNode(t, db, st, jobs0(), Config{})
		project(t, db.store, "prj_1", "u1")
		save(t, n.engine, "prj_1", `{"id": "goon", "name": "G", "trigger": {"type": "request"}, "steps": [
			{"id": "bad", "type": "flaky", "continueOnError": true},
			{"id": "next", "type": "echo", "input": {"err": "{{ steps.bad.output.error }}"}}]}`)
		run := waitRun(t, n.engine, "prj_1", start(t, n.engine, "prj_1", "goon", "u1").ID, 10*time.Second)
		if run.Status != driveway.RunSucceeded {
			t.Fatalf("run %s (%s), want succeeded", run.Status, run.Error)
		}
		sr, err := db.store.GetStepRun(t.Context(), "prj_1", run.ID, "next")
		if err != nil || string(sr.Output) != `{"err":"flaky failure"}` {
			t.Fatalf("next step output %s (%v), want the error of the failed step", sr.Output, err)
		}
		bad, _ := db.store.GetStepRun(t.Context(), "prj_1", run.ID, "bad")
		if bad.Status != driveway.StepFailed {
			t.Fatalf("failed step status %q", bad.Status)
		}
	})
}

// TestCancelAndConcurrency: with one run per user at a time, three runs of
// a slow step never overlap; cancelling a running run keeps its step's
// result and starts no further step.
func TestCancelAndConcurrency(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		st := newSteps()
		n := startNode(t, db, st, jobs0(), Config{UserConcurrency: 1, AdmissionRetry: 50 * time.Millisecond})
		project(t, db.store, "prj_1", "u1")
		save(t, n.engine, "prj_1", `{"id": "slow", "name": "S", "trigger": {"type": "request"}, "steps": [
			{"id": "wait", "type": "slow"}, {"id": "then", "type": "echo", "input": {}}]}`)
		runs := []*driveway.WorkflowRun{start(t, n.engine, "prj_1", "slow", "u1"),
			start(t, n.engine, "prj_1", "slow", "u1"), start(t, n.engine, "prj_1", "slow", "u1")}
		for range runs {
			<-st.hanging
			st.release <- struct{}{}
		}
		for _, r := range runs {
			if got := waitRun(t, n.engine, "prj_1", r.ID, 10*time.Second); got.Status != driveway.RunSucceeded {
				t.Fatalf("run %s, want succeeded", got.Status)
			}
		}
		st.mu.Lock()
		peak := st.peak
		st.mu.Unlock()
		if peak != 1 {
			t.Fatalf("%d runs of one user ran at once, want 1", peak)
		}

		r := start(t, n.engine, "prj_1", "slow", "u1")
		<-st.hanging
		if err := n.engine.Cancel(t.Context(), "prj_1", r.ID); err != nil {
			t.Fatalf("Cancel: %v", err)
		}
		st.release <- struct{}{}
		waitFor(t, "the cancelled run's step to commit", 10*time.Second, func() bool {
			sr, err := db.store.GetStepRun(t.Context(), "prj_1", r.ID, "wait")
			return err == nil && sr.Status == driveway.StepSucceeded
		})
		got, _ := db.store.GetRun(t.Context(), "prj_1", r.ID)
		if got.Status != driveway.RunCancelled {
			t.Fatalf("cancelled run is %s", got.Status)
		}
		if _, err := db.store.GetStepRun(t.Context(), "prj_1", r.ID, "then"); driveway.ErrorCode(err) != driveway.ENOTFOUND {
			t.Fatalf("a step after the cancel ran: %v", err)
		}
		if err := n.engine.Cancel(t.Context(), "prj_1", r.ID); driveway.ErrorCode(err) != driveway.ECONFLICT {
			t.Fatalf("second Cancel = %v, want ECONFLICT", err)
		}
	})
}

// TestCrashResumesOnAnotherNode: node A dies in the middle of a step that
// has applied its side effect; node B picks the step up after the rescue
// window, the run finishes, the committed result of the step before is
// untouched, and the side effect is applied once.
func TestCrashResumesOnAnotherNode(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		qcfg := jobs.Config{JobTimeout: time.Second, RescueStuckJobsAfter: 2 * time.Second}
		cfg := Config{StepTimeout: 500 * time.Millisecond}
		a := newSteps()
		a.hang = true
		nodeA := startNode(t, db, a, qcfg, cfg)
		t.Cleanup(func() { close(a.release) })
		project(t, db.store, "prj_1", "u1")
		save(t, nodeA.engine, "prj_1", `{"id": "pay", "name": "P", "trigger": {"type": "request"}, "steps": [
			{"id": "first", "type": "echo", "input": {"n": 1}},
			{"id": "charge", "type": "effect"},
			{"id": "last", "type": "echo", "input": {"key": "{{ steps.charge.output.key }}"}}]}`)
		run := start(t, nodeA.engine, "prj_1", "pay", "u1")
		<-a.hanging // node A applied the side effect and hangs: it is gone
		firstBefore, err := db.store.GetStepRun(t.Context(), "prj_1", run.ID, "first")
		if err != nil || firstBefore.Status != driveway.StepSucceeded {
			t.Fatalf("first step not committed before the crash: %+v %v", firstBefore, err)
		}
		go func() { // stop fetching; the hung step never returns
			ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
			defer cancel()
			nodeA.queue.Stop(ctx)
		}()

		b := newSteps()
		b.mu, b.effects, b.seen = a.mu, a.effects, a.seen // one service seen by both nodes
		nodeB := startNode(t, db, b, qcfg, cfg)
		got := waitRun(t, nodeB.engine, "prj_1", run.ID, 90*time.Second)
		if got.Status != driveway.RunSucceeded {
			t.Fatalf("run %s (%s), want succeeded", got.Status, got.Error)
		}
		firstAfter, _ := db.store.GetStepRun(t.Context(), "prj_1", run.ID, "first")
		if string(firstAfter.Output) != string(firstBefore.Output) || a.count("first")+b.count("first") != 1 {
			t.Fatalf("the committed first step changed or ran again: %s → %s", firstBefore.Output, firstAfter.Output)
		}
		key := run.ID + "/charge"
		a.mu.Lock()
		seen, applied := a.seen[key], a.effects[key]
		a.mu.Unlock()
		if seen != 2 || applied != 1 || b.count("charge") != 1 {
			t.Fatalf("side effect %q: requested %d times, applied %d; node B ran it %d times; want 2, 1, 1",
				key, seen, applied, b.count("charge"))
		}
		last, _ := db.store.GetStepRun(t.Context(), "prj_1", run.ID, "last")
		if string(last.Output) != `{"key":"`+key+`"}` {
			t.Fatalf("last step output %s", last.Output)
		}
	})
}

// TestProjectConcurrencyTwoNodes: two nodes share the queue; with two runs
// per project at a time, twelve runs of two steps never have more than two
// steps running at once.
func TestProjectConcurrencyTwoNodes(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		st := newSteps()
		cfg := Config{ProjectConcurrency: 2, AdmissionRetry: 20 * time.Millisecond}
		n1 := startNode(t, db, st, jobs0(), cfg)
		startNode(t, db, st, jobs0(), cfg)
		project(t, db.store, "prj_1")
		save(t, n1.engine, "prj_1", `{"id": "nap", "name": "N", "trigger": {"type": "request"}, "steps": [
			{"id": "a", "type": "nap"}, {"id": "b", "type": "nap"}]}`)
		var runs []*driveway.WorkflowRun
		for i := range 12 {
			runs = append(runs, start(t, n1.engine, "prj_1", "nap", string(rune('a'+i))))
		}
		for _, r := range runs {
			if got := waitRun(t, n1.engine, "prj_1", r.ID, 60*time.Second); got.Status != driveway.RunSucceeded {
				t.Fatalf("run %s (%s)", got.Status, got.Error)
			}
		}
		st.mu.Lock()
		peak := st.peak
		st.mu.Unlock()
		if peak > 2 || st.count("a") != 12 {
			t.Fatalf("peak %d steps at once (want at most 2), %d runs of step a (want 12)", peak, st.count("a"))
		}
	})
}
