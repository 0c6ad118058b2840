package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// dbtx is what *pgxpool.Pool and pgx.Tx share.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// queries implements driveway.Queries for a Store (db is the pool) and for a
// Tx (db is the transaction). Unlike SQLite, reads and writes share one
// pool: Postgres has no single-writer limit.
type queries struct {
	db     dbtx
	sealer driveway.Sealer
	tx     pgx.Tx        // set inside a transaction
	pool   *pgxpool.Pool // set outside one
}

// write runs fn in a transaction, or in the current one.
func (q *queries) write(ctx context.Context, fn func(q *queries) error) error {
	return q.inTx(ctx, pgx.TxOptions{}, fn)
}

// read runs fn on one consistent snapshot: a read-only repeatable-read
// transaction, or the current transaction.
func (q *queries) read(ctx context.Context, fn func(q *queries) error) error {
	return q.inTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

func (q *queries) inTx(ctx context.Context, opts pgx.TxOptions, fn func(q *queries) error) error {
	if q.tx != nil {
		return fn(q)
	}
	tx, err := q.pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(&queries{db: tx, sealer: q.sealer, tx: tx}); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// seal seals a secret for its place.
func (q *queries) seal(plain string, table, column, row string) (string, error) {
	ct, err := q.sealer.Seal([]byte(plain), driveway.SealedRef{Table: table, Column: column, Row: row})
	if err != nil {
		return "", fmt.Errorf("seal %s.%s: %w", table, column, err)
	}
	return ct, nil
}

// open opens a sealed value read from its place.
func (q *queries) open(ct string, table, column, row string) (string, error) {
	plain, err := q.sealer.Open(ct, driveway.SealedRef{Table: table, Column: column, Row: row})
	if err != nil {
		return "", fmt.Errorf("open %s.%s: %w", table, column, err)
	}
	return string(plain), nil
}

// dbTime is a timestamptz argument, NULL for the zero time. (SQLite stores
// Unix microseconds.)
func dbTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Truncate(time.Microsecond).UTC()
}

// timeCol scans a timestamptz column into a UTC time.Time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
	case time.Time:
		*c.t = v.UTC()
	default:
		return fmt.Errorf("time column: unexpected %T", src)
	}
	return nil
}

// nowIfZero sets *t to the current time, at microsecond precision, when zero.
func nowIfZero(t *time.Time) {
	if t.IsZero() {
		*t = time.Now().UTC().Truncate(time.Microsecond)
	}
}

// dbJSON encodes a list or a map for a jsonb column.
func dbJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode json: %w", err)
	}
	return string(b), nil
}

// jsonCol scans a jsonb column into v.
type jsonCol struct{ v any }

func (c jsonCol) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("json column: unexpected %T", src)
	}
	return json.Unmarshal(b, c.v)
}

// Postgres error codes (SQLSTATE).
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
)

// mapErr turns "no rows" into ENOTFOUND and constraint violations into
// ECONFLICT (a duplicate key) or ENOTFOUND (a missing parent), and wraps the
// rest with what.
func mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return driveway.Errorf(driveway.ENOTFOUND, "%s not found", what)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case pgUniqueViolation:
			return driveway.Errorf(driveway.ECONFLICT, "%s already exists", what)
		case pgForeignKeyViolation:
			return driveway.Errorf(driveway.ENOTFOUND, "%s: the record it belongs to was not found", what)
		}
	}
	var de *driveway.Error
	if errors.As(err, &de) {
		return err
	}
	if unavailable(err) {
		return driveway.Errorf(driveway.EUNAVAILABLE, "%s: the database is unavailable; try again", what)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// unavailable reports whether err says the database could not be reached
// or dropped the connection (a restart, a failover), rather than refusing
// the statement: SQLSTATE class 08 and 57P01–57P03, or no connection at all.
// Callers answer these as "try again later", not as an internal error.
func unavailable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false // the caller gave up; the database may be fine
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || pgconn.SafeToRetry(err)
}

// affected returns ENOTFOUND when the command changed no row.
func affected(tag pgconn.CommandTag, err error, what string) error {
	if err != nil {
		return mapErr(err, what)
	}
	if tag.RowsAffected() == 0 {
		return driveway.Errorf(driveway.ENOTFOUND, "%s not found", what)
	}
	return nil
}

// nullString maps "" to NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// defaultLimit is the page size for a limit of 0 or less.
const defaultLimit = 100
