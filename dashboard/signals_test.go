package dashboard_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/drivewayhq/driveway/dashboard"
	"github.com/drivewayhq/driveway/internal/signals"
)

// TestHomeChartsTheAlertSignals: the home page draws the recorder's last
// 24 hours of the alerts' metrics (no script: an SVG polyline each), and
// says plainly when a signal has no data yet.
func TestHomeChartsTheAlertSignals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	reg := prometheus.NewRegistry()
	graph := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "driveway_graph_responses_total", Help: "h"}, []string{"status"})
	reg.MustRegister(graph)
	rec := signals.New(reg, 5*time.Minute)
	now := b.clock.Now()
	for i, n := range []float64{0, 3, 0, 7} { // 429s per interval
		graph.WithLabelValues("429").Add(n)
		graph.WithLabelValues("2xx").Add(100)
		rec.Sample(now.Add(time.Duration(i-3) * 5 * time.Minute))
	}
	b.srv = b.serve(testPassword, parseRing(t, b.keySpec), func(o *dashboard.Options) { o.Signals = rec })
	b.login()
	resp, body := b.get("/dashboard/")
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, "Graph throttling answers (429, 503)")
	wantContains(t, body, "now <strong>7</strong> per interval · peak 7 · 4 samples")
	pts := regexp.MustCompile(`<polyline points="([^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(pts) != 1 || len(strings.Fields(pts[0][1])) != 4 {
		t.Fatalf("want one polyline of 4 points (only the throttling signal has data), got %q", pts)
	}
	if strings.Count(body, "No data yet.") != 4 {
		t.Fatalf("the four signals without a metric should say so:\n%s", body)
	}
	if strings.Contains(body, "<script>") {
		t.Fatal("an inline script on the home page")
	}
}
