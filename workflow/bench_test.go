package workflow

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/sqlite"
)

// noopArgs is a bare River job doing what a no-op step does: nothing.
type noopArgs struct{ N int }

func (noopArgs) Kind() string { return "bench_noop" }

const benchSteps = 5

// BenchmarkStepOverhead compares, on SQLite, the throughput of bare River
// jobs that do nothing with no-op workflow steps (runs of 5 steps, all
// enqueued at once: per step, the run read, a step run recorded, its
// result and the next job committed in one transaction). Reports ns/step;
// run with -benchtime=500x.
func BenchmarkStepOverhead(b *testing.B) {
	b.Run("bare-river-job", func(b *testing.B) {
		s, q := benchStore(b)
		done := make(chan struct{}, 1024)
		if err := jobs.Register(q, river.WorkFunc(func(ctx context.Context, job *river.Job[noopArgs]) error {
			done <- struct{}{}
			return nil
		})); err != nil {
			b.Fatal(err)
		}
		startBench(b, q)
		_ = s
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := q.Insert(b.Context(), noopArgs{N: i}, nil); err != nil {
				b.Fatal(err)
			}
		}
		for i := 0; i < b.N; i++ {
			<-done
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/step")
	})
	b.Run("workflow-step", func(b *testing.B) {
		s, q := benchStore(b)
		reg := NewRegistry(nil, nil)
		reg.Register("noop", RunnerFunc(func(context.Context, *Call) (any, error) { return nil, nil }), nil)
		e, err := New(Config{Store: s, Queue: q, Registry: reg, Logger: quietLoggerB(b)})
		if err != nil {
			b.Fatal(err)
		}
		if err := e.Register(); err != nil {
			b.Fatal(err)
		}
		if err := s.CreateProject(b.Context(), &driveway.Project{ID: "prj_b", Name: "b"}); err != nil {
			b.Fatal(err)
		}
		var st []string
		for i := range benchSteps {
			st = append(st, fmt.Sprintf(`{"id": "s%d", "type": "noop"}`, i))
		}
		if _, err := e.SaveWorkflow(b.Context(), "prj_b", []byte(`{"id": "noop", "name": "N", "trigger": {"type": "request"},
			"steps": [`+strings.Join(st, ",")+`]}`)); err != nil {
			b.Fatal(err)
		}
		startBench(b, q)
		runs := (b.N + benchSteps - 1) / benchSteps
		b.ResetTimer()
		var ids []string
		for i := 0; i < runs; i++ {
			run, err := e.StartRun(b.Context(), StartParams{ProjectID: "prj_b", WorkflowID: "noop", UserID: fmt.Sprint("u", i)})
			if err != nil {
				b.Fatal(err)
			}
			ids = append(ids, run.ID)
		}
		for _, id := range ids {
			ctx, cancel := context.WithTimeout(b.Context(), 5*time.Minute)
			if _, err := e.Wait(ctx, "prj_b", id, (*driveway.WorkflowRun).Finished); err != nil {
				b.Fatal(err)
			}
			cancel()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(runs*benchSteps), "ns/step")
	})
}

func benchStore(b *testing.B) (*sqlite.Store, *jobs.Queue) {
	s, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"), testSealerB(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	q, err := jobs.NewSQLite(s.WriterDB(), jobs.Config{FastPoll: true, Logger: quietLoggerB(b)})
	if err != nil {
		b.Fatal(err)
	}
	if err := q.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	return s, q
}

func startBench(b *testing.B, q *jobs.Queue) {
	if err := q.Start(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
}
