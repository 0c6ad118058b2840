package signals

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestSamplesCountersAsIncreasesAndGaugesAsValues(t *testing.T) {
	reg := prometheus.NewRegistry()
	dead := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "driveway_webhook_deliveries_total", Help: "h"}, []string{"outcome"})
	expiry := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "driveway_client_secret_expiry_timestamp_seconds", Help: "h"}, []string{"project"})
	reg.MustRegister(dead, expiry)
	r := New(reg, time.Minute)
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	expiry.WithLabelValues("a").Set(float64(t0.Add(40 * 24 * time.Hour).Unix()))
	expiry.WithLabelValues("b").Set(float64(t0.Add(10 * 24 * time.Hour).Unix()))
	dead.WithLabelValues("dead").Add(2)
	dead.WithLabelValues("delivered").Add(50)
	r.Sample(t0)
	dead.WithLabelValues("dead").Add(5)
	r.Sample(t0.Add(time.Hour))
	got := map[string][]Point{}
	for _, s := range r.Signals() {
		got[s.Key] = s.Points
	}
	if ps := got["dead"]; len(ps) != 2 || ps[0].Value != 2 || ps[1].Value != 5 {
		t.Fatalf("dead letters %v, want 2 then 5 (the increase)", ps)
	}
	if ps := got["secret"]; len(ps) != 2 || ps[0].Value != 10 {
		t.Fatalf("secret days %v, want the soonest (10) first", ps)
	}
	if len(got["throttled"]) != 0 || len(got["backlog"]) != 0 {
		t.Fatal("a metric with no series drew points")
	}
	r.Sample(t0.Add(Window + 30*time.Minute))
	for _, s := range r.Signals() {
		if s.Key == "dead" && (len(s.Points) != 2 || !s.Points[0].At.Equal(t0.Add(time.Hour))) {
			t.Fatalf("after a day the first sample should be gone: %v", s.Points)
		}
	}
}

func TestACounterResetCountsFromZero(t *testing.T) {
	r := New(prometheus.NewRegistry(), time.Minute)
	r.increase("k", 10)
	if v := r.increase("k", 3); v != 3 {
		t.Fatalf("after a reset to 3 the increase is %v, want 3", v)
	}
}
