// Package sqlite implements driveway.Store on SQLite (modernc.org/sqlite,
// pure Go).
//
// The flow:
//
//	Open ──▶ writer *sql.DB (one connection, BEGIN IMMEDIATE) + reader *sql.DB (query_only pool)
//	Migrate ──▶ embedded migrations/NNNN_*.sql, in order, each in its own transaction
//	Store methods: reads ──▶ reader pool; writes and WithTx ──▶ writer
//	secrets ──Sealer.Seal(plain, SealedRef{table, column, row})──▶ sealed columns
//
// SQLite allows one writer at a time; one writer connection queues writers
// in Go instead of in busy-wait retries, and BEGIN IMMEDIATE takes the write
// lock when a transaction starts, so a transaction never fails to upgrade
// from reading to writing. The database runs in WAL mode with synchronous
// NORMAL: readers do not block the writer, and a power loss may drop the
// last commits but never corrupts the file.
//
// Times are stored as Unix microseconds (UTC) and read back in UTC.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"

	"github.com/drivewayhq/driveway"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is a driveway.Store on one SQLite file. It is safe for concurrent
// use. Calling a Store method that writes from inside WithTx's fn blocks
// forever (the one writer connection is held by the transaction): use tx.
type Store struct {
	queries
	writer *sql.DB
	reader *sql.DB
}

var _ driveway.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path. It does not
// migrate: call Migrate. sealer seals and opens every secret column.
func Open(ctx context.Context, path string, sealer driveway.Sealer) (*Store, error) {
	if path == "" || sealer == nil {
		return nil, errors.New("open sqlite: path and sealer are required")
	}
	writer, err := openDB(ctx, path, false)
	if err != nil {
		return nil, err
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	reader, err := openDB(ctx, path, true)
	if err != nil {
		writer.Close()
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	s := &Store{writer: writer, reader: reader}
	s.queries = queries{r: reader, w: writer, sealer: sealer, writerDB: writer, readerDB: reader,
		rstmts: newStmtCache(reader), wstmts: newStmtCache(writer)}
	return s, nil
}

// openDB opens one pool with the pragmas every connection needs. The writer
// opens first so that it creates the file and switches it to WAL.
func openDB(ctx context.Context, path string, readOnly bool) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Set("_txlock", "immediate")
	}
	db, err := sql.Open("sqlite", "file:"+uriPath.Replace(path)+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	return db, nil
}

// uriPath escapes what a "file:" URI gives a meaning to, so that any path
// works.
var uriPath = strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23")

// WriterDB returns the one writer connection pool, for the job queue (River's
// riversqlite driver) to share the database and its write lock.
func (s *Store) WriterDB() *sql.DB { return s.writer }

// Close closes both pools.
func (s *Store) Close() error {
	return errors.Join(s.rstmts.close(), s.wstmts.close(), s.reader.Close(), s.writer.Close())
}

// WithTx runs fn in one write transaction (BEGIN IMMEDIATE) on the writer
// connection: committed when fn returns nil, rolled back otherwise, and
// rolled back and re-panicked if fn panics.
func (s *Store) WithTx(ctx context.Context, fn func(tx driveway.Tx) error) (err error) {
	sqlTx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			sqlTx.Rollback()
			panic(p)
		}
	}()
	tx := &Tx{queries: queries{r: sqlTx, w: sqlTx, sealer: s.sealer, tx: sqlTx}, tx: sqlTx}
	if err := fn(tx); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Ping checks that the database answers and that every migration is applied;
// it returns EUNAVAILABLE when migrations are pending.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("ping sqlite: %w", err)
	}
	pending, err := s.pending(ctx, s.reader)
	if err != nil {
		return fmt.Errorf("ping sqlite: %w", err)
	}
	if len(pending) > 0 {
		return driveway.Errorf(driveway.EUNAVAILABLE, "database migrations pending (%d); run driveway migrate", len(pending))
	}
	return nil
}

// Tx is a driveway.Tx: the queries of a Store inside one transaction.
type Tx struct {
	queries
	tx *sql.Tx
}

// Driver returns the *sql.Tx, for River's riversqlite driver.
func (t *Tx) Driver() any { return t.tx }
