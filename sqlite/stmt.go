package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmtCache keeps prepared statements for the hot paths (the credential read
// and compare-and-swap update, and what an SDK request reads when its cache
// misses: project, signing keys, user, credentials): preparing a statement is about half the cost
// of a point read on SQLite. (pgx caches prepared statements by itself.)
type stmtCache struct {
	db   *sql.DB
	mu   sync.Mutex // held while preparing and closing
	m    map[string]*sql.Stmt
	fast sync.Map // query → *sql.Stmt: the read path takes no lock
}

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db, m: map[string]*sql.Stmt{}} }

func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := c.fast.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.m[query] = st
	c.fast.Store(query, st)
	return st, nil
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.m {
		errs = append(errs, st.Close())
	}
	clear(c.m)
	c.fast.Clear()
	return errors.Join(errs...)
}

// cachedQueryRow runs a cached statement on the reader pool, or query in the
// current transaction.
func (q *queries) cachedQueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if q.rstmts != nil {
		if st, err := q.rstmts.get(ctx, query); err == nil {
			return st.QueryRowContext(ctx, args...)
		}
	}
	return q.r.QueryRowContext(ctx, query, args...)
}

// cachedQuery is cachedQueryRow for several rows.
func (q *queries) cachedQuery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if q.rstmts != nil {
		if st, err := q.rstmts.get(ctx, query); err == nil {
			return st.QueryContext(ctx, args...)
		}
	}
	return q.r.QueryContext(ctx, query, args...)
}

// cachedExec runs a cached statement on the writer, or query in the current
// transaction.
func (q *queries) cachedExec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if q.wstmts != nil {
		st, err := q.wstmts.get(ctx, query)
		if err != nil {
			return nil, err
		}
		return st.ExecContext(ctx, args...)
	}
	return q.w.ExecContext(ctx, query, args...)
}
