package credential

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes of a refresh attempt, the "outcome" label of
// driveway_credential_refreshes_total.
const (
	OutcomeRefreshed   = "refreshed"               // new tokens stored
	OutcomeNeedsReauth = "needs_reauth"            // marked INVALID
	OutcomeConsent     = "needs_consent"           // marked INVALID
	OutcomeInteractive = "needs_interactive"       // marked INVALID
	OutcomeAppRefused  = "app_credentials_invalid" // integration alarm
	OutcomeTransient   = "transient"               // timeout, 5xx or 429
	OutcomeFailed      = "failed"                  // anything else (see the logs)
)

// metrics counts this node's refresh attempts and token-endpoint calls.
type metrics struct {
	refreshes *prometheus.CounterVec
	calls     *prometheus.HistogramVec
}

func newMetrics() *metrics {
	return &metrics{
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driveway_credential_refreshes_total",
			Help: "Credential refresh attempts on this node that reached the token endpoint or ended before it, by outcome.",
		}, []string{"outcome"}),
		calls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "driveway_token_endpoint_seconds",
			Help:    "Duration of refresh_token calls to the Microsoft token endpoint, by result (ok or error).",
			Buckets: prometheus.ExponentialBuckets(0.01, 3, 8),
		}, []string{"result"}),
	}
}

func (m *Manager) count(outcome string) { m.metrics.refreshes.WithLabelValues(outcome).Inc() }

func (m *Manager) observeCall(start time.Time, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.metrics.calls.WithLabelValues(result).Observe(time.Since(start).Seconds())
}

// Collector returns the Manager's metrics:
// driveway_credential_refreshes_total{outcome} and
// driveway_token_endpoint_seconds{result}. Register it once:
// reg.MustRegister(m.Collector()).
func (m *Manager) Collector() prometheus.Collector {
	m.init()
	return collector{m.metrics}
}

type collector struct{ m *metrics }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	c.m.refreshes.Describe(ch)
	c.m.calls.Describe(ch)
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	c.m.refreshes.Collect(ch)
	c.m.calls.Collect(ch)
}
