// Package signals keeps the last 24 hours of the few metrics an operator
// looks at first (the ones deploy/prometheus/alerts.yaml alerts on), sampled
// from this node's Prometheus registry, for the dashboard's home page.
//
// It is a glance, not monitoring: each node keeps its own samples, in
// memory, from its start. Prometheus and deploy/grafana/driveway.json hold
// the cluster's history.
package signals

import (
	"context"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Window is how far back the samples go.
const Window = 24 * time.Hour

// Point is one sample: a gauge's value, or a counter's increase since the
// sample before.
type Point struct {
	At    time.Time
	Value float64
}

// Signal is one chart: its title, what its values count, and its points,
// oldest first.
type Signal struct {
	Key, Title, Unit string
	Points           []Point
}

// definition reads one signal from a gather: ok false when the metric has
// no series yet (nothing to draw).
type definition struct {
	key, title, unit string
	counter          bool
	read             func(families map[string]*dto.MetricFamily, now time.Time) (float64, bool)
}

var definitions = []definition{
	{"secret", "Days left on the soonest-expiring client secret", "days", false, soonestSecret},
	{"invalid", "Credentials needing the user again (refreshes refused)", "per interval", true,
		sum("driveway_credential_refreshes_total", "outcome", "needs_reauth", "needs_consent", "needs_interactive")},
	{"dead", "Webhook deliveries given up (dead letters)", "per interval", true,
		sum("driveway_webhook_deliveries_total", "outcome", "dead")},
	{"backlog", "Jobs waiting to run", "jobs", false, maxOf("driveway_jobs", "state", "available")},
	{"throttled", "Graph throttling answers (429, 503)", "per interval", true,
		sum("driveway_graph_responses_total", "status", "429", "503")},
}

// Recorder samples the definitions from a gatherer every interval.
type Recorder struct {
	gatherer prometheus.Gatherer
	every    time.Duration

	mu     sync.Mutex
	points map[string][]Point
	last   map[string]float64 // counters' previous totals
}

// New returns a recorder of g's signals, sampled every interval.
func New(g prometheus.Gatherer, every time.Duration) *Recorder {
	return &Recorder{gatherer: g, every: every, points: map[string][]Point{}, last: map[string]float64{}}
}

// Run samples now and then every interval until ctx ends.
func (r *Recorder) Run(ctx context.Context) {
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		r.Sample(time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sample gathers once and appends a point to each signal that has a value,
// dropping points older than Window. A failed gather records nothing.
func (r *Recorder) Sample(now time.Time) {
	gathered, err := r.gatherer.Gather()
	if err != nil && len(gathered) == 0 {
		return
	}
	families := make(map[string]*dto.MetricFamily, len(gathered))
	for _, f := range gathered {
		families[f.GetName()] = f
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range definitions {
		v, ok := d.read(families, now)
		if !ok {
			continue
		}
		if d.counter {
			v = r.increase(d.key, v)
		}
		r.points[d.key] = append(trim(r.points[d.key], now), Point{At: now, Value: v})
	}
}

// increase is the counter's growth since the last sample (its whole value
// at the first sample of a fresh node, and after a reset).
func (r *Recorder) increase(key string, total float64) float64 {
	prev, seen := r.last[key]
	r.last[key] = total
	if !seen || total < prev {
		return total
	}
	return total - prev
}

func trim(ps []Point, now time.Time) []Point {
	i := 0
	for i < len(ps) && now.Sub(ps[i].At) > Window {
		i++
	}
	return ps[i:]
}

// Signals returns every signal with a copy of its points (none yet for a
// metric that has no series).
func (r *Recorder) Signals() []Signal {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Signal, 0, len(definitions))
	for _, d := range definitions {
		out = append(out, Signal{Key: d.key, Title: d.title, Unit: d.unit, Points: slices.Clone(r.points[d.key])})
	}
	return out
}

// Every is the sampling interval.
func (r *Recorder) Every() time.Duration { return r.every }

// sum adds the series of a metric whose label has one of values.
func sum(name, label string, values ...string) func(map[string]*dto.MetricFamily, time.Time) (float64, bool) {
	return func(fs map[string]*dto.MetricFamily, _ time.Time) (float64, bool) {
		f, ok := fs[name]
		if !ok {
			return 0, false
		}
		total := 0.0
		for _, m := range f.GetMetric() {
			if slices.Contains(values, labelOf(m, label)) {
				total += valueOf(m)
			}
		}
		return total, true
	}
}

// maxOf is the largest series of a metric whose label is value.
func maxOf(name, label, value string) func(map[string]*dto.MetricFamily, time.Time) (float64, bool) {
	return func(fs map[string]*dto.MetricFamily, _ time.Time) (float64, bool) {
		f, ok := fs[name]
		if !ok {
			return 0, false
		}
		best, found := 0.0, false
		for _, m := range f.GetMetric() {
			if labelOf(m, label) == value {
				best, found = max(best, valueOf(m)), true
			}
		}
		return best, found
	}
}

// soonestSecret is the days until the earliest client secret expiry.
func soonestSecret(fs map[string]*dto.MetricFamily, now time.Time) (float64, bool) {
	f, ok := fs["driveway_client_secret_expiry_timestamp_seconds"]
	if !ok || len(f.GetMetric()) == 0 {
		return 0, false
	}
	soonest := math.Inf(1)
	for _, m := range f.GetMetric() {
		soonest = min(soonest, valueOf(m))
	}
	return (soonest - float64(now.Unix())) / 86400, true
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func valueOf(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	return 0
}
