package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/internal/wake"
)

// Run changes across nodes: UpdateRun, when it leaves a run finished or
// with a response, sends NOTIFY on runChannel in its transaction (Postgres
// delivers it at commit, and never for a rollback). The payload is
// "<schema>/<project>/<run>": channels are per database, and the schema
// keeps deployments sharing one apart. The store's one listening
// connection, opened by the first WatchRun and closed by Close, wakes the
// waiters of that run.

// runChannel is the NOTIFY channel of run changes.
const runChannel = "driveway_run"

// watchReadyWait bounds how long WatchRun waits for the listening
// connection to open the first time.
const watchReadyWait = 5 * time.Second

var _ driveway.RunWatcher = (*Store)(nil)

// notifyRun announces a change of the run (at commit when db is a
// transaction).
func notifyRun(ctx context.Context, db dbtx, projectID, runID string) error {
	_, err := db.Exec(ctx, `SELECT pg_notify($1, current_schema() || '/' || $2)`, runChannel, projectID+"/"+runID)
	return mapErr(err, "notify run change")
}

// runWatch is the listening connection and its waiters.
type runWatch struct {
	hub    wake.Hub
	mu     sync.Mutex
	ready  chan struct{} // closed once LISTEN first succeeds; nil until started
	cancel context.CancelFunc
	done   chan struct{}
}

// WatchRun implements driveway.RunWatcher.
func (s *Store) WatchRun(ctx context.Context, projectID, runID string) (<-chan struct{}, func(), error) {
	ready := s.watch.start(s.pool)
	ch, stop := s.watch.hub.Watch(projectID + "/" + runID)
	t := time.NewTimer(watchReadyWait)
	defer t.Stop()
	select {
	case <-ready:
		return ch, stop, nil
	case <-ctx.Done():
		stop()
		return nil, nil, ctx.Err()
	case <-t.C:
		stop()
		return nil, nil, driveway.Errorf(driveway.EUNAVAILABLE, "run changes: not listening yet")
	}
}

// start starts the listener once; it returns the channel closed when it
// first listens.
func (w *runWatch) start(pool *pgxpool.Pool) chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ready == nil {
		ctx, cancel := context.WithCancel(context.Background())
		w.ready, w.cancel, w.done = make(chan struct{}), cancel, make(chan struct{})
		go w.loop(ctx, pool, w.ready)
	}
	return w.ready
}

// stop ends the listener, if started, and waits for it.
func (w *runWatch) stop() {
	w.mu.Lock()
	cancel, done := w.cancel, w.done
	w.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// loop listens until ctx ends, reconnecting a second after a failure.
func (w *runWatch) loop(ctx context.Context, pool *pgxpool.Pool, ready chan struct{}) {
	defer close(w.done)
	var once sync.Once
	for {
		_ = w.listen(ctx, pool, func() { once.Do(func() { close(ready) }) })
		w.hub.WakeAll() // changes may have gone by while not listening
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// listen holds one connection (taken out of the pool) on LISTEN and wakes
// the waiters of each run announced in this schema, until an error.
func (w *runWatch) listen(ctx context.Context, pool *pgxpool.Pool, listening func()) error {
	pc, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	conn := pc.Hijack()
	defer conn.Close(context.Background())
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if _, err := conn.Exec(ctx, `LISTEN `+runChannel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	listening()
	w.hub.WakeAll() // a reconnect: look again
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return errors.Join(err, ctx.Err())
		}
		if key, ok := strings.CutPrefix(n.Payload, schema+"/"); ok {
			w.hub.Wake(key)
		}
	}
}
