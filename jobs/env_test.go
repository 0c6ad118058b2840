package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	_ "modernc.org/sqlite"
)

const postgresURLVar = "DRIVEWAY_TEST_POSTGRES_URL"

// testEnv is one database for the River tables, and how to open queues and
// transactions on it.
type testEnv struct {
	name string
	// open returns a queue on the database (not started, not migrated).
	open func(t *testing.T, cfg Config) *Queue
	// begin starts a transaction of the engine's type (*sql.Tx or pgx.Tx).
	begin func(t *testing.T) (tx any, commit, rollback func() error)
	// state returns the job's state, "" when it does not exist.
	state func(t *testing.T, id int64) string
}

// engines runs fn as a parallel subtest on SQLite, and on Postgres when
// DRIVEWAY_TEST_POSTGRES_URL is set.
func engines(t *testing.T, fn func(t *testing.T, env *testEnv)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, sqliteEnv(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, postgresEnv(t))
	})
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// testConfig is the configuration tests start from: fast polling, logs in
// the test output.
func testConfig(t *testing.T) Config {
	return Config{FastPoll: true, Logger: testLogger(t)}
}

// openSQLite opens a new database file in WAL mode on one connection, the
// way the store opens its writer.
func openSQLite(t *testing.T) *sql.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "driveway.db")
	db, err := sql.Open("sqlite", "file:"+path+
		"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func sqliteEnv(t *testing.T) *testEnv {
	db := openSQLite(t)
	return &testEnv{
		name: "sqlite",
		open: func(t *testing.T, cfg Config) *Queue {
			t.Helper()
			q, err := NewSQLite(db, cfg)
			if err != nil {
				t.Fatalf("NewSQLite: %v", err)
			}
			return q
		},
		begin: func(t *testing.T) (any, func() error, func() error) {
			tx, err := db.BeginTx(t.Context(), nil)
			if err != nil {
				t.Fatalf("begin: %v", err)
			}
			return tx, tx.Commit, tx.Rollback
		},
		state: func(t *testing.T, id int64) string {
			return queryState(t, db.QueryRowContext(t.Context(), "SELECT state FROM river_job WHERE id = ?", id))
		},
	}
}

// postgresPool returns a pool on the test database, or skips the test.
func postgresPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	url := os.Getenv(postgresURLVar)
	if url == "" {
		t.Skipf("Postgres tests skipped: set %s", postgresURLVar)
	}
	pool, err := pgxpool.New(t.Context(), url)
	if err != nil {
		t.Fatalf("connect postgres: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// freshSchema creates a schema of its own for one test's River tables and
// drops it afterwards.
func freshSchema(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "jobs_test_" + hex.EncodeToString(b)
	if _, err := pool.Exec(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := pool.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	return schema
}

func postgresEnv(t *testing.T) *testEnv {
	pool := postgresPool(t)
	schema := freshSchema(t, pool)
	return &testEnv{
		name: "postgres",
		open: func(t *testing.T, cfg Config) *Queue {
			t.Helper()
			cfg.Schema = schema
			q, err := NewPostgres(pool, cfg)
			if err != nil {
				t.Fatalf("NewPostgres: %v", err)
			}
			return q
		},
		begin: func(t *testing.T) (any, func() error, func() error) {
			tx, err := pool.Begin(t.Context())
			if err != nil {
				t.Fatalf("begin: %v", err)
			}
			ctx := context.WithoutCancel(t.Context())
			return tx, func() error { return tx.Commit(ctx) }, func() error { return tx.Rollback(ctx) }
		},
		state: func(t *testing.T, id int64) string {
			return queryState(t, pool.QueryRow(t.Context(), "SELECT state FROM "+schema+".river_job WHERE id = $1", id))
		},
	}
}

func queryState(t *testing.T, row interface{ Scan(...any) error }) string {
	t.Helper()
	var state string
	err := row.Scan(&state)
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
		return ""
	}
	if err != nil {
		t.Fatalf("job state: %v", err)
	}
	return state
}

// migrated opens a queue and applies River's migrations.
func migrated(t *testing.T, env *testEnv, cfg Config) *Queue {
	t.Helper()
	q := env.open(t, cfg)
	if err := q.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return q
}

// start starts q and stops it when the test ends.
func start(t *testing.T, q *Queue) {
	t.Helper()
	if err := q.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond) // poll interval, not a wait for an event
	}
}

// receive waits for a value on ch.
func receive[T any](t *testing.T, what string, ch <-chan T, within time.Duration) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(within):
		t.Fatalf("timed out after %s waiting for %s", within, what)
		panic("unreachable")
	}
}

// plantJob inserts a job row directly in the given state, as a node that
// crashed mid-job would leave it.
func plantJob(t *testing.T, q *Queue, p *riverdriver.JobInsertFullParams) *rivertype.JobRow {
	t.Helper()
	p.Schema = q.cfg.Schema
	if p.EncodedArgs == nil {
		p.EncodedArgs = []byte("{}")
	}
	if p.Queue == "" {
		p.Queue = river.QueueDefault
	}
	if p.MaxAttempts == 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.Priority == 0 {
		p.Priority = 1
	}
	job, err := q.eng.executor().JobInsertFull(t.Context(), p)
	if err != nil {
		t.Fatalf("plant job: %v", err)
	}
	return job
}

// noteArgs are the test jobs' arguments.
type noteArgs struct {
	Note string `json:"note"`
}

func (noteArgs) Kind() string { return "test_note" }
