package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/internal/tracing"
)

// stopCancelGrace bounds how long Stop waits, after its deadline, for
// cancelled jobs to return.
const stopCancelGrace = 5 * time.Second

// Queue is the job queue of one node: a River client on the store's
// database. Register workers and periodic jobs, Migrate, then Start; Stop on
// shutdown. Insert and InsertTx may be called from any goroutine.
type Queue struct {
	cfg     Config
	eng     engine
	workers *river.Workers // nil when cfg.InsertOnly
	metrics *metrics

	mu      sync.Mutex
	started bool
}

// NewSQLite returns a queue on db, the store's SQLite writer: a *sql.DB
// opened with the "sqlite" driver (modernc.org/sqlite) and limited to one
// connection, as River's SQLite driver needs. cfg.Schema must be empty.
func NewSQLite(db *sql.DB, cfg Config) (*Queue, error) {
	if db == nil {
		return nil, errors.New("new sqlite queue: db is nil")
	}
	if n := db.Stats().MaxOpenConnections; n != 1 {
		return nil, fmt.Errorf("new sqlite queue: db must be limited to one connection (SetMaxOpenConns(1)), has %d", n)
	}
	if cfg.Schema != "" {
		return nil, driveway.Invalid("Schema", "must be empty on SQLite")
	}
	q, rc, err := newQueue(cfg)
	if err != nil {
		return nil, fmt.Errorf("new sqlite queue: %w", err)
	}
	eng, err := newRiverEngine("sqlite", riversqlite.New(db), q.cfg, rc)
	if err != nil {
		return nil, fmt.Errorf("new sqlite queue: %w", err)
	}
	eng.migrateLock = func(_ context.Context, fn func() error) error {
		sqliteMigrateMu.Lock()
		defer sqliteMigrateMu.Unlock()
		return fn()
	}
	q.eng = eng
	return q, nil
}

// sqliteMigrateMu serialises River migrations of SQLite queues in this
// process (River's migrator interleaves otherwise). SQLite serves one node,
// so no lock across processes is needed.
var sqliteMigrateMu sync.Mutex

// NewPostgres returns a queue on pool, the store's Postgres pool. Several
// nodes may share one database: River hands each job to one of them and
// elects one leader for maintenance and periodic jobs.
func NewPostgres(pool *pgxpool.Pool, cfg Config) (*Queue, error) {
	if pool == nil {
		return nil, errors.New("new postgres queue: pool is nil")
	}
	q, rc, err := newQueue(cfg)
	if err != nil {
		return nil, fmt.Errorf("new postgres queue: %w", err)
	}
	eng, err := newRiverEngine[pgx.Tx]("postgres", riverpgxv5.New(pool), q.cfg, rc)
	if err != nil {
		return nil, fmt.Errorf("new postgres queue: %w", err)
	}
	eng.migrateLock = pgMigrateLock(pool, q.cfg.Schema)
	q.eng = eng
	return q, nil
}

// newQueue validates cfg and builds the engine-independent parts.
func newQueue(cfg Config) (*Queue, *river.Config, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	q := &Queue{cfg: cfg.WithDefaults(), metrics: newMetrics()}
	if !q.cfg.InsertOnly {
		q.workers = river.NewWorkers()
	}
	return q, q.cfg.riverConfig(q.workers, append([]rivertype.Middleware{q.metrics.middleware()}, tracing.JobMiddleware()...)), nil
}

// pgMigrateLock serialises River migrations between nodes with a session
// advisory lock held on one connection while the migrator uses others.
func pgMigrateLock(pool *pgxpool.Pool, schema string) func(context.Context, func() error) error {
	h := fnv.New64a()
	h.Write([]byte("driveway/jobs/migrate/" + schema))
	key := int64(h.Sum64())
	return func(ctx context.Context, fn func() error) error {
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return fmt.Errorf("acquire lock connection: %w", err)
		}
		defer conn.Release()
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
			return fmt.Errorf("lock migrations: %w", err)
		}
		defer func() {
			// A failed unlock ends with the session: drop the connection.
			if _, err := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key); err != nil {
				_ = conn.Conn().Close(context.WithoutCancel(ctx))
			}
		}()
		return fn()
	}
}

// Register adds the worker for jobs of kind T{}.Kind(). Kinds are stable
// strings stored with each job; never derive them from Go type names.
// Register before Start; it fails for a kind registered twice, on an
// insert-only queue, and after Start.
func Register[T river.JobArgs](q *Queue, w river.Worker[T]) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	var args T
	switch {
	case q.workers == nil:
		return fmt.Errorf("register %q: the queue is insert-only", args.Kind())
	case q.started:
		return fmt.Errorf("register %q: the queue has started", args.Kind())
	}
	if err := river.AddWorkerSafely(q.workers, w); err != nil {
		return fmt.Errorf("register %q: %w", args.Kind(), err)
	}
	return nil
}

// AddPeriodic schedules the job that construct returns (for example every
// 15 minutes with river.PeriodicInterval). Only the elected leader among the
// nodes inserts periodic jobs; add the same ones on every node. opts may be
// nil; give opts.ID to make the job removable and unique. Fails on an
// insert-only queue.
func (q *Queue) AddPeriodic(schedule river.PeriodicSchedule, construct river.PeriodicJobConstructor, opts *river.PeriodicJobOpts) error {
	if q.cfg.InsertOnly {
		return errors.New("add periodic job: the queue is insert-only")
	}
	if err := q.eng.addPeriodic(river.NewPeriodicJob(schedule, construct, opts)); err != nil {
		return fmt.Errorf("add periodic job: %w", err)
	}
	return nil
}

// Migrate applies River's migrations (its tables in the store's database);
// it is idempotent and safe to run from several nodes at once.
func (q *Queue) Migrate(ctx context.Context) error {
	if err := q.eng.migrate(ctx); err != nil {
		return fmt.Errorf("migrate jobs: %w", err)
	}
	return nil
}

// Ping reports whether the database answers and River's migrations are all
// applied (for /readyz): EUNAVAILABLE when some are missing.
func (q *Queue) Ping(ctx context.Context) error {
	res, err := q.eng.validate(ctx)
	if err != nil {
		return fmt.Errorf("ping jobs: %w", err)
	}
	if !res.OK {
		return driveway.Errorf(driveway.EUNAVAILABLE, "job queue migrations are not applied: %s",
			strings.Join(res.Messages, "; "))
	}
	return nil
}

// Start starts fetching and working jobs, and the maintenance services
// (rescue of stuck jobs, periodic jobs, cleaning) when this node leads. It
// returns at once; call Stop to end. ctx only carries values to the jobs:
// its cancellation is ignored so that a signal does not cut running jobs
// short before Stop's grace period. Fails on an insert-only queue or when no
// worker is registered.
func (q *Queue) Start(ctx context.Context) error {
	if q.cfg.InsertOnly {
		return errors.New("start jobs: the queue is insert-only")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.eng.start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	q.started = true
	return nil
}

// Stop stops fetching and waits for running jobs to finish. When ctx ends
// first, it cancels the jobs' contexts, waits a few seconds more for them
// to return, and reports ctx's error; River puts the interrupted jobs back
// as available without counting the attempt. Stop on a queue that is not
// started returns nil.
func (q *Queue) Stop(ctx context.Context) error {
	q.mu.Lock()
	started := q.started
	q.mu.Unlock()
	if !started {
		return nil
	}
	err := q.eng.stop(ctx)
	if err == nil || ctx.Err() == nil {
		return wrapIf("stop jobs", err)
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopCancelGrace)
	defer cancel()
	if cerr := q.eng.stopAndCancel(cctx); cerr != nil {
		return fmt.Errorf("stop jobs: cancelled jobs did not return within %s: %w", stopCancelGrace, cerr)
	}
	return fmt.Errorf("stop jobs: running jobs cancelled at the deadline: %w", ctx.Err())
}

func wrapIf(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Insert inserts a job on its own. opts may be nil. On a queue with
// workers, args' kind must be registered. Inside a store transaction use
// InsertTx: on SQLite, Insert would wait forever for the one writer
// connection that the transaction holds.
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	res, err := q.eng.insert(ctx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("insert job %q: %w", args.Kind(), err)
	}
	return res, nil
}

// InsertTx inserts a job in the caller's store transaction: the job exists
// if and only if tx commits, and no node sees it before. tx must come from
// the store on the same database as the queue (an error names a mismatch).
func (q *Queue) InsertTx(ctx context.Context, tx driveway.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	if tx == nil {
		return nil, fmt.Errorf("insert job %q: tx is nil", args.Kind())
	}
	return q.insertDriverTx(ctx, tx.Driver(), args, opts)
}

// insertDriverTx inserts in an engine transaction (*sql.Tx or pgx.Tx).
func (q *Queue) insertDriverTx(ctx context.Context, tx any, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	res, err := q.eng.insertTx(ctx, tx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("insert job %q: %w", args.Kind(), err)
	}
	return res, nil
}
