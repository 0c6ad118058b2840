package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/drivewayhq/driveway"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dbtx is what *sql.DB and *sql.Tx share.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries implements driveway.Queries for a Store (r is the reader pool, w
// the writer) and for a Tx (both are the transaction).
type queries struct {
	r, w     dbtx
	sealer   driveway.Sealer
	tx       *sql.Tx // set inside a transaction
	writerDB *sql.DB // set outside one
	readerDB *sql.DB
	rstmts   *stmtCache // on readerDB; nil in a transaction
	wstmts   *stmtCache // on writerDB; nil in a transaction
}

// write runs fn in a write transaction, or in the current one.
func (q *queries) write(ctx context.Context, fn func(q *queries) error) error {
	if q.tx != nil {
		return fn(q)
	}
	tx, err := q.writerDB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(&queries{r: tx, w: tx, sealer: q.sealer, tx: tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// read runs fn on one consistent snapshot: a read transaction on the reader
// pool, or the current transaction.
func (q *queries) read(ctx context.Context, fn func(q *queries) error) error {
	if q.tx != nil {
		return fn(q)
	}
	tx, err := q.readerDB.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(&queries{r: tx, w: tx, sealer: q.sealer, tx: tx})
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

// dbTime is a time column: Unix microseconds, NULL for the zero time.
// (Postgres stores timestamptz.)
func dbTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// timeCol scans a time column into a UTC time.Time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
	case int64:
		*c.t = time.UnixMicro(v).UTC()
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

// dbJSON encodes a list or a map for a JSON column.
func dbJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode json: %w", err)
	}
	return string(b), nil
}

// jsonCol scans a JSON column into v.
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

// mapErr turns "no rows" into ENOTFOUND and constraint violations into
// ECONFLICT (a duplicate key) or ENOTFOUND (a missing parent), and wraps the
// rest with what.
func mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return driveway.Errorf(driveway.ENOTFOUND, "%s not found", what)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return driveway.Errorf(driveway.ECONFLICT, "%s already exists", what)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return driveway.Errorf(driveway.ENOTFOUND, "%s: the record it belongs to was not found", what)
		}
	}
	var de *driveway.Error
	if errors.As(err, &de) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// affected returns ENOTFOUND when res changed no row.
func affected(res sql.Result, err error, what string) error {
	if err != nil {
		return mapErr(err, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
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
