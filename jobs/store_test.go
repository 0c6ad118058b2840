package jobs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/internal/testdb"
)

// storeEnv is a real store with a queue on the same database.
type storeEnv struct {
	store driveway.Store
	queue *Queue
	// state returns a job's state, "" when it does not exist.
	state func(t *testing.T, id int64) string
}

func testSealer(t *testing.T) driveway.Sealer {
	t.Helper()
	return testdb.Keyring(t)
}

// storeEngines runs fn as a parallel subtest on each engine's store.
func storeEngines(t *testing.T, cfg Config, fn func(t *testing.T, env *storeEnv)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, sqliteStoreEnv(t, cfg))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, postgresStoreEnv(t, cfg))
	})
}

func sqliteStoreEnv(t *testing.T, cfg Config) *storeEnv {
	t.Helper()
	s := testdb.SQLite(t)
	q, err := NewSQLite(s.WriterDB(), cfg)
	if err != nil {
		t.Fatalf("NewSQLite: %v", err)
	}
	if err := q.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	db := s.WriterDB()
	return &storeEnv{store: s, queue: q, state: func(t *testing.T, id int64) string {
		return queryState(t, db.QueryRowContext(t.Context(), "SELECT state FROM river_job WHERE id = ?", id))
	}}
}

// projectArgs is a job about a project, enqueued with the project's write.
type projectArgs struct {
	ProjectID string `json:"projectId"`
	// Rollback asks the completer to roll its transaction back.
	Rollback bool `json:"rollback,omitempty"`
}

func (projectArgs) Kind() string { return "test_project" }

// TestJobCommitsWithStoreWrite writes a project and inserts a job about it
// in one store transaction: both exist after a commit, neither after a
// rollback; the worker then reads and writes the store while River shares
// its database (on SQLite, its one writer connection).
func TestJobCommitsWithStoreWrite(t *testing.T) {
	t.Parallel()
	storeEngines(t, testConfig(t), func(t *testing.T, env *storeEnv) {
		ctx := t.Context()
		s, q := env.store, env.queue
		renamed := make(chan string, 10)
		err := Register(q, river.WorkFunc(func(ctx context.Context, job *river.Job[projectArgs]) error {
			p, err := s.GetProject(ctx, job.Args.ProjectID)
			if err != nil {
				return err
			}
			p.Name += " (seen)"
			if err := s.WithTx(ctx, func(tx driveway.Tx) error { return tx.UpdateProject(ctx, p) }); err != nil {
				return err
			}
			renamed <- p.ID
			return nil
		}))
		if err != nil {
			t.Fatalf("Register: %v", err)
		}

		var rolledBackJob int64
		errAbort := errors.New("abort")
		err = s.WithTx(ctx, func(tx driveway.Tx) error {
			if err := tx.CreateProject(ctx, &driveway.Project{ID: "prj_rolledback", Name: "Gone"}); err != nil {
				return err
			}
			res, err := q.InsertTx(ctx, tx, projectArgs{ProjectID: "prj_rolledback"}, nil)
			if err != nil {
				return err
			}
			rolledBackJob = res.Job.ID
			return errAbort
		})
		if !errors.Is(err, errAbort) {
			t.Fatalf("WithTx = %v, want the abort", err)
		}
		if _, err := s.GetProject(ctx, "prj_rolledback"); driveway.ErrorCode(err) != driveway.ENOTFOUND {
			t.Fatalf("rolled-back project: err = %v, want ENOTFOUND", err)
		}
		if got := env.state(t, rolledBackJob); got != "" {
			t.Fatalf("rolled-back job state = %q, want no job", got)
		}

		var committedJob int64
		err = s.WithTx(ctx, func(tx driveway.Tx) error {
			if err := tx.CreateProject(ctx, &driveway.Project{ID: "prj_kept", Name: "Kept"}); err != nil {
				return err
			}
			res, err := q.InsertTx(ctx, tx, projectArgs{ProjectID: "prj_kept"}, nil)
			if err != nil {
				return err
			}
			committedJob = res.Job.ID
			return nil
		})
		if err != nil {
			t.Fatalf("WithTx: %v", err)
		}
		if got := env.state(t, committedJob); got != "available" {
			t.Fatalf("committed job state = %q, want available", got)
		}

		start(t, q)
		if got := receive(t, "the job to run", renamed, 10*time.Second); got != "prj_kept" {
			t.Fatalf("worked project %q, want prj_kept", got)
		}
		p, err := s.GetProject(ctx, "prj_kept")
		if err != nil {
			t.Fatalf("GetProject: %v", err)
		}
		if p.Name != "Kept (seen)" {
			t.Fatalf("project name = %q, want %q", p.Name, "Kept (seen)")
		}
		waitFor(t, "the job to complete", 10*time.Second, func() bool {
			return env.state(t, committedJob) == "completed"
		})
		if err := q.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
}

// completer completes its job in a store transaction that renames the
// project, and then fails anyway; when the job asks, it rolls the
// transaction back instead. It retries in an hour.
type completer struct {
	river.WorkerDefaults[projectArgs]
	store driveway.Store
	done  chan int64
}

func (w *completer) NextRetry(*river.Job[projectArgs]) time.Time { return time.Now().Add(time.Hour) }

func (w *completer) Work(ctx context.Context, job *river.Job[projectArgs]) error {
	defer func() { w.done <- job.ID }()
	errAbort := errors.New("abort")
	err := w.store.WithTx(ctx, func(tx driveway.Tx) error {
		p, err := tx.GetProject(ctx, job.Args.ProjectID)
		if err != nil {
			return err
		}
		p.Name = "done"
		if err := tx.UpdateProject(ctx, p); err != nil {
			return err
		}
		if err := CompleteTx(ctx, tx, job); err != nil {
			return err
		}
		if job.Args.Rollback {
			return errAbort
		}
		return nil
	})
	if err != nil && !errors.Is(err, errAbort) {
		return err
	}
	return errors.New("failing after the transaction")
}

// TestCompleteTx: a job completed in a committed store transaction stays
// completed though its worker then fails; completed in a rolled-back one,
// it is not completed and will be retried.
func TestCompleteTx(t *testing.T) {
	t.Parallel()
	storeEngines(t, testConfig(t), func(t *testing.T, env *storeEnv) {
		ctx := t.Context()
		w := &completer{store: env.store, done: make(chan int64, 10)}
		if err := Register(env.queue, river.Worker[projectArgs](w)); err != nil {
			t.Fatalf("Register: %v", err)
		}
		if err := env.store.CreateProject(ctx, &driveway.Project{ID: "prj_1", Name: "new"}); err != nil {
			t.Fatalf("CreateProject: %v", err)
		}
		start(t, env.queue)
		for _, tc := range []struct {
			rollback  bool
			wantState string
			wantName  string
		}{
			{rollback: true, wantState: "retryable", wantName: "new"},
			{rollback: false, wantState: "completed", wantName: "done"},
		} {
			res, err := env.queue.Insert(ctx, projectArgs{ProjectID: "prj_1", Rollback: tc.rollback}, nil)
			if err != nil {
				t.Fatalf("Insert: %v", err)
			}
			receive(t, "the job to run", w.done, 10*time.Second)
			waitFor(t, "the job to be "+tc.wantState, 10*time.Second, func() bool {
				return env.state(t, res.Job.ID) == tc.wantState
			})
			p, err := env.store.GetProject(ctx, "prj_1")
			if err != nil {
				t.Fatalf("GetProject: %v", err)
			}
			if p.Name != tc.wantName {
				t.Fatalf("rollback=%v: project name %q, want %q", tc.rollback, p.Name, tc.wantName)
			}
		}
	})
}
