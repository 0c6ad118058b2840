package workflow

import (
	"database/sql"
	"encoding/json"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/sqlite"
)

// TestStepsChainInOneJob: steps run in the job of the step before them,
// a step with a retry policy included; when a chained step's attempt
// fails, its retry gets a job of its own after the backoff (River retries
// that one), and the steps after it chain in that job.
func TestStepsChainInOneJob(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		st := newSteps()
		n := startNode(t, db, st, jobs0(), Config{})
		project(t, db.store, "prj_1", "u1")
		save(t, n.engine, "prj_1", `{"id": "four", "name": "F", "trigger": {"type": "request"}, "steps": [
			{"id": "a", "type": "echo", "input": {"n": 1}},
			{"id": "b", "type": "echo", "input": {"n": "{{ steps.a.output.n }}"}},
			{"id": "c", "type": "flaky", "retry": {"attempts": 3, "backoff": ["10ms"]}},
			{"id": "d", "type": "echo", "input": {"attempt": "{{ steps.c.output.attempt }}"}}]}`)
		jobsOf := func(runID string) map[string]int64 {
			t.Helper()
			job := map[string]int64{}
			for _, key := range []string{"a", "b", "c", "d"} {
				sr, err := db.store.GetStepRun(t.Context(), "prj_1", runID, key)
				if err != nil || sr.Status != driveway.StepSucceeded || sr.JobID == 0 {
					t.Fatalf("step %s: %+v (%v), want succeeded with its job", key, sr, err)
				}
				job[key] = sr.JobID
			}
			return job
		}
		run := waitRun(t, n.engine, "prj_1", start(t, n.engine, "prj_1", "four", "u1").ID, 20*time.Second)
		if run.Status != driveway.RunSucceeded {
			t.Fatalf("run %s (%s), want succeeded", run.Status, run.Error)
		}
		if job := jobsOf(run.ID); job["a"] != job["b"] || job["b"] != job["c"] || job["c"] != job["d"] {
			t.Fatalf("jobs of steps a, b, c, d = %v; want one", job)
		}
		if got := countStepJobs(t, db, run.ID); got != 1 {
			t.Fatalf("%d step jobs for the run, want 1", got)
		}

		st.mu.Lock()
		st.failUntil = 3 // c fails its attempts 1 and 2
		st.mu.Unlock()
		run = waitRun(t, n.engine, "prj_1", start(t, n.engine, "prj_1", "four", "u1").ID, 20*time.Second)
		if run.Status != driveway.RunSucceeded {
			t.Fatalf("run with retries %s (%s), want succeeded", run.Status, run.Error)
		}
		job := jobsOf(run.ID)
		if job["a"] != job["b"] || job["c"] != job["d"] || job["b"] == job["c"] {
			t.Fatalf("jobs of steps a, b, c, d = %v; want a and b in one job, c's retries and d in another", job)
		}
		c, _ := db.store.GetStepRun(t.Context(), "prj_1", run.ID, "c")
		d, _ := db.store.GetStepRun(t.Context(), "prj_1", run.ID, "d")
		if c.Attempts != 3 || string(d.Output) != `{"attempt":3}` {
			t.Fatalf("c took %d attempts, d saw %s; want 3 and attempt 3", c.Attempts, d.Output)
		}
		if got := countStepJobs(t, db, run.ID); got != 2 {
			t.Fatalf("%d step jobs for the run with retries, want 2", got)
		}
	})
}

// TestResumeAfterCrashInChain calls work as River does for a job run again
// after its node died (attempt 2). When the job had committed step a and
// was running the chained step b, it enqueues b (once, however often it
// is run again); when another job committed a, b is that job's and it
// enqueues nothing.
func TestResumeAfterCrashInChain(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		reg := NewRegistry(nil, nil)
		newSteps().register(t, reg)
		q := db.newQueue(t, jobs.Config{InsertOnly: true, Logger: quietLogger(t)}) // nothing is worked
		if err := q.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		e, err := New(Config{Store: db.store, Queue: q, Registry: reg, Logger: quietLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		project(t, db.store, "prj_1", "u1")
		save(t, e, "prj_1", `{"id": "three", "name": "T", "trigger": {"type": "request"}, "steps": [
			{"id": "a", "type": "echo", "input": {}}, {"id": "b", "type": "echo", "input": {}},
			{"id": "c", "type": "echo", "input": {}}]}`)

		crashed := func(committedBy int64) (*driveway.WorkflowRun, *river.Job[stepArgs]) {
			run := start(t, e, "prj_1", "three", "u1") // its first job is never worked
			run.Status = driveway.RunRunning
			if err := db.store.UpdateRun(t.Context(), run); err != nil {
				t.Fatal(err)
			}
			err := db.store.PutStepRun(t.Context(), &driveway.StepRun{ProjectID: "prj_1", RunID: run.ID, Key: "a",
				StepID: "a", Path: "steps[0]", Status: driveway.StepSucceeded, Input: json.RawMessage(`{}`),
				Output: json.RawMessage(`{}`), Attempts: 1, FinishedAt: time.Now(), JobID: committedBy})
			if err != nil {
				t.Fatal(err)
			}
			return run, &river.Job[stepArgs]{JobRow: &rivertype.JobRow{ID: 77, Attempt: 2},
				Args: stepArgs{ProjectID: "prj_1", RunID: run.ID, Index: 0, TimeoutMs: 60000}}
		}

		mine, job := crashed(77)
		for range 2 {
			if err := e.work(t.Context(), job); err != nil {
				t.Fatalf("work: %v", err)
			}
		}
		if got := countStepJobs(t, db, mine.ID); got != 2 {
			t.Fatalf("%d step jobs after resuming twice, want 2 (the first step's and step b's)", got)
		}
		if _, err := db.store.GetStepRun(t.Context(), "prj_1", mine.ID, "b"); driveway.ErrorCode(err) != driveway.ENOTFOUND {
			t.Fatalf("the resumed job ran step b itself (%v); it should enqueue it", err)
		}

		theirs, job := crashed(5)
		if err := e.work(t.Context(), job); err != nil {
			t.Fatalf("work: %v", err)
		}
		if got := countStepJobs(t, db, theirs.ID); got != 1 {
			t.Fatalf("%d step jobs after resuming past another job's step, want 1 (the first step's)", got)
		}
	})
}

// countStepJobs counts the queue's step jobs of a run, in any state.
func countStepJobs(t *testing.T, db *testDB, runID string) int {
	t.Helper()
	var n int
	var err error
	switch s := db.store.(type) {
	case *sqlite.Store:
		err = s.WriterDB().QueryRowContext(t.Context(), `SELECT count(*) FROM river_job WHERE kind = ?
			AND json_extract(args, '$.runId') = ?`, stepArgs{}.Kind(), runID).Scan(&n)
	case *postgres.Store:
		err = s.Pool().QueryRow(t.Context(), `SELECT count(*) FROM river_job WHERE kind = $1 AND args->>'runId' = $2`,
			stepArgs{}.Kind(), runID).Scan(&n)
	default:
		t.Fatalf("no job count for store %T", db.store)
	}
	if err != nil && err != sql.ErrNoRows {
		t.Fatalf("count step jobs: %v", err)
	}
	return n
}
