package webhook_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/ids"
	"github.com/drivewayhq/driveway/internal/testdb"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/storetest"
	"github.com/drivewayhq/driveway/webhook"
)

// testDB is one migrated store and how to open job queues on it.
type testDB struct {
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

func testSealer(t *testing.T) driveway.Sealer {
	t.Helper()
	return testdb.Keyring(t)
}

func sqliteDB(t *testing.T) *testDB {
	s := testdb.SQLite(t)
	return &testDB{store: s, newQueue: func(t *testing.T, cfg jobs.Config) *jobs.Queue {
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
	return &testDB{store: s, newQueue: func(t *testing.T, cfg jobs.Config) *jobs.Queue {
		q, err := jobs.NewPostgres(s.Pool(), cfg)
		if err != nil {
			t.Fatalf("NewPostgres: %v", err)
		}
		return q
	}}
}

// fastSchedule compresses the retry schedule (the real one spans hours).
var fastSchedule = []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond}

// logBuffer collects log output, for the canary checks.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// node is a webhook service on its own job queue.
type node struct {
	svc   *webhook.Service
	queue *jobs.Queue
	logs  *logBuffer
}

// newNode builds a service and its queue; start starts the queue.
func newNode(t *testing.T, db *testDB, cfg webhook.Config) *node {
	t.Helper()
	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	q := db.newQueue(t, jobs.Config{FastPoll: true, Logger: logger, JobTimeout: 10 * time.Second, RescueStuckJobsAfter: 11 * time.Second})
	if err := q.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate queue: %v", err)
	}
	cfg.AllowLoopback, cfg.Logger = true, logger
	if cfg.Schedule == nil {
		cfg.Schedule = fastSchedule
	}
	svc, err := webhook.New(db.store, q, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := svc.Register(); err != nil {
		t.Fatalf("Register: %v", err)
	}
	return &node{svc: svc, queue: q, logs: logs}
}

func (n *node) start(t *testing.T) {
	t.Helper()
	if err := n.queue.Start(t.Context()); err != nil {
		t.Fatalf("start queue: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		n.queue.Stop(ctx)
	})
}

// request is what a receiver got.
type request struct {
	path   string
	header http.Header
	body   []byte
	at     time.Time
}

// receiver is a customer's app on loopback; respond picks each answer
// (by the 0-based number of the request).
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	got     []request
	respond func(n int, w http.ResponseWriter, r *http.Request)
}

func newReceiver(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	rc := &receiver{respond: respond}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		n := len(rc.got)
		rc.got = append(rc.got, request{path: r.URL.Path, header: r.Header.Clone(), body: body, at: time.Now()})
		respond := rc.respond
		rc.mu.Unlock()
		respond(n, w, r)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.got...)
}

func (rc *receiver) setRespond(f func(n int, w http.ResponseWriter, r *http.Request)) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.respond = f
}

func status(code int) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
}

// project creates a project.
func project(t *testing.T, s driveway.Store) string {
	t.Helper()
	pid := ids.New("prj")
	if err := s.CreateProject(t.Context(), &driveway.Project{ID: pid, Name: pid}); err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	return pid
}

// endpoint creates an endpoint for url and returns it with its secret.
func endpoint(t *testing.T, svc *webhook.Service, pid, url string, types []string) (*driveway.WebhookEndpoint, string) {
	t.Helper()
	e, sec, err := svc.CreateEndpoint(t.Context(), pid, webhook.EndpointInput{URL: &url, EventTypes: types})
	if err != nil {
		t.Fatalf("CreateEndpoint: %v", err)
	}
	return e, sec
}

// event records an event of kind, fanned out in its transaction when
// enqueue is set (else left to the dispatcher).
func event(t *testing.T, db *testDB, svc *webhook.Service, pid, kind string, enqueue bool) *driveway.Event {
	t.Helper()
	e := &driveway.Event{ID: ids.New("evt"), ProjectID: pid, Kind: kind, UserID: "user-1", CredentialID: "cred-1",
		Data: map[string]any{"status": "INVALID", "reason": "needs_reauth"}, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	err := db.store.WithTx(t.Context(), func(tx driveway.Tx) error {
		if err := tx.AppendEvent(t.Context(), e); err != nil {
			return err
		}
		if enqueue {
			return svc.Enqueue(t.Context(), tx, e)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("record event: %v", err)
	}
	return e
}

// waitDelivery polls until the event's delivery to the endpoint has status
// want.
func waitDelivery(t *testing.T, svc *webhook.Service, pid, endpointID, eventID, want string) *driveway.WebhookDelivery {
	t.Helper()
	var last *driveway.WebhookDelivery
	waitFor(t, "delivery "+want, 20*time.Second, func() bool {
		ds, err := svc.ListDeliveries(t.Context(), pid, driveway.DeliveryFilter{EndpointID: endpointID})
		if err != nil {
			t.Fatalf("ListDeliveries: %v", err)
		}
		for _, d := range ds {
			if d.EventID == eventID {
				last = d
				return d.Status == want
			}
		}
		return false
	})
	return last
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

// webhookConfig is the test configuration: compressed schedule, a quick
// outbox sweep.
func webhookConfig() webhook.Config {
	return webhook.Config{Schedule: fastSchedule, DispatchInterval: 50 * time.Millisecond, Timeout: 5 * time.Second}
}

func endpointInputEnabled(on *bool) webhook.EndpointInput { return webhook.EndpointInput{Enabled: on} }

// metric returns the value of the service's counter name with the label
// set to value (0 when absent).
func metric(t *testing.T, svc *webhook.Service, name, label, value string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	if err := reg.Register(svc.Collector()); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
