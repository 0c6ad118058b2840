package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/action"
	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/audit"
	"github.com/drivewayhq/driveway/authcache"
	"github.com/drivewayhq/driveway/connect"
	"github.com/drivewayhq/driveway/credential"
	"github.com/drivewayhq/driveway/filechange"
	"github.com/drivewayhq/driveway/httpapi"
	"github.com/drivewayhq/driveway/internal/signals"
	"github.com/drivewayhq/driveway/internal/tracing"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/mcp"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/netguard"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/proxy"
	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/sqlite"
	"github.com/drivewayhq/driveway/userdata"
	"github.com/drivewayhq/driveway/usertoken"
	"github.com/drivewayhq/driveway/webhook"
	"github.com/drivewayhq/driveway/workflow"
)

// database is an opened store with its job queue on the same database.
type database struct {
	driveway.Store
	kind    string
	migrate func(context.Context) error
	queue   *jobs.Queue
	// changes is bumped by every write of Store (an authcache.Store) and,
	// on Postgres, by watch with the other nodes' writes.
	changes *authcache.Feed
	watch   func(ctx context.Context, logger *slog.Logger)
}

// openDatabase opens the store and the queue named by cfg.Database. It does
// not migrate.
func openDatabase(ctx context.Context, cfg *Config, sealer driveway.Sealer, logger *slog.Logger) (*database, error) {
	return openDatabaseWith(ctx, cfg, sealer, logger, false)
}

// openDatabaseWith is openDatabase; insertOnly makes a queue that inserts
// jobs of any kind but runs none (a CLI command enqueues for the servers).
func openDatabaseWith(ctx context.Context, cfg *Config, sealer driveway.Sealer, logger *slog.Logger, insertOnly bool) (*database, error) {
	kind, addr, err := databaseKind(cfg.Database)
	if err != nil {
		return nil, err
	}
	jcfg := jobs.Config{RescueStuckJobsAfter: cfg.JobRescueAfter, Logger: logger, InsertOnly: insertOnly}
	switch kind {
	case "sqlite":
		s, err := sqlite.Open(ctx, addr, sealer)
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		q, err := jobs.NewSQLite(s.WriterDB(), jcfg)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("job queue: %w", err)
		}
		feed := authcache.NewFeed(true)
		return &database{Store: authcache.Wrap(s, feed), kind: kind, migrate: s.Migrate, queue: q, changes: feed}, nil
	default:
		s, err := postgres.Open(ctx, addr, sealer)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		q, err := jobs.NewPostgres(s.Pool(), jcfg)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("job queue: %w", err)
		}
		feed := authcache.NewFeed(false)
		return &database{Store: authcache.Wrap(s, feed), kind: kind, migrate: s.Migrate, queue: q, changes: feed,
			watch: func(ctx context.Context, logger *slog.Logger) { s.WatchChanges(ctx, feed, logger) }}, nil
	}
}

// openMigrated opens the database for a short CLI command (its queue only
// inserts jobs, for the servers to run), which needs its
// migrations applied already (by serve or `driveway migrate`). The caller
// closes it.
func (m *Main) openMigrated(ctx context.Context, cfg *Config) (*database, *secret.Keyring, error) {
	ring, err := keyringFrom(cfg.SecretKeys)
	if err != nil {
		return nil, nil, err
	}
	db, err := openDatabaseWith(ctx, cfg, ring, newLogger(cfg, m.Stderr), true)
	if err != nil {
		return nil, nil, err
	}
	if err := db.Store.Ping(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("database not ready (run `driveway migrate`): %w", err)
	}
	return db, ring, nil
}

// Migrate applies the store's and the job queue's migrations.
func (db *database) Migrate(ctx context.Context) error {
	if err := db.migrate(ctx); err != nil {
		return fmt.Errorf("store migrations: %w", err)
	}
	if err := db.queue.Migrate(ctx); err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	return nil
}

// ready is /readyz: the store answers with its migrations applied, and so
// does the queue.
func (db *database) ready(ctx context.Context) error {
	if err := db.Store.Ping(ctx); err != nil {
		return err
	}
	return db.queue.Ping(ctx)
}

func newLogger(cfg *Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func keyringFrom(spec string) (*secret.Keyring, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, badConfig("DRIVEWAY_SECRET_KEYS", "required: generate one with `openssl rand -base64 32` and set DRIVEWAY_SECRET_KEYS=k1:<that> (see docs/configuration.md)")
	}
	ring, err := secret.ParseKeyring(spec)
	if err != nil {
		return nil, badConfig("DRIVEWAY_SECRET_KEYS", "%v", err)
	}
	return ring, nil
}

// server is a running Driveway: its database, queue and HTTP listeners.
type server struct {
	cfg    *Config
	logger *slog.Logger
	db     *database
	ring   *secret.Keyring
	admin  *admin.Service
	// mounts are extra handlers (the emulator, in dev).
	mounts map[string]http.Handler

	// endpoints, when set, replace every cloud's Microsoft endpoints (the
	// emulator, in dev or with DRIVEWAY_MICROSOFT_*_URL).
	endpoints  *microsoft.Endpoints
	creds      *credential.Manager
	connect    *connect.Handler
	proxy      *proxy.Proxy
	workflows  *workflow.Engine
	webhooks   *webhook.Service
	actions    *action.Executor
	filechange *filechange.Service
	users      *userdata.Service
	graph      *graphResponses // opsmetrics.go
	// intake are Microsoft's notification routes (no user token).
	intake map[string]http.Handler
	// signals samples the home page's charts (set by handler).
	signals *signals.Recorder
	// tls: the listener serves https (dev --tls).
	tls bool
	// workers counts the job workers registered on db.queue. River refuses
	// to start without one, and there is nothing to run then anyway.
	workers int

	// audit records changes and access to end users' data.
	audit *audit.Recorder

	metricsHandler func() http.Handler
	// dev serves /metrics openly and lets the emulator's uploads stream.
	dev bool
}

// newServer builds the services every node runs on db and registers their
// jobs; run starts them. dev allows webhook endpoints on localhost.
func newServer(cfg *Config, logger *slog.Logger, db *database, ring *secret.Keyring, endpoints *microsoft.Endpoints, dev bool) (*server, error) {
	s := &server{cfg: cfg, logger: logger, db: db, ring: ring, endpoints: endpoints, dev: dev,
		admin: &admin.Service{Store: db, PublicURL: cfg.PublicURL}}
	s.creds = &credential.Manager{Store: db, Endpoints: endpoints, Logger: logger, HTTP: microsoftClient(30 * time.Second)}
	if err := credential.RegisterJobs(db.queue, s.creds); err != nil {
		return nil, fmt.Errorf("register credential jobs: %w", err)
	}
	s.connect = &connect.Handler{Store: db, PublicURL: cfg.PublicURL, Logger: logger,
		Verifier: &usertoken.Verifier{Keys: db.ListSigningKeys, Cache: &usertoken.Cache{}, Changes: db.changes}, Changes: db.changes,
		Resolver: microsoft.Resolver{Override: endpoints}, HTTP: microsoftClient(30 * time.Second), Tokens: s.creds}
	if err := connect.RegisterJobs(db.queue, s.connect); err != nil {
		return nil, err
	}
	s.workers += 2
	s.graph = newGraphResponses()
	s.proxy = &proxy.Proxy{Tokens: s.creds, Store: db, Resolver: microsoft.Resolver{Override: endpoints},
		Logger: logger, TokenRetryAfter: credential.RetryAfter, PublicURL: cfg.PublicURL, Transport: tracing.Transport(s.graph.wrap(proxy.NewTransport())),
		Changes: db.changes, MaxConcurrent: cfg.ProxyMaxConcurrent}
	s.connect.OnDisconnect = append(s.connect.OnDisconnect, func(ctx context.Context, cr *driveway.Credential) {
		s.proxy.Forget(cr.ProjectID, cr.ID)
	})
	if err := s.wireActions(); err != nil {
		return nil, err
	}
	if err := s.wireWorkflows(s.actions); err != nil {
		return nil, err
	}
	s.wireIntegrationEnabled()
	if err := s.wireFileChange(dev); err != nil {
		return nil, err
	}
	if err := s.wireUsers(); err != nil {
		return nil, err
	}
	wh, err := webhook.New(db, db.queue, webhook.Config{AllowLoopback: dev || cfg.AllowLoopback, Logger: logger,
		Guard: netguard.Config{AllowPrivate: cfg.AllowPrivate}, Retention: cfg.Retention.Deliveries})
	if err != nil {
		return nil, err
	}
	if err := wh.Register(); err != nil {
		return nil, fmt.Errorf("register webhook jobs: %w", err)
	}
	s.webhooks, s.workers = wh, s.workers+1
	return s, s.wireAudit()
}

// wireActions builds the OneDrive action catalogue and serves it three
// ways: the Actions API and MCP behind the user-token check, and signed
// download links in public (the signature is the authorization).
func (s *server) wireActions() error {
	cat, err := action.NewCatalogue()
	if err != nil {
		return err
	}
	s.actions = &action.Executor{Catalogue: cat, Store: s.db, Tokens: s.creds,
		Resolver: microsoft.Resolver{Override: s.endpoints}, Proxy: s.proxy,
		HTTP:    &http.Client{Transport: tracing.Transport(s.graph.wrap(action.NewTransport()))},
		Fetch:   netguard.NewClient(netguard.Config{AllowPrivate: s.cfg.AllowPrivate}),
		LinkKey: action.DeriveLinkKey([]byte(s.cfg.SecretKeys)), PublicURL: s.cfg.PublicURL,
		TokenRetryAfter: credential.RetryAfter, Logger: s.logger}
	s.connect.SDKRoutes = append(s.connect.SDKRoutes, s.actions.Routes()...)
	s.connect.SDKRoutes = append(s.connect.SDKRoutes, (&mcp.Server{Executor: s.actions, Logger: s.logger}).Routes()...)
	s.connect.OnDisconnect = append(s.connect.OnDisconnect, func(_ context.Context, cr *driveway.Credential) {
		s.actions.Forget(cr.ProjectID, cr.ID)
	})
	return nil
}

// wireWorkflows builds the workflow engine, registers its jobs and serves
// its SDK routes (Request triggers, App Events, per-user enablement) behind
// the user-token check. actions runs OneDrive steps; nil leaves those step
// types out.
func (s *server) wireWorkflows(actions *action.Executor) error {
	reg := workflow.NewRegistry(actions, &workflow.HTTPRequest{Client: netguard.NewClient(netguard.Config{AllowPrivate: s.cfg.AllowPrivate})})
	reg.SetActions(actions.Catalogue)
	eng, err := workflow.New(workflow.Config{Store: s.db, Queue: s.db.queue, Registry: reg, Logger: s.logger,
		StepTimeout: min(time.Minute, s.cfg.JobRescueAfter/2), Retention: s.cfg.Retention.Runs, FileChangeConsumers: reconcileFileChange(s.db.queue)})
	if err != nil {
		return err
	}
	if err := eng.Register(); err != nil {
		return fmt.Errorf("register workflow jobs: %w", err)
	}
	s.workers++
	s.workflows = eng
	s.connect.Workflows = func(ctx context.Context, projectID, userID string) ([]connect.WorkflowInfo, error) {
		m, err := eng.UserWorkflows(ctx, projectID, userID)
		if err != nil {
			return nil, err
		}
		out := make([]connect.WorkflowInfo, 0, len(m))
		for _, w := range m {
			out = append(out, connect.WorkflowInfo{ID: w.ID, Description: w.Description, DefaultEnabled: w.DefaultEnabled, Enabled: w.Enabled})
		}
		slices.SortFunc(out, func(a, b connect.WorkflowInfo) int { return strings.Compare(a.ID, b.ID) })
		return out, nil
	}
	for _, p := range workflow.Patterns {
		s.connect.SDKRoutes = append(s.connect.SDKRoutes, connect.Route{Pattern: p, Handler: eng.Handler()})
	}
	return nil
}

// publicMounts are the extra handlers on the root mux: dev's mounts and
// the actions' signed download links.
func (s *server) publicMounts() map[string]http.Handler {
	m := maps.Clone(s.mounts)
	if m == nil {
		m = map[string]http.Handler{}
	}
	for _, r := range s.actions.PublicRoutes() {
		m[r.Pattern] = r.Handler
	}
	maps.Copy(m, s.intake)
	return m
}

// configEndpoints is the Microsoft endpoint override of the configuration,
// or nil for Microsoft's own.
func configEndpoints(cfg *Config) *microsoft.Endpoints {
	if cfg.MicrosoftLoginURL == "" {
		return nil
	}
	return &microsoft.Endpoints{Login: cfg.MicrosoftLoginURL, Graph: cfg.MicrosoftGraphURL}
}

// listen opens the main listener; dev opens it before building the server
// so that the emulator knows the port.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// run serves until ctx is done, then stops gracefully: the listeners stop
// accepting, in-flight requests and running jobs get ShutdownTimeout.
func (s *server) run(ctx context.Context, ln net.Listener, ready func(string)) error {
	h := s.handler()
	defer ln.Close()
	ln = httpapi.LimitConns(ln, s.cfg.MaxConnsPerClient, s.cfg.MaxConns, s.cfg.resolver().Trusts)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn)}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	var msrv *http.Server
	if s.cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", s.cfg.MetricsAddr)
		if err != nil {
			srv.Close()
			return fmt.Errorf("listen on %s: %w", s.cfg.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", s.metricsHandler())
		msrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { errc <- msrv.Serve(mln) }()
	}
	if s.db.watch != nil {
		go s.db.watch(ctx, s.logger)
	}
	go s.signals.Run(ctx)
	if s.cfg.PprofAddr != "" {
		stop, err := servePprof(s.cfg.PprofAddr)
		if err != nil {
			srv.Close()
			return err
		}
		defer stop()
	}
	if s.workers > 0 {
		if err := s.db.queue.Start(ctx); err != nil {
			srv.Close()
			return fmt.Errorf("start job queue: %w", err)
		}
	}
	s.logger.Info("listening", "addr", ln.Addr().String(), "public_url", s.cfg.PublicURL, "database", s.db.kind)
	if ready != nil {
		scheme := "http"
		if s.tls {
			scheme = "https"
		}
		ready(scheme + "://" + ln.Addr().String())
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("server stopped", "err", err)
		}
	}
	return s.shutdown(srv, msrv)
}

func (s *server) shutdown(srv, msrv *http.Server) error {
	s.logger.Info("shutting down", "timeout", s.cfg.ShutdownTimeout.String())
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	if err := srv.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("http shutdown: %w", err))
	}
	if msrv != nil {
		_ = msrv.Shutdown(ctx)
	}
	s.proxy.CloseIdleConnections()
	if err := s.db.queue.Stop(ctx); err != nil {
		errs = append(errs, fmt.Errorf("job queue stop: %w", err))
	}
	if err := s.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close database: %w", err))
	}
	s.logger.Info("stopped")
	return errors.Join(errs...)
}
