package jobs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
)

// verdictArgs are jobs whose worker returns what the job asks for.
type verdictArgs struct {
	Verdict string `json:"verdict"`
}

func (verdictArgs) Kind() string { return "test_verdict" }

// verdictWorker reports each verdict on done; it retries in an hour, so
// that no retry runs during the test.
type verdictWorker struct {
	river.WorkerDefaults[verdictArgs]
	done chan<- string
}

func (w *verdictWorker) NextRetry(*river.Job[verdictArgs]) time.Time {
	return time.Now().Add(time.Hour)
}

func (w *verdictWorker) Work(ctx context.Context, job *river.Job[verdictArgs]) error {
	defer func() { w.done <- job.Args.Verdict }()
	switch job.Args.Verdict {
	case "fail":
		return errors.New("asked to fail")
	case "cancel":
		return river.JobCancel(errors.New("asked to cancel"))
	case "snooze":
		return river.JobSnooze(time.Hour)
	case "panic":
		panic("asked to panic")
	}
	return nil
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, env *testEnv) {
		q := migrated(t, env, testConfig(t))
		done := make(chan string, 10)
		if err := Register(q, river.Worker[verdictArgs](&verdictWorker{done: done})); err != nil {
			t.Fatalf("Register: %v", err)
		}
		reg := prometheus.NewPedanticRegistry()
		if err := reg.Register(q.Collector()); err != nil {
			t.Fatalf("register collector: %v", err)
		}
		later := time.Now().Add(time.Hour)
		if _, err := q.Insert(t.Context(), verdictArgs{Verdict: "later"}, &river.InsertOpts{ScheduledAt: later}); err != nil {
			t.Fatalf("Insert: %v", err)
		}

		start(t, q)
		verdicts := []string{"ok", "ok", "fail", "cancel", "snooze", "panic"}
		for _, v := range verdicts {
			if _, err := q.Insert(t.Context(), verdictArgs{Verdict: v}, nil); err != nil {
				t.Fatalf("Insert: %v", err)
			}
		}
		lastTry := &river.InsertOpts{MaxAttempts: 1}
		if _, err := q.Insert(t.Context(), verdictArgs{Verdict: "fail"}, lastTry); err != nil {
			t.Fatalf("Insert: %v", err)
		}
		for range len(verdicts) + 1 {
			receive(t, "a job to finish", done, 10*time.Second)
		}
		want := map[string]float64{
			`driveway_jobs_finished_total{kind="test_verdict",outcome="completed"}`:        2,
			`driveway_jobs_finished_total{kind="test_verdict",outcome="failed"}`:           1,
			`driveway_jobs_finished_total{kind="test_verdict",outcome="discarded"}`:        1,
			`driveway_jobs_finished_total{kind="test_verdict",outcome="cancelled"}`:        1,
			`driveway_jobs_finished_total{kind="test_verdict",outcome="snoozed"}`:          1,
			`driveway_jobs_finished_total{kind="test_verdict",outcome="panicked"}`:         1,
			`driveway_job_duration_seconds_count{kind="test_verdict",outcome="completed"}`: 2,
			`driveway_job_queue_wait_seconds_count{kind="test_verdict"}`:                   7,
			`driveway_jobs_running{kind="test_verdict"}`:                                   0,
			// The failed and panicked jobs wait an hour for their retry; the
			// snoozed one and the one inserted for later are scheduled.
			`driveway_jobs{state="retryable"}`: 2,
			`driveway_jobs{state="scheduled"}`: 2,
			`driveway_jobs{state="running"}`:   0,
			`driveway_jobs{state="available"}`: 0,
		}
		// The middleware counts an attempt as Work returns and River records
		// the job's state a little later: poll until both settle.
		var diff string
		deadline := time.Now().Add(10 * time.Second)
		for {
			got := gather(t, reg)
			pick := map[string]float64{}
			for name := range want {
				pick[name] = got[name]
			}
			diff = cmp.Diff(want, pick)
			if diff == "" {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("metrics (-want +got):\n%s", diff)
			}
			time.Sleep(10 * time.Millisecond) // poll interval
		}
	})
}

// gather returns every sample of reg by name and labels, for counters,
// gauges and histogram counts.
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			labels := ""
			for i, l := range m.GetLabel() {
				if i > 0 {
					labels += ","
				}
				labels += l.GetName() + `="` + l.GetValue() + `"`
			}
			switch {
			case m.GetCounter() != nil:
				out[f.GetName()+"{"+labels+"}"] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				out[f.GetName()+"{"+labels+"}"] = m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				out[f.GetName()+"_count{"+labels+"}"] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}
