// Package httpapi serves Driveway over HTTP: one route table per surface
// (operations, admin API, and the mounted dashboard and emulator), the
// middleware every request passes (request id, recovery, JSON access log,
// Prometheus metrics), and the one table that maps domain error codes to
// HTTP statuses.
//
// A request flows: Handler → middleware → the surface's route table → a
// small handler that decodes, calls a service (package admin), and encodes.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/audit"
	"github.com/drivewayhq/driveway/internal/clientip"
	"github.com/drivewayhq/driveway/userdata"
	"github.com/drivewayhq/driveway/webhook"
)

// Server holds what the handlers need. Build it in cmd/driveway, then call
// Handler once.
type Server struct {
	Admin  *admin.Service
	Logger *slog.Logger
	// Registry receives the HTTP metrics; /metrics serves Gatherer.
	Registry prometheus.Registerer
	Gatherer prometheus.Gatherer
	// Ready reports whether the node can take traffic (database reachable,
	// migrations applied); /readyz answers 503 while it fails.
	Ready func(ctx context.Context) error
	// Dashboard, when set, is mounted at /dashboard/.
	Dashboard http.Handler
	// Mounts are extra handlers by path prefix (for example the emulator in
	// `driveway dev`), each given the full request path.
	Mounts map[string]http.Handler
	// ServeMetrics is false when /metrics is not served on this listener
	// (its own address, or `serve` without a token).
	ServeMetrics bool
	// MetricsToken, when set, is the bearer token /metrics requires.
	MetricsToken string
	// BodyTimeout, when positive, is how long a request may take to send
	// its body, counted from when its headers were read; the connection is
	// cut after. Streaming requests are exempt.
	BodyTimeout time.Duration
	// Streaming reports the requests whose bodies may take as long as they
	// need (the Graph proxy's uploads, which pass bodies through as they
	// arrive); nil: none.
	Streaming func(*http.Request) bool
	// Front, when set, sees every request before the router, with its path
	// uncleaned, and passes what it does not serve to the router (the Graph
	// proxy: proxy.Front).
	Front func(router http.Handler) http.Handler
	// Connect, when set, registers the SDK API, the install flow (/oauth)
	// and the Connect Portal (/connect/) on the root mux (package connect).
	Connect interface{ Register(mux *http.ServeMux) }
	// PublicHost, when set, is the host name of DRIVEWAY_PUBLIC_URL: a
	// request to {service}.{PublicHost}, for a service of the published
	// Paragon SDK (ServicePrefixes), is served by the routes that answer
	// that service on the public host.
	PublicHost string
	// Webhooks serves the outgoing-webhook admin routes; without it they
	// answer 503.
	Webhooks *webhook.Service
	// Workflows is the workflow engine (*workflow.Engine) behind the
	// workflow, project secret and task history routes; without it they
	// answer 503.
	Workflows Workflows
	// Users serves the end-user routes (list, inspect, export, disconnect,
	// erase); without it they answer 503.
	Users *userdata.Service

	// ClientIP finds the client address of a request for the audit trail
	// and API keys' last use; nil trusts no proxy (the peer's address).
	ClientIP *clientip.Resolver
	// Audit, when set, records every successful change through the admin
	// API; the audit-log routes answer 503 without it.
	Audit *audit.Recorder

	metrics *httpMetrics
}

// Handler returns the root handler with every surface mounted.
func (s *Server) Handler() http.Handler {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Registry == nil {
		reg := prometheus.NewRegistry()
		s.Registry = reg
		if s.Gatherer == nil {
			s.Gatherer = reg
		}
	}
	s.metrics = newHTTPMetrics(s.Registry)
	mux := http.NewServeMux()
	for _, r := range s.opsRoutes() {
		mux.Handle(r.Method+" "+r.Pattern, r.Handler)
	}
	for _, r := range s.adminRoutes() {
		mux.Handle(r.Method+" "+r.Pattern, s.requireAPIKey(s.audited(r.Handler)))
	}
	mux.HandleFunc("GET /api/v1/openapi.json", serveOpenAPI)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, errorBody{Error: errorDetail{Code: "not_found", Message: "no such route"}})
	})
	if s.Dashboard != nil {
		mux.Handle("/dashboard/", s.Dashboard)
		mux.Handle("GET /dashboard", http.RedirectHandler("/dashboard/", http.StatusFound))
	}
	if s.Connect != nil {
		s.Connect.Register(mux)
	}
	for prefix, h := range s.Mounts {
		mux.Handle(prefix, h)
	}
	if s.Dashboard != nil {
		mux.Handle("GET /{$}", http.RedirectHandler("/dashboard/", http.StatusFound))
	}
	var h http.Handler = mux
	if s.Front != nil {
		h = s.Front(mux)
	}
	return s.middleware(serviceHosts(s.PublicHost, h))
}

// route is one entry of a surface's route table.
type route struct {
	Method  string
	Pattern string
	Handler http.Handler
}

func (s *Server) opsRoutes() []route {
	rs := []route{
		{"GET", "/healthz", http.HandlerFunc(s.healthz)},
		{"GET", "/readyz", http.HandlerFunc(s.readyz)},
	}
	if s.ServeMetrics {
		rs = append(rs, route{"GET", "/metrics", s.MetricsHandler()})
	}
	return rs
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if s.Ready != nil {
		if err := s.Ready(ctx); err != nil {
			s.Logger.WarnContext(ctx, "not ready", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
