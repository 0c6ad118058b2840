package workflow

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/jobs"
)

// waitMark marks the contexts of the Request trigger calls whose reads of
// runs readCounter counts.
type waitMark struct{}

// readCounter is a store that counts the GetRun calls made in a marked
// context.
type readCounter struct {
	driveway.Store
	reads atomic.Int64
}

func (c *readCounter) GetRun(ctx context.Context, projectID, id string) (*driveway.WorkflowRun, error) {
	if ctx.Value(waitMark{}) != nil {
		c.reads.Add(1)
	}
	return c.Store.GetRun(ctx, projectID, id)
}

// watchingCounter is a readCounter of a store that watches runs.
type watchingCounter struct {
	*readCounter
	w driveway.RunWatcher
}

func (c watchingCounter) WatchRun(ctx context.Context, projectID, runID string) (<-chan struct{}, func(), error) {
	return c.w.WatchRun(ctx, projectID, runID)
}

// counted returns db with its store wrapped in a read counter (a watching
// one when the store watches runs).
func counted(db *testDB) (*testDB, *readCounter) {
	rc := &readCounter{Store: db.store}
	out := &testDB{name: db.name, store: rc, newQueue: db.newQueue}
	if w, ok := db.store.(driveway.RunWatcher); ok {
		out.store = watchingCounter{readCounter: rc, w: w}
	}
	return out, rc
}

// markedServer serves e's handler to user u1 of prj_1, its contexts marked.
func markedServer(t *testing.T, e *Engine) *httptest.Server {
	h := e.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), waitMark{}, true)
		ctx = driveway.WithPrincipal(ctx, &driveway.Principal{ProjectID: "prj_1", UserID: "u1"})
		h.ServeHTTP(w, r.WithContext(ctx))
	}))
	t.Cleanup(srv.Close)
	return srv
}

const heldRequestDef = `{"id": "held", "name": "Held", "trigger": {"type": "request"}, "steps": [
	{"id": "hold", "type": "slow", "input": {}},
	{"id": "reply", "type": "response", "input": {"status": 201, "body": {"ok": true}}}]}`

// holdAndAnswer calls the held workflow through srv, holds its first step
// for a while once the trigger has read the run, releases it, and
// returns the answer's status and how many times the trigger read the run.
func holdAndAnswer(t *testing.T, st *steps, srv *httptest.Server, rc *readCounter) (int, int64) {
	t.Helper()
	answered := make(chan int, 1)
	go func() {
		req, _ := http.NewRequestWithContext(t.Context(), "POST", srv.URL+"/projects/prj_1/sdk/triggers/held", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	select {
	case <-st.hanging:
	case <-time.After(20 * time.Second):
		t.Fatalf("the held step did not start")
	}
	waitFor(t, "the trigger's first read of the run", 10*time.Second, func() bool { return rc.reads.Load() >= 1 })
	// Hold the step: a wait that polls reads the run every 20 ms meanwhile.
	time.Sleep(300 * time.Millisecond)
	close(st.release)
	select {
	case status := <-answered:
		return status, rc.reads.Load()
	case <-time.After(20 * time.Second):
		t.Fatalf("no answer 20 s after the Response step was released")
	}
	return 0, 0
}

// TestRequestWaitWakesOnCommit: a Request trigger waiting for its Response
// step reads the run when the step's commit wakes it, not in a loop: with
// the safety-net poll an hour away, the answer still comes, after a few
// reads of the run however long the step ran.
func TestRequestWaitWakesOnCommit(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, raw *testDB) {
		db, rc := counted(raw)
		st := newSteps()
		n := startNode(t, db, st, jobs0(), Config{WaitPoll: time.Hour})
		project(t, db.store, "prj_1", "u1")
		save(t, n.engine, "prj_1", heldRequestDef)
		status, reads := holdAndAnswer(t, st, markedServer(t, n.engine), rc)
		if status != http.StatusCreated || reads > 3 {
			t.Fatalf("status %d after %d reads of the run; want 201 after at most 3 (woken by the commit)", status, reads)
		}
	})
}

// TestRequestWaitWakesAcrossNodes: on Postgres, the node that serves the
// Request trigger runs no jobs; another node runs the steps, and its
// commit of the Response wakes the waiting node through LISTEN/NOTIFY.
func TestRequestWaitWakesAcrossNodes(t *testing.T) {
	t.Parallel()
	raw := postgresDB(t)
	st := newSteps()
	startNode(t, raw, st, jobs0(), Config{}) // the node that runs the steps
	db, rc := counted(raw)
	q := db.newQueue(t, jobs.Config{InsertOnly: true, Logger: quietLogger(t)})
	reg := NewRegistry(nil, nil)
	st.register(t, reg)
	front, err := New(Config{Store: db.store, Queue: q, Registry: reg, WaitPoll: time.Hour, Logger: quietLogger(t)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	project(t, raw.store, "prj_1", "u1")
	save(t, front, "prj_1", heldRequestDef)
	status, reads := holdAndAnswer(t, st, markedServer(t, front), rc)
	if status != http.StatusCreated || reads > 3 {
		t.Fatalf("status %d after %d reads of the run; want 201 after at most 3 (woken by the other node's commit)", status, reads)
	}
}
