package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/internal/testdb"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/storetest"
)

// testDB is one migrated store, and how to open job queues ("nodes") on
// its database.
type testDB struct {
	name     string
	store    driveway.Store
	newQueue func(t *testing.T, cfg jobs.Config) *jobs.Queue
}

// engines runs fn as a parallel subtest on SQLite and on Postgres (skipped
// without DRIVEWAY_TEST_POSTGRES_URL).
func engines(t *testing.T, fn func(t *testing.T, db *testDB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, sqliteDB(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, postgresDB(t))
	})
}

func testSealer(t *testing.T) driveway.Sealer { return testSealerB(t) }

func testSealerB(t testing.TB) driveway.Sealer {
	t.Helper()
	return testdb.Keyring(t)
}

func sqliteDB(t *testing.T) *testDB {
	s := testdb.SQLite(t)
	return &testDB{name: "sqlite", store: s, newQueue: func(t *testing.T, cfg jobs.Config) *jobs.Queue {
		q, err := jobs.NewSQLite(s.WriterDB(), cfg)
		if err != nil {
			t.Fatalf("NewSQLite: %v", err)
		}
		return q
	}}
}

func postgresDB(t *testing.T) *testDB {
	url, _ := storetest.PostgresSchema(t)
	s, err := postgres.Open(t.Context(), url, testSealer(t))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return &testDB{name: "postgres", store: s, newQueue: func(t *testing.T, cfg jobs.Config) *jobs.Queue {
		q, err := jobs.NewPostgres(s.Pool(), cfg)
		if err != nil {
			t.Fatalf("NewPostgres: %v", err)
		}
		return q
	}}
}

// node is one engine on its own queue.
type node struct {
	engine *Engine
	queue  *jobs.Queue
}

// startNode builds a registry with the test step types of st, an engine
// and a queue, migrates, starts, and stops at the end of the test.
func startNode(t *testing.T, db *testDB, st *steps, qcfg jobs.Config, cfg Config) *node {
	t.Helper()
	return startNodeFull(t, db, st, nil, qcfg, cfg)
}

// startNodeWith starts a node whose OneDrive steps use actions.
func startNodeWith(t *testing.T, db *testDB, st *steps, actions ActionRunner) *node {
	t.Helper()
	return startNodeFull(t, db, st, actions, jobs0(), Config{})
}

func startNodeFull(t *testing.T, db *testDB, st *steps, actions ActionRunner, qcfg jobs.Config, cfg Config) *node {
	t.Helper()
	qcfg.FastPoll = true
	qcfg.Logger = quietLogger(t)
	q := db.newQueue(t, qcfg)
	if err := q.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate queue: %v", err)
	}
	reg := NewRegistry(actions, nil)
	st.register(t, reg)
	cfg.Store, cfg.Queue, cfg.Registry, cfg.Logger = db.store, q, reg, quietLogger(t)
	e, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := e.Register(); err != nil {
		t.Fatalf("Register: %v", err)
	}
	if err := q.Start(t.Context()); err != nil {
		t.Fatalf("start queue: %v", err)
	}
	n := &node{engine: e, queue: q}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
	return n
}

func quietLogger(t *testing.T) *slog.Logger { return quietLoggerB(t) }

func quietLoggerB(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
}

// project creates a project and users.
func project(t *testing.T, s driveway.Store, pid string, users ...string) {
	t.Helper()
	ctx := t.Context()
	if err := s.CreateProject(ctx, &driveway.Project{ID: pid, Name: pid}); err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	for _, u := range users {
		err := s.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: pid, ID: u, Metadata: map[string]any{"plan": "pro-" + u}})
		if err != nil {
			t.Fatalf("UpsertConnectedUser: %v", err)
		}
	}
}

// save stores a definition written as JSON.
func save(t *testing.T, e *Engine, pid, def string) *driveway.Workflow {
	t.Helper()
	w, err := e.SaveWorkflow(t.Context(), pid, []byte(def))
	if err != nil {
		t.Fatalf("SaveWorkflow: %v", err)
	}
	return w
}

// waitRun waits until the run ends and returns it.
func waitRun(t *testing.T, e *Engine, pid, runID string, within time.Duration) *driveway.WorkflowRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), within)
	defer cancel()
	run, err := e.Wait(ctx, pid, runID, (*driveway.WorkflowRun).Finished)
	if err != nil {
		t.Fatalf("run %s did not end within %s (status %v): %v", runID, within, statusOf(run), err)
	}
	return run
}

func statusOf(r *driveway.WorkflowRun) string {
	if r == nil {
		return "unknown"
	}
	return r.Status
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond) // poll interval, not a wait for an event
	}
}

// server serves the engine's handler behind a stand-in for the connect
// middleware: the principal is the project in the path and the user named
// by the X-Test-User header.
func server(t *testing.T, e *Engine) *httptest.Server {
	h := e.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := r.Header.Get("X-Test-User"); u != "" {
			pid := strings.Split(strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/v2"), "/projects/"), "/")[0]
			r = r.WithContext(driveway.WithPrincipal(r.Context(), &driveway.Principal{ProjectID: pid, UserID: u}))
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// call sends a JSON request as user and decodes the JSON answer.
func call(t *testing.T, method, url, user string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("X-Test-User", user)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 && json.Unmarshal(raw, &out) != nil {
		t.Fatalf("%s %s: answer is not a JSON object: %s", method, url, raw)
	}
	return resp.StatusCode, out
}

// steps are the test step types, shared by the nodes of one test.
type steps struct {
	mu      *sync.Mutex    // shared by nodes that share a service
	calls   map[string]int // by step id
	items   []string       // the "record" step's names, in order
	effects map[string]int // side effects applied, by idempotency key
	seen    map[string]int // side-effect requests, by idempotency key
	running int
	peak    int
	// failUntil makes "flaky" fail attempts below it.
	failUntil int
	// hang, when set on a node's steps, makes "effect" hang after applying
	// its side effect (a node dying mid-step).
	hang    bool
	hanging chan struct{}
	release chan struct{}
}

func newSteps() *steps {
	return &steps{mu: &sync.Mutex{}, calls: map[string]int{}, effects: map[string]int{}, seen: map[string]int{},
		hanging: make(chan struct{}, 10), release: make(chan struct{})}
}

// count is how many times the step id ran.
func (st *steps) count(id string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.calls[id]
}

func (st *steps) register(t *testing.T, reg *Registry) {
	t.Helper()
	must := func(err error) {
		if err != nil {
			t.Fatalf("register: %v", err)
		}
	}
	// echo returns its input.
	must(reg.Register("echo", RunnerFunc(func(ctx context.Context, c *Call) (any, error) {
		st.mu.Lock()
		st.calls[c.StepID]++
		st.mu.Unlock()
		return c.Input, nil
	}), nil))
	// record appends input.name to items.
	must(reg.Register("record", RunnerFunc(func(ctx context.Context, c *Call) (any, error) {
		st.mu.Lock()
		defer st.mu.Unlock()
		st.calls[c.StepID]++
		st.items = append(st.items, str(c.Input["name"]))
		return map[string]any{"recorded": c.Input["name"]}, nil
	}), nil))
	// flaky fails until the attempt reaches failUntil.
	must(reg.Register("flaky", RunnerFunc(func(ctx context.Context, c *Call) (any, error) {
		st.mu.Lock()
		defer st.mu.Unlock()
		st.calls[c.StepID]++
		if c.Attempt < st.failUntil {
			return nil, errors.New("flaky failure")
		}
		return map[string]any{"attempt": c.Attempt}, nil
	}), nil))
	// slow tracks how many run at once, and waits for release.
	must(reg.Register("slow", RunnerFunc(func(ctx context.Context, c *Call) (any, error) {
		st.mu.Lock()
		st.calls[c.StepID]++
		st.running++
		st.peak = max(st.peak, st.running)
		st.mu.Unlock()
		defer func() {
			st.mu.Lock()
			st.running--
			st.mu.Unlock()
		}()
		st.hanging <- struct{}{}
		select {
		case <-st.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return map[string]any{"done": true}, nil
	}), nil))
	// nap does 30ms of simulated work, tracking how many run at once.
	must(reg.Register("nap", RunnerFunc(func(ctx context.Context, c *Call) (any, error) {
		st.mu.Lock()
		st.calls[c.StepID]++
		st.running++
		st.peak = max(st.peak, st.running)
		st.mu.Unlock()
		time.Sleep(30 * time.Millisecond) // simulated work, not a wait
		st.mu.Lock()
		st.running--
		st.mu.Unlock()
		return nil, nil
	}), nil))
	// effect applies a side effect once per idempotency key (like a
	// service that deduplicates), then hangs when st.hang is set.
	must(reg.Register("effect", RunnerFunc(func(ctx context.Context, c *Call) (any, error) {
		st.mu.Lock()
		st.calls[c.StepID]++
		st.seen[c.IdempotencyKey]++
		if st.effects[c.IdempotencyKey] == 0 {
			st.effects[c.IdempotencyKey] = 1
		}
		hang := st.hang
		st.mu.Unlock()
		if hang {
			st.hanging <- struct{}{}
			<-st.release // ignores ctx: the node is gone
		}
		return map[string]any{"key": c.IdempotencyKey}, nil
	}), nil))
}

// jobs0 is the queue configuration of most tests.
func jobs0() jobs.Config { return jobs.Config{} }

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	slices.Sort(out)
	return out
}
