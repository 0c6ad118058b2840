package workflow

import (
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/drivewayhq/driveway"
)

// TestRedeliveredStepEnds: a step's job run again after its result
// committed (its node died before River completed the job) ends without
// running the step again; a job whose step has no committed result runs it.
func TestRedeliveredStepEnds(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		st := newSteps()
		n := startNode(t, db, st, jobs0(), Config{})
		project(t, db.store, "prj_1", "u1")
		save(t, n.engine, "prj_1", `{"id": "slow", "name": "S", "trigger": {"type": "request"}, "steps": [
			{"id": "a", "type": "echo", "input": {}},
			{"id": "pause", "type": "delay", "input": {"duration": "1h"}},
			{"id": "b", "type": "echo", "input": {}}]}`)
		run := start(t, n.engine, "prj_1", "slow", "u1")
		waitFor(t, "the delay step to commit", 10*time.Second, func() bool {
			sr, err := db.store.GetStepRun(t.Context(), "prj_1", run.ID, "pause")
			return err == nil && sr.Status == driveway.StepSucceeded
		})
		again := func(i int) error {
			job := &river.Job[stepArgs]{JobRow: &rivertype.JobRow{Attempt: 2},
				Args: stepArgs{ProjectID: "prj_1", RunID: run.ID, Index: i, TimeoutMs: 1000}}
			return n.engine.work(t.Context(), job)
		}
		if err := again(0); err != nil {
			t.Fatalf("step a again: %v", err)
		}
		if got := st.count("a"); got != 1 {
			t.Fatalf("step a ran %d times, want 1 (its result had committed)", got)
		}
		if err := again(2); err != nil {
			t.Fatalf("step b: %v", err)
		}
		if got := st.count("b"); got != 1 {
			t.Fatalf("step b ran %d times, want 1 (no result had committed)", got)
		}
	})
}
