package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/drivewayhq/driveway"
)

func queuedRun(t *testing.T, s driveway.Store, projectID, id, user, status string) {
	t.Helper()
	ok(t, "CreateRun", s.CreateRun(context.Background(), &driveway.WorkflowRun{ProjectID: projectID, ID: id,
		WorkflowID: "wf", Version: 1, UserID: user, Status: status, Trigger: json.RawMessage(`{}`),
		Response: json.RawMessage(`null`)}))
}

// testAdmitRun: the project's and the user's limits, runs that are not
// queued, unknown runs, and other projects' runs not counted.
func testAdmitRun(t *testing.T, b *bundle) {
	ctx := context.Background()
	newProject(t, b.s, "prj_a")
	newProject(t, b.s, "prj_b")
	queuedRun(t, b.s, "prj_a", "run_1", "u1", driveway.RunQueued)
	queuedRun(t, b.s, "prj_a", "run_2", "u1", driveway.RunQueued)
	queuedRun(t, b.s, "prj_a", "run_3", "u2", driveway.RunQueued)
	queuedRun(t, b.s, "prj_a", "run_4", "u3", driveway.RunQueued)
	queuedRun(t, b.s, "prj_a", "run_done", "u3", driveway.RunCancelled)
	for i := range 5 { // running elsewhere: counted against prj_b only
		queuedRun(t, b.s, "prj_b", fmt.Sprint("run_b", i), "u1", driveway.RunRunning)
	}

	admit := func(id string, projectLimit, userLimit int, want string) {
		t.Helper()
		got, err := b.s.AdmitRun(ctx, "prj_a", id, projectLimit, userLimit)
		ok(t, "AdmitRun "+id, err)
		eq(t, fmt.Sprintf("status of %s after AdmitRun(%d, %d)", id, projectLimit, userLimit), got, want)
		r, err := b.s.GetRun(ctx, "prj_a", id)
		ok(t, "GetRun "+id, err)
		eq(t, "stored status of "+id, r.Status, want)
	}
	admit("run_1", 3, 1, driveway.RunRunning)
	admit("run_1", 3, 1, driveway.RunRunning) // already running: unchanged
	admit("run_2", 3, 1, driveway.RunQueued)  // u1 has 1 running
	admit("run_3", 3, 1, driveway.RunRunning)
	admit("run_4", 2, 5, driveway.RunQueued) // the project has 2 running
	admit("run_4", 3, 5, driveway.RunRunning)
	admit("run_2", 4, 2, driveway.RunRunning)
	admit("run_done", 100, 100, driveway.RunCancelled)
	n, err := b.s.CountRuns(ctx, "prj_a", "", driveway.RunRunning)
	ok(t, "CountRuns", err)
	eq(t, "running in prj_a", n, 4)

	_, err = b.s.AdmitRun(ctx, "prj_a", "run_none", 1, 1)
	code(t, "AdmitRun of an unknown run", err, driveway.ENOTFOUND)
	_, err = b.s.AdmitRun(ctx, "prj_b", "run_1", 100, 100)
	code(t, "AdmitRun of another project's run", err, driveway.ENOTFOUND)

	// Inside a transaction, and undone with it.
	queuedRun(t, b.s, "prj_a", "run_tx", "u9", driveway.RunQueued)
	errRollback := fmt.Errorf("roll back")
	err = b.s.WithTx(ctx, func(tx driveway.Tx) error {
		got, err := tx.AdmitRun(ctx, "prj_a", "run_tx", 100, 100)
		ok(t, "AdmitRun in a transaction", err)
		eq(t, "status in the transaction", got, driveway.RunRunning)
		return errRollback
	})
	if err != errRollback {
		t.Fatalf("WithTx = %v, want the rollback error", err)
	}
	r, err := b.s.GetRun(ctx, "prj_a", "run_tx")
	ok(t, "GetRun run_tx", err)
	eq(t, "status after the rollback", r.Status, driveway.RunQueued)
}

// testAdmitRunConcurrent admits 40 queued runs at once under a project
// limit of 3 (and a user limit of 2 for the user owning half of them),
// in 5 projects one after the other: each time exactly 3 are admitted, at
// most 2 of that user's.
func testAdmitRunConcurrent(t *testing.T, b *bundle) {
	for round := range 5 {
		admitAtOnce(t, b, fmt.Sprint("prj_", round))
	}
}

func admitAtOnce(t *testing.T, b *bundle, projectID string) {
	ctx := context.Background()
	newProject(t, b.s, projectID)
	const n, projectLimit, userLimit = 40, 3, 2
	for i := range n {
		user := "u_many"
		if i%2 == 1 {
			user = fmt.Sprint("u", i)
		}
		queuedRun(t, b.s, projectID, fmt.Sprint("run_", i), user, driveway.RunQueued)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	statuses := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			statuses[i], errs[i] = b.s.AdmitRun(ctx, projectID, fmt.Sprint("run_", i), projectLimit, userLimit)
		})
	}
	close(start)
	wg.Wait()
	admitted, many := 0, 0
	for i := range n {
		ok(t, fmt.Sprint("AdmitRun run_", i), errs[i])
		if statuses[i] == driveway.RunRunning {
			admitted++
			if i%2 == 0 {
				many++
			}
		}
	}
	if admitted != projectLimit || many > userLimit {
		t.Fatalf("%s: %d runs admitted (%d of u_many) at once, want %d (at most %d of u_many)", projectID, admitted,
			many, projectLimit, userLimit)
	}
	got, err := b.s.CountRuns(ctx, projectID, "", driveway.RunRunning)
	ok(t, "CountRuns", err)
	eq(t, "running runs stored", got, projectLimit)
}
