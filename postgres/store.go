// Package postgres implements driveway.Store on Postgres (pgx/v5, pgxpool).
//
// The flow:
//
//	Open ──▶ pgxpool.Pool (shared with the job queue through Pool)
//	Migrate ──▶ advisory lock ──▶ embedded migrations/NNNN_*.sql in order, one transaction
//	Store methods ──▶ the pool; WithTx ──▶ one pgx.Tx (Driver returns it for River)
//	secrets ──Sealer.Seal(plain, SealedRef{table, column, row})──▶ sealed columns
//
// Times are timestamptz (microseconds) and read back in UTC. Keys are text
// COLLATE "C", so ids order and page in byte order as on SQLite.
package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/drivewayhq/driveway"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is a driveway.Store on a Postgres database. It is safe for concurrent
// use.
type Store struct {
	queries
	pool  *pgxpool.Pool
	watch runWatch // run changes: runwatch.go
}

var _ driveway.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or key=value
// string; pgx's parameters such as pool_max_conns apply, and other query
// parameters such as search_path become session settings). It does not
// migrate: call Migrate. sealer seals and opens every secret column.
func Open(ctx context.Context, url string, sealer driveway.Sealer) (*Store, error) {
	if sealer == nil {
		return nil, errors.New("open postgres: a sealer is required")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors may quote the URL, password included.
		return nil, errors.New("open postgres: invalid database URL")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	return &Store{queries: queries{db: pool, pool: pool, sealer: sealer}, pool: pool}, nil
}

// Pool returns the connection pool, for the job queue (River's riverpgxv5
// driver).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close stops watching runs and closes the pool.
func (s *Store) Close() error {
	s.watch.stop()
	s.pool.Close()
	return nil
}

// WithTx runs fn in one transaction (read committed): committed when fn
// returns nil, rolled back otherwise, and rolled back and re-panicked if fn
// panics.
func (s *Store) WithTx(ctx context.Context, fn func(tx driveway.Tx) error) error {
	pgTx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			pgTx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
	}()
	tx := &Tx{queries: queries{db: pgTx, sealer: s.sealer, tx: pgTx}, tx: pgTx}
	if err := fn(tx); err != nil {
		pgTx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := pgTx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Ping checks that the database answers and that every migration is applied;
// it returns EUNAVAILABLE when migrations are pending.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	pending, err := pending(ctx, s.pool)
	if err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	if len(pending) > 0 {
		return driveway.Errorf(driveway.EUNAVAILABLE, "database migrations pending (%d); run driveway migrate", len(pending))
	}
	return nil
}

// Tx is a driveway.Tx: the queries of a Store inside one transaction.
type Tx struct {
	queries
	tx pgx.Tx
}

// Driver returns the pgx.Tx, for River's riverpgxv5 driver.
func (t *Tx) Driver() any { return t.tx }
