package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/drivewayhq/driveway"
)

// recorder is a worker that reports every job it works on a channel.
func recorder(ch chan<- *river.Job[noteArgs]) river.Worker[noteArgs] {
	return river.WorkFunc(func(ctx context.Context, job *river.Job[noteArgs]) error {
		ch <- job
		return nil
	})
}

func TestInsertTxAppearsOnlyOnCommit(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, env *testEnv) {
		q := migrated(t, env, testConfig(t))
		worked := make(chan *river.Job[noteArgs], 10)
		if err := Register(q, recorder(worked)); err != nil {
			t.Fatalf("Register: %v", err)
		}

		tx, _, rollback := env.begin(t)
		rolled, err := q.insertDriverTx(t.Context(), tx, noteArgs{Note: "rolled back"}, nil)
		if err != nil {
			t.Fatalf("insert in tx: %v", err)
		}
		if err := rollback(); err != nil {
			t.Fatalf("rollback: %v", err)
		}
		if got := env.state(t, rolled.Job.ID); got != "" {
			t.Fatalf("rolled-back job state = %q, want no job", got)
		}

		tx, commit, _ := env.begin(t)
		kept, err := q.insertDriverTx(t.Context(), tx, noteArgs{Note: "committed"}, nil)
		if err != nil {
			t.Fatalf("insert in tx: %v", err)
		}
		if err := commit(); err != nil {
			t.Fatalf("commit: %v", err)
		}
		if got, want := env.state(t, kept.Job.ID), "available"; got != want {
			t.Fatalf("committed job state = %q, want %q", got, want)
		}

		start(t, q)
		job := receive(t, "the committed job", worked, 10*time.Second)
		if job.Args.Note != "committed" {
			t.Fatalf("worked job note = %q, want %q", job.Args.Note, "committed")
		}
		waitFor(t, "the job to complete", 10*time.Second, func() bool {
			return env.state(t, kept.Job.ID) == "completed"
		})
		select {
		case job := <-worked:
			t.Fatalf("worked a second job %q", job.Args.Note)
		default:
		}
	})
}

func TestInsertTxRejectsOtherTransactions(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, env *testEnv) {
		q := migrated(t, env, Config{InsertOnly: true, Logger: testLogger(t)})
		other := sqliteEnv(t)
		if env.name == "sqlite" {
			other = postgresEnv(t)
		}
		tx, _, rollback := other.begin(t)
		defer rollback()
		_, err := q.insertDriverTx(t.Context(), tx, noteArgs{}, nil)
		if err == nil || !strings.Contains(err.Error(), "queue is on "+env.name) {
			t.Fatalf("insert in a %s transaction: err = %v, want one naming the engine", other.name, err)
		}
		if _, err := q.InsertTx(t.Context(), nil, noteArgs{}, nil); err == nil {
			t.Fatalf("InsertTx with a nil tx: err = nil, want an error")
		}
	})
}

func TestWorkerRunsJobs(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, env *testEnv) {
		q := migrated(t, env, testConfig(t))
		worked := make(chan *river.Job[noteArgs], 10)
		if err := Register(q, recorder(worked)); err != nil {
			t.Fatalf("Register: %v", err)
		}
		if err := Register(q, recorder(worked)); err == nil {
			t.Fatalf("Register of the same kind twice: err = nil, want an error")
		}
		start(t, q)
		if err := Register(q, recorder(worked)); err == nil {
			t.Fatalf("Register after Start: err = nil, want an error")
		}
		want := map[string]bool{"a": true, "b": true, "c": true}
		for note := range want {
			if _, err := q.Insert(t.Context(), noteArgs{Note: note}, nil); err != nil {
				t.Fatalf("Insert: %v", err)
			}
		}
		got := map[string]bool{}
		for range want {
			got[receive(t, "a job", worked, 10*time.Second).Args.Note] = true
		}
		if len(got) != len(want) {
			t.Fatalf("worked notes %v, want %v", got, want)
		}
	})
}

func TestPeriodicJobFires(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, env *testEnv) {
		q := migrated(t, env, testConfig(t))
		worked := make(chan *river.Job[noteArgs], 10)
		if err := Register(q, recorder(worked)); err != nil {
			t.Fatalf("Register: %v", err)
		}
		err := q.AddPeriodic(river.PeriodicInterval(time.Second), func() (river.JobArgs, *river.InsertOpts) {
			return noteArgs{Note: "tick"}, nil
		}, &river.PeriodicJobOpts{ID: "test_tick"})
		if err != nil {
			t.Fatalf("AddPeriodic: %v", err)
		}
		start(t, q)
		for i := range 2 {
			job := receive(t, "a periodic job", worked, 20*time.Second)
			if job.Args.Note != "tick" {
				t.Fatalf("periodic job %d note = %q, want %q", i, job.Args.Note, "tick")
			}
		}
	})
}

// TestStuckJobIsRescued plants jobs left running by a crashed node: the
// one attempted longer ago than the default rescue window (5 minutes, where
// River's default is an hour) runs again; the recent one stays running.
func TestStuckJobIsRescued(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, env *testEnv) {
		q := migrated(t, env, testConfig(t))
		worked := make(chan *river.Job[noteArgs], 10)
		if err := Register(q, recorder(worked)); err != nil {
			t.Fatalf("Register: %v", err)
		}
		now := time.Now()
		plant := func(note string, attemptedAt time.Time) *rivertype.JobRow {
			return plantJob(t, q, &riverdriver.JobInsertFullParams{
				Attempt:     1,
				AttemptedAt: &attemptedAt,
				AttemptedBy: []string{"crashed-node"},
				EncodedArgs: []byte(`{"note":"` + note + `"}`),
				Kind:        noteArgs{}.Kind(),
				ScheduledAt: &attemptedAt,
				State:       rivertype.JobStateRunning,
			})
		}
		stale := plant("stale", now.Add(-10*time.Minute))
		recent := plant("recent", now.Add(-time.Minute))

		start(t, q)
		job := receive(t, "the rescued job", worked, 30*time.Second)
		if job.ID != stale.ID || job.Attempt != 2 {
			t.Fatalf("worked job %d (%q) attempt %d, want job %d attempt 2", job.ID, job.Args.Note, job.Attempt, stale.ID)
		}
		waitFor(t, "the rescued job to complete", 10*time.Second, func() bool {
			return env.state(t, stale.ID) == "completed"
		})
		if got := env.state(t, recent.ID); got != "running" {
			t.Fatalf("recent job state = %q, want running (inside the rescue window)", got)
		}
	})
}

// blocker is a worker that signals when it starts and then runs until
// release is closed or its context ends.
type blocker struct {
	river.WorkerDefaults[noteArgs]
	started chan struct{}
	release chan struct{}
	ctxErr  chan error // the job context's error when Work returned
	// workAfterRelease is simulated work done after release.
	workAfterRelease time.Duration
}

func newBlocker() *blocker {
	return &blocker{started: make(chan struct{}, 1), release: make(chan struct{}), ctxErr: make(chan error, 1)}
}

func (b *blocker) Work(ctx context.Context, job *river.Job[noteArgs]) error {
	b.started <- struct{}{}
	select {
	case <-b.release:
		time.Sleep(b.workAfterRelease) // simulated work, not a wait
	case <-ctx.Done():
	}
	b.ctxErr <- ctx.Err()
	return ctx.Err()
}

func TestStopWaitsForRunningJob(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, env *testEnv) {
		q := migrated(t, env, testConfig(t))
		b := newBlocker()
		if err := Register(q, river.Worker[noteArgs](b)); err != nil {
			t.Fatalf("Register: %v", err)
		}
		if err := q.Start(t.Context()); err != nil {
			t.Fatalf("Start: %v", err)
		}
		res, err := q.Insert(t.Context(), noteArgs{Note: "long"}, nil)
		if err != nil {
			t.Fatalf("Insert: %v", err)
		}
		receive(t, "the job to start", b.started, 10*time.Second)

		// The job goes on working for a while after Stop is called; Stop
		// must wait for it rather than return or cancel it.
		b.workAfterRelease = 300 * time.Millisecond
		close(b.release)
		stopped := make(chan error, 1)
		go func() { stopped <- q.Stop(context.Background()) }()
		if err := receive(t, "Stop", stopped, 10*time.Second); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		if err := receive(t, "the job's end", b.ctxErr, time.Second); err != nil {
			t.Fatalf("job context ended with %v, want it never cancelled", err)
		}
		if got := env.state(t, res.Job.ID); got != "completed" {
			t.Fatalf("job state after Stop = %q, want completed", got)
		}
	})
}

func TestStopCancelsJobsAtDeadline(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, env *testEnv) {
		q := migrated(t, env, testConfig(t))
		b := newBlocker()
		if err := Register(q, river.Worker[noteArgs](b)); err != nil {
			t.Fatalf("Register: %v", err)
		}
		if err := q.Start(t.Context()); err != nil {
			t.Fatalf("Start: %v", err)
		}
		res, err := q.Insert(t.Context(), noteArgs{Note: "stubborn"}, nil)
		if err != nil {
			t.Fatalf("Insert: %v", err)
		}
		receive(t, "the job to start", b.started, 10*time.Second)

		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		err = q.Stop(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Stop past its deadline: err = %v, want DeadlineExceeded", err)
		}
		if err := receive(t, "the job's end", b.ctxErr, time.Second); err == nil {
			t.Fatalf("job context not cancelled by Stop at its deadline")
		}
		// River returns a job interrupted by a stop to the queue.
		if got := env.state(t, res.Job.ID); got != "available" {
			t.Fatalf("cancelled job state = %q, want available", got)
		}
	})
}

func TestInsertOnlyQueue(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, env *testEnv) {
		q := migrated(t, env, Config{InsertOnly: true, Logger: testLogger(t)})
		res, err := q.Insert(t.Context(), noteArgs{Note: "from the CLI"}, nil)
		if err != nil {
			t.Fatalf("Insert without a registered worker: %v", err)
		}
		if got := env.state(t, res.Job.ID); got != "available" {
			t.Fatalf("job state = %q, want available", got)
		}
		if err := Register(q, recorder(nil)); err == nil {
			t.Fatalf("Register on an insert-only queue: err = nil, want an error")
		}
		if err := q.Start(t.Context()); err == nil {
			t.Fatalf("Start of an insert-only queue: err = nil, want an error")
		}
		if err := q.Stop(t.Context()); err != nil {
			t.Fatalf("Stop of a queue never started: %v", err)
		}
	})
}

func TestMigrateAndPing(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, env *testEnv) {
		q := env.open(t, testConfig(t))
		if err := q.Ping(t.Context()); err == nil {
			t.Fatalf("Ping before Migrate: err = nil, want an error")
		}
		other := env.open(t, testConfig(t))
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, q := range []*Queue{q, other} {
			wg.Go(func() { errs[i] = q.Migrate(t.Context()) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("concurrent Migrate %d: %v", i, err)
			}
		}
		if err := q.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate again: %v", err)
		}
		if err := q.Ping(t.Context()); err != nil {
			t.Fatalf("Ping after Migrate: %v", err)
		}
	})
}

func TestConfig(t *testing.T) {
	t.Parallel()
	d := Config{}.WithDefaults()
	if d.RescueStuckJobsAfter != 5*time.Minute || d.JobTimeout != time.Minute || d.Queues[river.QueueDefault] != 10 {
		t.Fatalf("defaults = rescue %s, timeout %s, queues %v; want 5m, 1m, default:10",
			d.RescueStuckJobsAfter, d.JobTimeout, d.Queues)
	}
	if err := (Config{}).Validate(); err != nil {
		t.Fatalf("zero Config: %v", err)
	}
	for _, tc := range []struct {
		cfg   Config
		field string
	}{
		{Config{Queues: map[string]int{"default": 0}}, "Queues"},
		{Config{Queues: map[string]int{"": 1}}, "Queues"},
		{Config{JobTimeout: 10 * time.Minute}, "RescueStuckJobsAfter"},
		{Config{JobTimeout: -time.Second}, "JobTimeout"},
		{Config{FetchCooldown: -time.Second}, "FetchCooldown"},
		{Config{FetchCooldown: time.Second, FetchPollInterval: time.Millisecond}, "FetchPollInterval"},
		{Config{MaxAttempts: -1}, "MaxAttempts"},
	} {
		var e *driveway.Error
		err := tc.cfg.Validate()
		if !errors.As(err, &e) || e.Code != driveway.EINVALID || e.Field != tc.field {
			t.Errorf("Validate(%+v) = %v, want EINVALID naming %s", tc.cfg, err, tc.field)
		}
	}
}

// TestTwoNodesShareWork runs two queues on one Postgres database, as two
// nodes would: every job runs exactly once.
func TestTwoNodesShareWork(t *testing.T) {
	t.Parallel()
	env := postgresEnv(t)
	const n = 40
	var mu sync.Mutex
	runs := map[int64]int{}
	all := make(chan struct{})
	for range 2 {
		q := migrated(t, env, testConfig(t))
		err := Register(q, river.WorkFunc(func(ctx context.Context, job *river.Job[noteArgs]) error {
			mu.Lock()
			defer mu.Unlock()
			runs[job.ID]++
			if len(runs) == n && runs[job.ID] == 1 {
				close(all)
			}
			return nil
		}))
		if err != nil {
			t.Fatalf("Register: %v", err)
		}
		start(t, q)
		for i := range n / 2 { // half the jobs through each node
			if _, err := q.Insert(t.Context(), noteArgs{Note: fmt.Sprint(i)}, nil); err != nil {
				t.Fatalf("Insert: %v", err)
			}
		}
	}
	receive(t, "every job to run", all, 30*time.Second)
	// Let any duplicate surface: wait until the database says every job
	// completed, then count.
	waitFor(t, "every job completed", 10*time.Second, func() bool {
		mu.Lock()
		ids := make([]int64, 0, len(runs))
		for id := range runs {
			ids = append(ids, id)
		}
		mu.Unlock()
		for _, id := range ids {
			if env.state(t, id) != "completed" {
				return false
			}
		}
		return true
	})
	mu.Lock()
	defer mu.Unlock()
	for id, k := range runs {
		if k != 1 {
			t.Errorf("job %d ran %d times, want once", id, k)
		}
	}
}
