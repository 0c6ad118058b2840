package credential_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/drivewayhq/driveway/credential"
)

// metricValue returns the value of the counter or the count of the
// histogram name with label=value, 0 when absent.
func metricValue(t *testing.T, m *credential.Manager, name, label, value string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m.Collector())
	mfs, err := reg.Gather()
	must(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, metric := range mf.GetMetric() {
			for _, l := range metric.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					if h := metric.GetHistogram(); h != nil {
						return float64(h.GetSampleCount())
					}
					return metric.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t))
	m := e.manager(nil)
	ctx := context.Background()
	e.expire(-time.Minute)
	_, _, err := m.AccessToken(ctx, e.project, e.cred.ID)
	must(t, err)
	e.emu.RevokeGrants(e.user.ID, "", 50173)
	e.expire(-time.Minute)
	_, _, _ = m.AccessToken(ctx, e.project, e.cred.ID)
	for _, c := range []struct {
		name, label, value string
		want               float64
	}{
		{"driveway_credential_refreshes_total", "outcome", credential.OutcomeRefreshed, 1},
		{"driveway_credential_refreshes_total", "outcome", credential.OutcomeNeedsReauth, 1},
		{"driveway_token_endpoint_seconds", "result", "ok", 1},
		{"driveway_token_endpoint_seconds", "result", "error", 1},
	} {
		if got := metricValue(t, m, c.name, c.label, c.value); got != c.want {
			t.Fatalf("%s{%s=%q} = %v, want %v", c.name, c.label, c.value, got, c.want)
		}
	}
}
