package filechange

import (
	"context"
	"database/sql"
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
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/storetest"
)

// testDB is one migrated store and how to open job queues on it.
type testDB struct {
	name     string
	store    driveway.Store
	newQueue func(t testing.TB, cfg jobs.Config) *jobs.Queue
}

// engines runs fn as a parallel subtest on SQLite and on Postgres.
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

func testSealer(t testing.TB) driveway.Sealer {
	return testdb.Keyring(t)
}

func sqliteDB(t testing.TB) *testDB {
	s := testdb.SQLite(t)
	return &testDB{name: "sqlite", store: s, newQueue: func(t testing.TB, cfg jobs.Config) *jobs.Queue {
		q, err := jobs.NewSQLite(s.WriterDB(), cfg)
		if err != nil {
			t.Fatalf("NewSQLite: %v", err)
		}
		return q
	}}
}

func postgresDB(t testing.TB) *testDB {
	url, _ := storetest.PostgresSchema(t)
	s, err := postgres.Open(t.Context(), url, testSealer(t))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return &testDB{name: "postgres", store: s, newQueue: func(t testing.TB, cfg jobs.Config) *jobs.Queue {
		q, err := jobs.NewPostgres(s.Pool(), cfg)
		if err != nil {
			t.Fatalf("NewPostgres: %v", err)
		}
		return q
	}}
}

// emuTokens gives a fresh emulator token for each call (an edge fake of
// credential.Manager, which the credential package tests).
type emuTokens struct {
	emu      *emulator.Server
	clientID string
	mu       sync.Mutex
	users    map[string]string // credential id → emulator user id
}

func (e *emuTokens) AccessToken(ctx context.Context, projectID, credentialID string) (string, *driveway.Credential, error) {
	e.mu.Lock()
	uid, ok := e.users[credentialID]
	e.mu.Unlock()
	if !ok {
		return "", nil, driveway.Errorf(driveway.EFORBIDDEN, "credential not valid")
	}
	tok, err := e.emu.IssueAccessToken(uid, e.clientID, "Files.ReadWrite.All")
	return tok, nil, err
}

// env is one Driveway node (store, queue, service, intake on loopback)
// against one emulator with a manual clock.
type env struct {
	t      testing.TB
	db     *testDB
	clock  *emulator.ManualClock
	emu    *emulator.Server
	tokens *emuTokens
	intake *httptest.Server
	svc    *Service
	queue  *jobs.Queue
	user   emulator.User
	hook   *hookRecorder
}

const pid, cred = "prj_fc", "cred_fc"

func newEnv(t testing.TB, db *testDB, opts Options) *env {
	return newEnvPage(t, db, opts, 7)
}

// newEnvPage is newEnv with the emulator's delta page size.
func newEnvPage(t testing.TB, db *testDB, opts Options, pageSize int) *env {
	return newEnvEmu(t, db, opts, emulator.Options{PageSize: pageSize})
}

// newEnvEmu is newEnv with emulator options (its Clock is set here).
func newEnvEmu(t testing.TB, db *testDB, opts Options, eo emulator.Options) *env {
	t.Helper()
	clock := emulator.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	eo.Clock = clock
	emu := emulator.StartTest(t, eo)
	tenant, err := emu.CreateTenant(emulator.TenantSpec{Name: "Contoso"})
	if err != nil {
		t.Fatal(err)
	}
	user, err := emu.CreateUser(emulator.UserSpec{TenantID: tenant.ID, UPN: "adele@contoso.onmicrosoft.com", DisplayName: "Adele"})
	if err != nil {
		t.Fatal(err)
	}
	app, err := emu.CreateApp(emulator.AppSpec{Name: "Driveway"})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, clock: clock, emu: emu, user: user, hook: &hookRecorder{},
		tokens: &emuTokens{emu: emu, clientID: app.ClientID, users: map[string]string{cred: user.ID}}}
	e.intake = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.handler(w, r)
	}))
	t.Cleanup(e.intake.Close)
	e.seed()
	e.start(opts)
	return e
}

// handler routes to the current service (a restarted node replaces it).
func (e *env) handler(w http.ResponseWriter, r *http.Request) {
	mux := http.NewServeMux()
	mux.Handle("POST "+NotifyPath, e.svc.NotifyHandler())
	mux.Handle("POST "+LifecyclePath, e.svc.LifecycleHandler())
	mux.ServeHTTP(w, r)
}

func (e *env) seed() {
	ctx := e.t.Context()
	s := e.db.store
	must(e.t, s.CreateProject(ctx, &driveway.Project{ID: pid, Name: pid}))
	must(e.t, s.PutIntegration(ctx, &driveway.Integration{ProjectID: pid, ClientID: "unused", Tenant: "common",
		Cloud: driveway.CloudGlobal, Scopes: []string{"offline_access", "Files.ReadWrite"}, Enabled: true}))
	must(e.t, s.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: pid, ID: "u1"}))
	must(e.t, s.CreateCredential(ctx, &driveway.Credential{ID: cred, ProjectID: pid, UserID: "u1",
		Integration: driveway.IntegrationOneDrive, Status: driveway.CredentialValid, DriveID: e.user.DriveID,
		AccessToken: "unused", RefreshToken: "unused"}))
	must(e.t, s.CreateTriggerSubscription(ctx, &driveway.TriggerSubscription{ProjectID: pid, ID: "tsub_all",
		Trigger: driveway.TriggerFileChange, UserID: "u1"}))
}

// start opens a queue and a service on it; start=false leaves the queue
// stopped (a node that crashed after answering 202).
func (e *env) start(opts Options) {
	t := e.t
	q := e.db.newQueue(t, jobs.Config{FastPoll: true, Logger: quiet(t)})
	must(t, q.Migrate(t.Context()))
	opts.Store, opts.Queue, opts.Tokens = e.db.store, q, e.tokens
	emu := strings.TrimSuffix(e.emu.GraphURL(), "/v1.0")
	opts.Resolver = microsoft.Resolver{Override: &microsoft.Endpoints{Login: emu, Graph: emu}}
	opts.PublicURL, opts.AllowHTTP = e.intake.URL, true
	opts.Now, opts.Logger, opts.Hook = e.clock.Now, quiet(t), e.hook
	svc, err := New(opts)
	must(t, err)
	must(t, svc.Register(q))
	e.svc, e.queue = svc, q
	must(t, q.Start(context.Background()))
	t.Cleanup(func() { e.stopQueue(q) })
}

func (e *env) stopQueue(q *jobs.Queue) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q.Stop(ctx)
}

func quiet(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond) // poll interval, not a wait for an event
	}
}

func (e *env) watch() *driveway.DriveWatch {
	w, err := e.db.store.GetDriveWatch(e.t.Context(), pid, cred)
	must(e.t, err)
	return w
}

// watchReady watches the drive and waits for the subscription and baseline.
func (e *env) watchReady() {
	must(e.t, e.svc.Watch(e.t.Context(), pid, cred))
	var w *driveway.DriveWatch
	defer func() {
		if e.t.Failed() {
			e.t.Logf("watch: status %s reason %q seq %d/%d link %v", w.Status, w.Reason, w.NotifySeq, w.DoneSeq, w.DeltaLink != "")
			e.dumpJobs()
		}
	}()
	waitFor(e.t, "subscription and baseline", 20*time.Second, func() bool {
		w = e.watch()
		return w.DeltaLink != "" && (w.Status == driveway.WatchActive || w.Status == driveway.WatchPolling) &&
			w.NotifySeq == w.DoneSeq
	})
}

// seen is one recorded event, reduced to what the tests compare.
type seen struct{ Kind, Path string }

// events lists the recorded File Change events, oldest first.
func (e *env) events() []seen {
	evs, err := e.db.store.ListEvents(e.t.Context(), pid, cred, 10000)
	must(e.t, err)
	var out []seen
	for _, ev := range slices.Backward(evs) {
		item, _ := ev.Data["item"].(map[string]any)
		p, _ := item["path"].(string)
		out = append(out, seen{ev.Kind, p})
	}
	return out
}

func (e *env) waitEvents(n int) []seen {
	e.t.Helper()
	defer func() {
		if e.t.Failed() {
			w := e.watch()
			e.t.Logf("watch: status %s reason %q seq %d/%d; emulator pending %d; counters %+v", w.Status, w.Reason,
				w.NotifySeq, w.DoneSeq, e.emu.PendingNotifications(), e.emu.Counters().Notifications)
		}
	}()
	waitFor(e.t, "events", 20*time.Second, func() bool { return len(e.events()) >= n })
	return e.events()
}

// settle runs one more delta round directly and returns the events.
func (e *env) settle() []seen {
	e.t.Helper()
	_, err := e.svc.Sync(e.t.Context(), pid, cred)
	must(e.t, err)
	return e.events()
}

// hookRecorder is the workflow hook.
type hookRecorder struct {
	mu    sync.Mutex
	kinds []string
	ids   map[string]bool
}

func (h *hookRecorder) FileChange(_ context.Context, c *Change) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.kinds = append(h.kinds, c.Kind())
	if h.ids == nil {
		h.ids = map[string]bool{}
	}
	h.ids[c.ID] = true
	return nil
}

func (h *hookRecorder) distinct() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.ids)
}

func (h *hookRecorder) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.kinds)
}

func (e *env) dumpJobs() {
	db, ok := e.db.store.(interface{ WriterDB() *sql.DB })
	if !ok {
		return
	}
	rows, err := db.WriterDB().Query(`SELECT id, kind, state, attempt, errors, scheduled_at FROM river_job ORDER BY id`)
	if err != nil {
		e.t.Logf("jobs: %v", err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var id, attempt int64
		var kind, state string
		var errs, sched any
		rows.Scan(&id, &kind, &state, &attempt, &errs, &sched)
		e.t.Logf("job %d %s %s attempt %d errors %s sched %v", id, kind, state, attempt, errs, sched)
	}
}
