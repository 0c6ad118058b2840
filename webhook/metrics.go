package webhook

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Results of a delivery attempt, the "result" label of
// driveway_webhook_attempts_total: "2xx", the status class of an answer
// ("4xx", "5xx", "429", "410"), or "no_answer" (a timeout, a refused or
// failed connection, a blocked address).
const (
	ResultOK       = "2xx"
	ResultNoAnswer = "no_answer"
)

// metrics counts this node's delivery attempts and final outcomes.
type metrics struct {
	attempts *prometheus.CounterVec
	outcomes *prometheus.CounterVec
	duration prometheus.Histogram
}

func newMetrics() *metrics {
	return &metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driveway_webhook_attempts_total",
			Help: "Webhook delivery attempts made by this node, by result: 2xx, 4xx, 5xx, 429, 410 or no_answer.",
		}, []string{"result"}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driveway_webhook_deliveries_total",
			Help: "Webhook deliveries that ended on this node, by outcome: succeeded, or dead (out of attempts, 410 Gone, or the endpoint disabled).",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "driveway_webhook_attempt_seconds",
			Help:    "Duration of webhook delivery attempts made by this node, until the answer's headers (or the failure).",
			Buckets: prometheus.ExponentialBuckets(0.01, 3, 8),
		}),
	}
}

// resultOf names an attempt's result for the attempts counter.
func resultOf(code int) string {
	switch {
	case code == 0:
		return ResultNoAnswer
	case code >= 200 && code <= 299:
		return ResultOK
	case code == http.StatusTooManyRequests, code == http.StatusGone:
		return strconv.Itoa(code)
	case code >= 400 && code <= 499:
		return "4xx"
	default:
		return "5xx"
	}
}

func (m *metrics) attempt(code int, took time.Duration) {
	m.attempts.WithLabelValues(resultOf(code)).Inc()
	m.duration.Observe(took.Seconds())
}

// Collector returns the Service's metrics: driveway_webhook_attempts_total
// {result}, driveway_webhook_deliveries_total{outcome} and
// driveway_webhook_attempt_seconds. Register it once:
// reg.MustRegister(s.Collector()).
func (s *Service) Collector() prometheus.Collector { return collector{s.metrics} }

type collector struct{ m *metrics }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	c.m.attempts.Describe(ch)
	c.m.outcomes.Describe(ch)
	c.m.duration.Describe(ch)
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	c.m.attempts.Collect(ch)
	c.m.outcomes.Collect(ch)
	c.m.duration.Collect(ch)
}
