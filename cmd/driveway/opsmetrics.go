package main

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/drivewayhq/driveway"
)

// graphResponses counts the answers Microsoft Graph (and its download
// hosts) gives the proxy and the actions (File Change's delta and
// subscription calls use their own client and are not counted), for the
// Graph throttling alert: driveway_graph_responses_total{status,project},
// where status is "429" or "503" (throttling), else the class ("2xx",
// "4xx"...), or "error" when no answer came; and the waits Graph asked for:
// driveway_graph_throttle_wait_seconds_total{project}, the sum of the
// Retry-After of those 429s and 503s. project is the caller's project
// ("none" when a call has no principal); a deployment has tens of
// projects, not thousands, so the label stays small.
type graphResponses struct {
	counter *prometheus.CounterVec
	waits   *prometheus.CounterVec
}

func newGraphResponses() *graphResponses {
	return &graphResponses{
		counter: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driveway_graph_responses_total",
			Help: "Responses from Microsoft Graph (and its download hosts) to the proxy's and the actions' calls, by status: 429 and 503 (throttling), else the class (2xx, 3xx, 4xx, 5xx), or error when no response came; and by project.",
		}, []string{"status", "project"}),
		waits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driveway_graph_throttle_wait_seconds_total",
			Help: "Seconds of Retry-After that Microsoft Graph asked for in its 429 and 503 answers, by project.",
		}, []string{"project"}),
	}
}

// collectors are the metrics to register.
func (g *graphResponses) collectors() []prometheus.Collector {
	return []prometheus.Collector{g.counter, g.waits}
}

// wrap counts every round trip of next.
func (g *graphResponses) wrap(next *http.Transport) http.RoundTripper {
	return &countingTransport{next: next, g: g}
}

// countingTransport counts the answers of next; it keeps next's
// CloseIdleConnections, which the proxy calls on shutdown.
type countingTransport struct {
	next *http.Transport
	g    *graphResponses
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	project := "none"
	if p := driveway.PrincipalFrom(req.Context()); p != nil {
		project = p.ProjectID
	}
	status := statusLabel(resp, err)
	c.g.counter.WithLabelValues(status, project).Inc()
	if status == "429" || status == "503" {
		if s, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && s > 0 {
			c.g.waits.WithLabelValues(project).Add(float64(s))
		}
	}
	return resp, err
}

func (c *countingTransport) CloseIdleConnections() { c.next.CloseIdleConnections() }

func statusLabel(resp *http.Response, err error) string {
	switch {
	case err != nil:
		return "error"
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		return strconv.Itoa(resp.StatusCode)
	}
	return strconv.Itoa(resp.StatusCode/100) + "xx"
}

// integrationHealth reports, per project, when the last of its app's client
// secrets expires and whether Microsoft refused the app's credentials:
// driveway_client_secret_expiry_timestamp_seconds{project} and
// driveway_integration_alarm{project,reason}. It reads the store on scrape,
// at most once a minute (every node reports the same values: aggregate
// with max).
type integrationHealth struct {
	store  driveway.Queries
	expiry *prometheus.Desc
	alarm  *prometheus.Desc

	mu      sync.Mutex
	readAt  time.Time
	metrics []prometheus.Metric
}

func newIntegrationHealth(store driveway.Queries) *integrationHealth {
	return &integrationHealth{store: store,
		expiry: prometheus.NewDesc("driveway_client_secret_expiry_timestamp_seconds",
			"When the project's last-expiring OneDrive client secret expires (Unix seconds), read from the database.",
			[]string{"project"}, nil),
		alarm: prometheus.NewDesc("driveway_integration_alarm",
			"1 while Microsoft refuses the project's app credentials (an invalid or expired client secret), by reason.",
			[]string{"project", "reason"}, nil)}
}

func (h *integrationHealth) Describe(ch chan<- *prometheus.Desc) { ch <- h.expiry; ch <- h.alarm }

func (h *integrationHealth) Collect(ch chan<- prometheus.Metric) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if time.Since(h.readAt) > time.Minute {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		h.metrics, h.readAt = h.read(ctx), time.Now()
		cancel()
	}
	for _, m := range h.metrics {
		ch <- m
	}
}

// read lists every project's settings; a project it cannot read is left
// out rather than failing the scrape.
func (h *integrationHealth) read(ctx context.Context) []prometheus.Metric {
	projects, err := h.store.ListProjects(ctx)
	if err != nil {
		return nil
	}
	var out []prometheus.Metric
	for _, p := range projects {
		in, err := h.store.GetIntegration(ctx, p.ID)
		if err != nil {
			continue
		}
		var last time.Time
		for _, s := range in.ClientSecrets {
			if s.ExpiresAt.After(last) {
				last = s.ExpiresAt
			}
		}
		if !last.IsZero() {
			out = append(out, prometheus.MustNewConstMetric(h.expiry, prometheus.GaugeValue, float64(last.Unix()), p.ID))
		}
		if in.Alarm != nil {
			out = append(out, prometheus.MustNewConstMetric(h.alarm, prometheus.GaugeValue, 1, p.ID, in.Alarm.Reason))
		}
	}
	return out
}
