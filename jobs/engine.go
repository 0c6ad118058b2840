package jobs

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// engine is what Queue needs from River, with River's transaction type
// parameter hidden. riverEngine implements it once for each driver.
type engine interface {
	name() string
	insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	// insertTx inserts in tx, which must be the engine's transaction type.
	insertTx(ctx context.Context, tx any, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	addPeriodic(job *river.PeriodicJob) error
	start(ctx context.Context) error
	stop(ctx context.Context) error
	stopAndCancel(ctx context.Context) error
	migrate(ctx context.Context) error
	validate(ctx context.Context) (*rivermigrate.ValidateResult, error)
	countByState(ctx context.Context, state rivertype.JobState) (int, error)
	// executor runs River's queries outside a transaction (tests use it to
	// plant jobs in chosen states).
	executor() riverdriver.Executor
}

// riverEngine adapts a River client of transaction type TTx (*sql.Tx or
// pgx.Tx) to engine.
type riverEngine[TTx any] struct {
	engineName string
	schema     string
	driver     riverdriver.Driver[TTx]
	client     *river.Client[TTx]
	migrator   *rivermigrate.Migrator[TTx]
	// migrateLock runs fn holding a lock that keeps other nodes from
	// migrating at the same time (nil: no lock needed).
	migrateLock func(ctx context.Context, fn func() error) error
}

func newRiverEngine[TTx any](name string, driver riverdriver.Driver[TTx], cfg Config, rc *river.Config) (*riverEngine[TTx], error) {
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("new river client: %w", err)
	}
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: cfg.Logger, Schema: cfg.Schema})
	if err != nil {
		return nil, fmt.Errorf("new river migrator: %w", err)
	}
	return &riverEngine[TTx]{
		engineName: name,
		schema:     cfg.Schema,
		driver:     driver,
		client:     client,
		migrator:   migrator,
	}, nil
}

func (e *riverEngine[TTx]) name() string { return e.engineName }

func (e *riverEngine[TTx]) insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return e.client.Insert(ctx, args, opts)
}

func (e *riverEngine[TTx]) insertTx(ctx context.Context, tx any, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	t, ok := tx.(TTx)
	if !ok {
		return nil, fmt.Errorf("the queue is on %s but the transaction is a %T", e.engineName, tx)
	}
	return e.client.InsertTx(ctx, t, args, opts)
}

func (e *riverEngine[TTx]) addPeriodic(job *river.PeriodicJob) error {
	_, err := e.client.PeriodicJobs().AddSafely(job)
	return err
}

func (e *riverEngine[TTx]) start(ctx context.Context) error { return e.client.Start(ctx) }

func (e *riverEngine[TTx]) stop(ctx context.Context) error { return e.client.Stop(ctx) }

func (e *riverEngine[TTx]) stopAndCancel(ctx context.Context) error {
	return e.client.StopAndCancel(ctx)
}

func (e *riverEngine[TTx]) migrate(ctx context.Context) error {
	up := func() error {
		_, err := e.migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
		return err
	}
	if e.migrateLock == nil {
		return up()
	}
	return e.migrateLock(ctx, up)
}

func (e *riverEngine[TTx]) validate(ctx context.Context) (*rivermigrate.ValidateResult, error) {
	return e.migrator.Validate(ctx, nil)
}

func (e *riverEngine[TTx]) countByState(ctx context.Context, state rivertype.JobState) (int, error) {
	return e.executor().JobCountByState(ctx, &riverdriver.JobCountByStateParams{
		Schema: e.schema,
		State:  state,
	})
}

func (e *riverEngine[TTx]) executor() riverdriver.Executor { return e.driver.GetExecutor() }
