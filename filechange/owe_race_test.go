package filechange

import (
	"context"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/postgres"
)

// TestNotificationWhileRoundCommits: on Postgres (read committed), a
// notification taken in while a delta round's commit holds the watch row
// must judge the debt after that commit. Reading the watch before bumping
// it saw the debt the round was paying, so it inserted no job; the round
// then completed its job, leaving a round owed with no job to run it until
// the safety sweep.
func TestNotificationWhileRoundCommits(t *testing.T) {
	t.Parallel()
	db := postgresDB(t)
	e := newEnv(t, db, Options{})
	e.watchReady()
	e.stopQueue(e.queue) // what is inserted stays to be counted
	ctx := t.Context()
	_, err := db.store.BumpDriveWatch(ctx, pid, cred) // the round's debt
	must(t, err)
	pool := db.store.(*postgres.Store).Pool()

	locked, commit, roundDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		roundDone <- db.store.WithTx(context.Background(), func(tx driveway.Tx) error {
			w, err := tx.GetDriveWatch(ctx, pid, cred)
			if err != nil {
				return err
			}
			w.DoneSeq = w.NotifySeq // the round pays its debt
			if err := tx.UpdateDriveWatch(ctx, w); err != nil {
				return err
			}
			close(locked)
			<-commit
			return nil
		})
	}()
	<-locked
	notified := make(chan error, 1)
	go func() {
		notified <- db.store.WithTx(context.Background(), func(tx driveway.Tx) error {
			return e.svc.owe(ctx, tx, pid, cred, false)
		})
	}()
	waitFor(t, "the notification to wait on the round's row lock", 30e9, func() bool {
		var n int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE '%notify_seq = notify_seq + 1%'`).Scan(&n)
		return err == nil && n > 0
	})
	close(commit)
	must(t, <-roundDone)
	must(t, <-notified)

	w := e.watch()
	var jobs int
	must(t, pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'filechange.delta'
		AND state IN ('available', 'scheduled', 'retryable')`).Scan(&jobs))
	if w.NotifySeq > w.DoneSeq && jobs == 0 {
		t.Fatalf("a round is owed (notify %d, done %d) and no delta job will run it", w.NotifySeq, w.DoneSeq)
	}
}
