package workflow

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/sqlite"
	"github.com/drivewayhq/driveway/storetest"
)

// The engine benchmarks (issue 7, "How it will be checked"), side by side
// in one run, on SQLite and on Postgres (skipped without
// DRIVEWAY_TEST_POSTGRES_URL):
//
//	go test ./workflow -run '^$' -bench 'EngineOverhead|Drain' -benchtime 1x -timeout 30m
//
// Both the bare River jobs and the workflow steps run on a fresh worker
// queue with the same configuration (benchQueue) started after the work is
// enqueued, so that each measures draining a backlog, not inserting it.

// benchQueue is the worker queue configuration of every measurement: 20
// workers, fetches at most every 1 ms and at least every 5 ms.
var benchQueue = jobs.Config{Queues: map[string]int{river.QueueDefault: 20},
	FetchCooldown: time.Millisecond, FetchPollInterval: 5 * time.Millisecond}

// benchPool is the Postgres connection pool size: the workers, plus
// River's producer, completer and leader.
var benchPool = 30

// Sizes: steps (and bare jobs) per overhead measurement, steps per run,
// and the runs of the drain benchmark.
const (
	overheadSteps = 2000
	overheadRunN  = 5
	drainRuns     = 10000
	drainRunSteps = 2
)

// bareArgs is a bare River job doing what a no-op step does: nothing.
type bareArgs struct{ N int }

func (bareArgs) Kind() string { return "bench_bare" }

// chainArgs is a River job that commits like a step, without the engine:
// in one store transaction it enqueues the next job of its chain (Left
// more) and completes itself.
type chainArgs struct{ Left int }

func (chainArgs) Kind() string { return "bench_chain" }

// benchDB is one migrated store and how to open queues on its database.
type benchDB struct {
	name     string
	store    driveway.Store
	newQueue func(cfg jobs.Config) (*jobs.Queue, error)
}

func benchEngines(b *testing.B, fn func(b *testing.B, db *benchDB)) {
	b.Run("sqlite", func(b *testing.B) {
		s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"), testSealerB(b))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		fn(b, migrateBench(b, &benchDB{name: "sqlite", store: s, newQueue: func(cfg jobs.Config) (*jobs.Queue, error) {
			return jobs.NewSQLite(s.WriterDB(), cfg)
		}}, s.Migrate))
	})
	b.Run("postgres", func(b *testing.B) {
		url, _ := storetest.PostgresSchema(b)
		s, err := postgres.Open(b.Context(), withPool(url), testSealerB(b))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		fn(b, migrateBench(b, &benchDB{name: "postgres", store: s, newQueue: func(cfg jobs.Config) (*jobs.Queue, error) {
			return jobs.NewPostgres(s.Pool(), cfg)
		}}, s.Migrate))
	})
}

// withPool sets the Postgres pool to benchPool connections (pgxpool's
// default, max(4, CPUs), is fewer than the queue's workers).
func withPool(url string) string {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "pool_max_conns=" + strconv.Itoa(benchPool)
}

func migrateBench(b *testing.B, db *benchDB, migrate func(context.Context) error) *benchDB {
	if err := migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	q := db.inserter(b)
	if err := q.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	return db
}

// inserter is a queue that only inserts.
func (db *benchDB) inserter(b *testing.B) *jobs.Queue {
	q, err := db.newQueue(jobs.Config{InsertOnly: true, Logger: quietLoggerB(b)})
	if err != nil {
		b.Fatal(err)
	}
	return q
}

// noopRegistry has the "noop" step type.
func noopRegistry(b *testing.B) *Registry {
	reg := NewRegistry(nil, nil)
	if err := reg.Register("noop", RunnerFunc(func(context.Context, *Call) (any, error) { return nil, nil }), nil); err != nil {
		b.Fatal(err)
	}
	return reg
}

// worker is a started worker queue with the bare job and the engine
// registered; done counts bare jobs worked.
type worker struct {
	q    *jobs.Queue
	done atomic.Int64
}

func (db *benchDB) startWorker(b *testing.B) *worker {
	cfg := benchQueue
	cfg.Logger = quietLoggerB(b)
	q, err := db.newQueue(cfg)
	if err != nil {
		b.Fatal(err)
	}
	w := &worker{q: q}
	err = jobs.Register(q, river.WorkFunc(func(ctx context.Context, job *river.Job[bareArgs]) error {
		w.done.Add(1)
		return nil
	}))
	if err != nil {
		b.Fatal(err)
	}
	err = jobs.Register(q, river.WorkFunc(func(ctx context.Context, job *river.Job[chainArgs]) error {
		err := db.store.WithTx(ctx, func(tx driveway.Tx) error {
			if job.Args.Left > 1 {
				if _, err := q.InsertTx(ctx, tx, chainArgs{Left: job.Args.Left - 1}, nil); err != nil {
					return err
				}
			}
			return jobs.CompleteTx(ctx, tx, job)
		})
		if err == nil {
			w.done.Add(1)
		}
		return err
	}))
	if err != nil {
		b.Fatal(err)
	}
	e, err := New(Config{Store: db.store, Queue: q, Registry: noopRegistry(b), Logger: quietLoggerB(b),
		ProjectConcurrency: 1 << 20, UserConcurrency: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	if err := e.Register(); err != nil {
		b.Fatal(err)
	}
	if err := q.Start(b.Context()); err != nil {
		b.Fatal(err)
	}
	return w
}

func (w *worker) stop(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.q.Stop(ctx); err != nil {
		b.Fatalf("stop queue: %v", err)
	}
}

// starter is an engine on an insert-only queue, to enqueue runs.
func (db *benchDB) starter(b *testing.B) *Engine {
	e, err := New(Config{Store: db.store, Queue: db.inserter(b), Registry: noopRegistry(b), Logger: quietLoggerB(b)})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// noopWorkflow creates project pid with a workflow of n no-op steps.
func noopWorkflow(b *testing.B, db *benchDB, e *Engine, pid string, n int) {
	noopWorkflowOf(b, db, e, pid, n, "")
}

// noopWorkflowOf is noopWorkflow with extra (JSON members) in every step.
func noopWorkflowOf(b *testing.B, db *benchDB, e *Engine, pid string, n int, extra string) {
	if err := db.store.CreateProject(b.Context(), &driveway.Project{ID: pid, Name: pid}); err != nil {
		b.Fatal(err)
	}
	var st []string
	for i := range n {
		st = append(st, fmt.Sprintf(`{"id": "s%d", "type": "noop"%s}`, i, extra))
	}
	def := `{"id": "noop", "name": "N", "trigger": {"type": "request"}, "steps": [` + strings.Join(st, ",") + `]}`
	if _, err := e.SaveWorkflow(b.Context(), pid, []byte(def)); err != nil {
		b.Fatal(err)
	}
}

// startRuns enqueues n runs of the project's "noop" workflow.
func startRuns(b *testing.B, e *Engine, pid string, n int) {
	for i := range n {
		_, err := e.StartRun(b.Context(), StartParams{ProjectID: pid, WorkflowID: "noop", UserID: fmt.Sprint("u", i%100)})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// waitSucceeded polls until want runs of the project succeeded, calling
// each (if set) with the count at every poll.
func waitSucceeded(b *testing.B, s driveway.Store, pid string, want int, within time.Duration, each func(n int)) {
	deadline := time.Now().Add(within)
	for {
		n, err := s.CountRuns(b.Context(), pid, "", driveway.RunSucceeded)
		if err != nil {
			b.Fatal(err)
		}
		if each != nil {
			each(n)
		}
		if n >= want {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d runs succeeded after %s", n, want, within)
		}
		time.Sleep(5 * time.Millisecond) // poll interval
	}
}

// BenchmarkEngineOverhead drains, on each engine and each on a fresh
// worker queue of the same configuration: 2,000 bare no-op River jobs
// (River completes them in batches); 400 chains of 5 River jobs that each
// enqueue the next and complete themselves in one store transaction (a
// reference, not a floor: steps leave completion to River's batched
// completer after their commit); 400 runs of 5 no-op steps (which chain:
// the run's job runs them all); and 400 runs of 5 no-op steps with a retry
// policy (they chain too; only a failed attempt hands its retries over to
// a job of their own). It reports the time per job and per step, steps per
// second, and the steps' ratio to both baselines (target against the bare
// job: at most 3).
func BenchmarkEngineOverhead(b *testing.B) {
	benchEngines(b, func(b *testing.B, db *benchDB) {
		starter, ins := db.starter(b), db.inserter(b)
		var bare, chain, steps, jobSteps time.Duration
		for i := 0; i < b.N; i++ {
			bare += drainJobs(b, db, ins, func(j int) river.JobArgs { return bareArgs{N: j} }, overheadSteps)
			chain += drainJobs(b, db, ins, func(int) river.JobArgs { return chainArgs{Left: overheadRunN} }, overheadSteps/overheadRunN)
			steps += drainSteps(b, db, starter, fmt.Sprintf("prj_over%d", i), "")
			jobSteps += drainSteps(b, db, starter, fmt.Sprintf("prj_retry%d", i), `, "retry": {"attempts": 2}`)
		}
		per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N*overheadSteps) }
		perJob, perChain, perStep, perJobStep := per(bare), per(chain), per(steps), per(jobSteps)
		b.ReportMetric(perJob, "ns/bare-job")
		b.ReportMetric(perChain, "ns/tx-job")
		b.ReportMetric(perStep, "ns/step")
		b.ReportMetric(1e9/perStep, "steps/s")
		b.ReportMetric(1e9/perJob, "bare-jobs/s")
		b.ReportMetric(perStep/perJob, "step/bare-ratio")
		b.ReportMetric(perStep/perChain, "step/tx-job-ratio")
		b.ReportMetric(perJobStep, "ns/retry-policy-step")
		b.ReportMetric(perJobStep/perJob, "retry-policy-step/bare-ratio")
		b.ReportMetric(0, "ns/op")
	})
}

// drainJobs enqueues n jobs made by args and times the draining of
// overheadSteps jobs (chains enqueue the rest).
func drainJobs(b *testing.B, db *benchDB, ins *jobs.Queue, args func(j int) river.JobArgs, n int) time.Duration {
	for j := range n {
		if _, err := ins.Insert(b.Context(), args(j), nil); err != nil {
			b.Fatal(err)
		}
	}
	began := time.Now()
	w := db.startWorker(b)
	deadline := time.Now().Add(5 * time.Minute)
	for w.done.Load() < overheadSteps {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d jobs done after 5 minutes", w.done.Load(), overheadSteps)
		}
		time.Sleep(5 * time.Millisecond) // poll interval, as waitSucceeded
	}
	took := time.Since(began)
	w.stop(b)
	return took
}

// drainSteps enqueues overheadSteps/overheadRunN runs in a new project
// (with extra in every step) and times their draining.
func drainSteps(b *testing.B, db *benchDB, starter *Engine, pid, extra string) time.Duration {
	noopWorkflowOf(b, db, starter, pid, overheadRunN, extra)
	runs := overheadSteps / overheadRunN
	startRuns(b, starter, pid, runs)
	began := time.Now()
	w := db.startWorker(b)
	waitSucceeded(b, db.store, pid, runs, 5*time.Minute, nil)
	took := time.Since(began)
	w.stop(b)
	return took
}

// BenchmarkDrain enqueues 10,000 runs of 2 no-op steps, then drains them,
// and reports the live heap (after a GC) and the process's RSS when the
// worker starts, at half, and at the end, and the highest live heap seen
// while draining (sampled every 5% of the runs).
func BenchmarkDrain(b *testing.B) {
	benchEngines(b, func(b *testing.B, db *benchDB) {
		starter := db.starter(b)
		for i := 0; i < b.N; i++ {
			pid := fmt.Sprintf("prj_drain%d", i)
			noopWorkflow(b, db, starter, pid, drainRunSteps)
			startRuns(b, starter, pid, drainRuns)
			start := sampleMem()
			began := time.Now()
			w := db.startWorker(b)
			var middle memSample
			peak, next := start, drainRuns/20
			waitSucceeded(b, db.store, pid, drainRuns, 20*time.Minute, func(n int) {
				if n < next {
					return
				}
				m := sampleMem()
				peak.heap, peak.rss = max(peak.heap, m.heap), max(peak.rss, m.rss)
				if middle.heap == 0 && n >= drainRuns/2 {
					middle = m
				}
				next = n + drainRuns/20
			})
			took := time.Since(began)
			w.stop(b)
			end := sampleMem()
			mib := func(v uint64) float64 { return float64(v) / (1 << 20) }
			b.ReportMetric(mib(start.heap), "heap-start-MiB")
			b.ReportMetric(mib(middle.heap), "heap-mid-MiB")
			b.ReportMetric(mib(end.heap), "heap-end-MiB")
			b.ReportMetric(mib(peak.heap), "heap-peak-MiB")
			b.ReportMetric(mib(start.rss), "rss-start-MiB")
			b.ReportMetric(mib(middle.rss), "rss-mid-MiB")
			b.ReportMetric(mib(end.rss), "rss-end-MiB")
			b.ReportMetric(float64(drainRuns*drainRunSteps)/took.Seconds(), "steps/s")
			b.ReportMetric(0, "ns/op")
		}
	})
}

// memSample is the live heap after a GC and the resident set size.
type memSample struct{ heap, rss uint64 }

func sampleMem() memSample {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memSample{heap: ms.HeapAlloc, rss: rss()}
}

// rss reads VmRSS from /proc/self/status (0 where there is none).
func rss() uint64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
