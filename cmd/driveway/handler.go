package main

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/drivewayhq/driveway/dashboard"
	"github.com/drivewayhq/driveway/httpapi"
	"github.com/drivewayhq/driveway/internal/signals"
	"github.com/drivewayhq/driveway/internal/tracing"
	"github.com/drivewayhq/driveway/proxy"
)

// handler builds the HTTP handler of every route: the API server, its
// metrics registry (also sampled for the dashboard's home-page charts) and
// the dashboard.
func (s *server) handler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(s.db.queue.Collector(), s.creds.Collector(), s.webhooks.Collector(), newIntegrationHealth(s.db))
	reg.MustRegister(s.graph.collectors()...)
	s.signals = signals.New(reg, signalInterval)
	api := &httpapi.Server{
		Admin: s.admin, Logger: s.logger, Registry: reg, Gatherer: reg, Ready: s.db.ready,
		Mounts: s.publicMounts(), ServeMetrics: s.metricsOnMain(), MetricsToken: s.cfg.MetricsToken,
		BodyTimeout: s.cfg.BodyTimeout, Streaming: s.streaming, Connect: s.connect, Webhooks: s.webhooks,
		Workflows: s.workflows, Users: s.users, PublicHost: publicHost(s.cfg.PublicURL),
		ClientIP: s.cfg.resolver(), Audit: s.audit,
		Front: func(router http.Handler) http.Handler {
			return proxy.Front(s.connect.Authenticated(s.proxy), router)
		},
		Dashboard: dashboard.New(dashboard.Options{
			Admin: s.admin, AdminPassword: s.cfg.AdminPassword, Sealer: s.ring,
			Secure: strings.HasPrefix(s.cfg.PublicURL, "https://"), Logger: s.logger,
			Disconnect: s.connect.Disconnect, Webhooks: s.webhooks, Actions: s.actions, Workflows: s.workflows,
			ClientKey: s.cfg.resolver().Key, Signals: s.signals, Audit: s.audit,
		}),
	}
	s.metricsHandler = api.MetricsHandler
	return api.Handler()
}

// microsoftClient is a client for calls to Microsoft outside the proxy
// (sign-in, token refresh, File Change's delta and subscriptions): the
// default transport (it honours HTTPS_PROXY), traced.
func microsoftClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: tracing.Transport(http.DefaultTransport)}
}

// signalInterval is how often the dashboard's home-page charts sample this
// node's metrics (288 points a day).
const signalInterval = 5 * time.Minute

// publicHost is the host name of the public URL (validated at start-up).
func publicHost(publicURL string) string {
	u, err := url.Parse(publicURL)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
