package jobs

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/drivewayhq/driveway"
)

// CompleteTx marks the running job completed inside the worker's store
// transaction tx, so that the job's database effects and its completion
// commit together: once tx commits, the job never runs again (whatever Work
// then returns; it should return nil). Call it only from Work, with a
// transaction of the queue's store.
func CompleteTx[T river.JobArgs](ctx context.Context, tx driveway.Tx, job *river.Job[T]) error {
	if tx == nil {
		return fmt.Errorf("complete job %d: tx is nil", job.ID)
	}
	var err error
	switch t := tx.Driver().(type) {
	case *sql.Tx:
		_, err = river.JobCompleteTx[*riversqlite.Driver](ctx, t, job)
	case pgx.Tx:
		_, err = river.JobCompleteTx[*riverpgxv5.Driver](ctx, t, job)
	default:
		err = fmt.Errorf("unknown transaction type %T", t)
	}
	if err != nil {
		return fmt.Errorf("complete job %d: %w", job.ID, err)
	}
	return nil
}
