package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Outcomes of one attempt at a job, the "outcome" label of
// driveway_jobs_finished_total.
const (
	OutcomeCompleted = "completed" // Work returned nil
	OutcomeFailed    = "failed"    // Work returned an error; attempts remain
	OutcomeDiscarded = "discarded" // Work returned an error on its last attempt
	OutcomeCancelled = "cancelled" // Work returned river.JobCancel(...)
	OutcomeSnoozed   = "snoozed"   // Work returned river.JobSnooze(...)
	OutcomePanicked  = "panicked"  // Work panicked (retried like an error)
	// OutcomeInterrupted: Stop cancelled the job at its deadline; River
	// returns it to the queue without counting the attempt.
	OutcomeInterrupted = "interrupted"
)

// depthStates are the states counted on scrape: the unfinished ones, which
// River's indexes keep cheap to count.
var depthStates = []rivertype.JobState{
	rivertype.JobStateAvailable,
	rivertype.JobStateRetryable,
	rivertype.JobStateRunning,
	rivertype.JobStateScheduled,
}

// scrapeTimeout bounds the queue-depth queries of one scrape.
const scrapeTimeout = 2 * time.Second

// metrics counts the attempts worked on this node. It is fed by a worker
// middleware, which sees every attempt (unlike River's lossy event
// subscription); nothing reads it for correctness.
type metrics struct {
	finished *prometheus.CounterVec
	duration *prometheus.HistogramVec
	wait     *prometheus.HistogramVec
	running  *prometheus.GaugeVec
	depth    *prometheus.Desc
}

func newMetrics() *metrics {
	return &metrics{
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driveway_jobs_finished_total",
			Help: "Job attempts worked on this node, by kind and outcome.",
		}, []string{"kind", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "driveway_job_duration_seconds",
			Help:    "Time spent working one attempt of a job, by kind and outcome.",
			Buckets: prometheus.ExponentialBuckets(0.005, 4, 9),
		}, []string{"kind", "outcome"}),
		wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "driveway_job_queue_wait_seconds",
			Help:    "Time from a job's scheduled time to the start of its attempt, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.005, 4, 9),
		}, []string{"kind"}),
		running: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "driveway_jobs_running",
			Help: "Jobs being worked on this node now, by kind.",
		}, []string{"kind"}),
		depth: prometheus.NewDesc("driveway_jobs",
			"Unfinished jobs in the database (all nodes, all queues) by state, read on scrape.",
			[]string{"state"}, nil),
	}
}

// middleware observes each attempt around the worker.
func (m *metrics) middleware() rivertype.Middleware {
	return river.WorkerMiddlewareFunc(func(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
		start := time.Now()
		if !job.ScheduledAt.IsZero() {
			m.wait.WithLabelValues(job.Kind).Observe(max(start.Sub(job.ScheduledAt), 0).Seconds())
		}
		running := m.running.WithLabelValues(job.Kind)
		running.Inc()
		returned := false
		var err error
		defer func() {
			// Not returned means Work panicked; River recovers it above us.
			out := OutcomePanicked
			if returned {
				out = outcome(ctx, job, err)
			}
			running.Dec()
			m.finished.WithLabelValues(job.Kind, out).Inc()
			m.duration.WithLabelValues(job.Kind, out).Observe(time.Since(start).Seconds())
		}()
		err = doInner(ctx)
		returned = true
		return err
	})
}

func outcome(ctx context.Context, job *rivertype.JobRow, err error) string {
	var snooze *rivertype.JobSnoozeError
	var cancel *rivertype.JobCancelError
	switch {
	case err == nil:
		return OutcomeCompleted
	case errors.As(err, &snooze):
		return OutcomeSnoozed
	case errors.As(err, &cancel):
		return OutcomeCancelled
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return OutcomeInterrupted
	case job.Attempt >= job.MaxAttempts:
		return OutcomeDiscarded
	default:
		return OutcomeFailed
	}
}

// Collector returns the queue's Prometheus metrics: this node's attempts by
// kind and outcome (driveway_jobs_finished_total), their durations
// (driveway_job_duration_seconds), queue wait (driveway_job_queue_wait_seconds),
// jobs running now (driveway_jobs_running), and the unfinished jobs in the
// database by state (driveway_jobs, four indexed counts on each scrape).
// Register it once: reg.MustRegister(q.Collector()).
func (q *Queue) Collector() prometheus.Collector { return collector{q} }

type collector struct{ q *Queue }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	m := c.q.metrics
	m.finished.Describe(ch)
	m.duration.Describe(ch)
	m.wait.Describe(ch)
	m.running.Describe(ch)
	ch <- m.depth
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	m := c.q.metrics
	m.finished.Collect(ch)
	m.duration.Collect(ch)
	m.wait.Collect(ch)
	m.running.Collect(ch)
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	for _, state := range depthStates {
		n, err := c.q.eng.countByState(ctx, state)
		if err != nil {
			// A scrape must not fail for this: report the gap in the logs.
			c.q.cfg.Logger.WarnContext(ctx, "jobs: count jobs for metrics", "state", string(state), "error", err)
			return
		}
		ch <- prometheus.MustNewConstMetric(m.depth, prometheus.GaugeValue, float64(n), string(state))
	}
}
