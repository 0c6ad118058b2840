package filechange

import (
	"context"
	"fmt"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// DeltaArgs is the job of one delta round for a credential. At most one is
// waiting or running per credential: further notifications coalesce into it.
type DeltaArgs struct {
	ProjectID    string `json:"project_id"`
	CredentialID string `json:"credential_id"`
}

// Kind is the job's stable kind.
func (DeltaArgs) Kind() string { return "filechange.delta" }

// RenewArgs is the job that creates, renews or re-creates a credential's
// Graph subscription.
type RenewArgs struct {
	ProjectID    string `json:"project_id"`
	CredentialID string `json:"credential_id"`
}

// Kind is the job's stable kind.
func (RenewArgs) Kind() string { return "filechange.renew" }

// ReconcileArgs is the job that watches or unwatches the drives of a
// project's user (every user when UserID is ""), after the File Change
// workflows they have enabled may have changed.
type ReconcileArgs struct {
	ProjectID string `json:"project_id"`
	UserID    string `json:"user_id,omitempty"`
}

// Kind is the job's stable kind.
func (ReconcileArgs) Kind() string { return "filechange.reconcile" }

// SweepArgs is the periodic job: renewals due and the safety delta.
type SweepArgs struct{}

// Kind is the job's stable kind.
func (SweepArgs) Kind() string { return "filechange.sweep" }

// oneAtATime makes a job unique by its args while it waits or runs.
var oneAtATime = &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}

// Register adds the workers and the periodic sweep (every SafetyInterval,
// or PollInterval when polling) to q. Call it before q.Start.
func (s *Service) Register(q *jobs.Queue) error {
	if err := jobs.Register(q, &deltaWorker{s: s}); err != nil {
		return err
	}
	if err := jobs.Register(q, &renewWorker{s: s}); err != nil {
		return err
	}
	if err := jobs.Register(q, &sweepWorker{s: s}); err != nil {
		return err
	}
	if err := jobs.Register(q, &hookWorker{s: s}); err != nil {
		return err
	}
	if err := jobs.Register(q, &reconcileWorker{s: s}); err != nil {
		return err
	}
	every := s.o.SafetyInterval
	if !s.push {
		every = s.o.PollInterval
	}
	return q.AddPeriodic(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
		return SweepArgs{}, nil
	}, &river.PeriodicJobOpts{ID: "filechange.sweep"})
}

// enqueueDelta records that a delta round is owed and inserts its job
// (coalesced with one already waiting) in tx.
func (s *Service) enqueueDelta(ctx context.Context, tx driveway.Tx, projectID, credentialID string) error {
	return s.owe(ctx, tx, projectID, credentialID, true)
}

// owe records that a delta round is owed. Unless force, it inserts no job
// when a round was already owed (NotifySeq > DoneSeq): the job that debt
// inserted has not completed (a delta job completes only in a transaction
// that saw no newer notification), so it covers this one too. That keeps a
// burst of notifications to one row update each. The safety delta forces,
// which also heals a debt whose job was discarded.
func (s *Service) owe(ctx context.Context, tx driveway.Tx, projectID, credentialID string, force bool) error {
	owed, err := tx.BumpDriveWatch(ctx, projectID, credentialID)
	if err != nil {
		return err
	}
	if owed && !force {
		return nil
	}
	_, err = s.o.Queue.InsertTx(ctx, tx, DeltaArgs{ProjectID: projectID, CredentialID: credentialID}, oneAtATime)
	return err
}

type deltaWorker struct {
	river.WorkerDefaults[DeltaArgs]
	s *Service
}

func (w *deltaWorker) Timeout(*river.Job[DeltaArgs]) time.Duration { return 10 * time.Minute }

// maxDeltaRetry bounds the wait before a failed delta round is tried again.
const maxDeltaRetry = 30 * time.Second

// NextRetry waits 1 s, 2 s, 4 s... at most maxDeltaRetry after a failed
// round. River's default, (errors+1)⁴ seconds, counts every error of the
// job's life, and a drive's delta job lives as long as notifications keep
// coming (it snoozes, and a notification coalesces into it rather than
// inserting another): a few transient Graph errors (429, 503, a 401 before
// a refresh) spread over a busy hour left the drive's changes waiting for
// many minutes, then hours (the soak's lost deletions).
func (w *deltaWorker) NextRetry(job *river.Job[DeltaArgs]) time.Time {
	return time.Now().Add(deltaRetry(len(job.Errors)))
}

func deltaRetry(errors int) time.Duration {
	return min(time.Second<<min(errors, 10), maxDeltaRetry)
}

func (w *deltaWorker) Work(ctx context.Context, job *river.Job[DeltaArgs]) error {
	again, err := w.s.sync(ctx, job.Args.ProjectID, job.Args.CredentialID, func(ctx context.Context, tx driveway.Tx) error {
		return jobs.CompleteTx(ctx, tx, job)
	})
	if again || driveway.ErrorCode(err) == driveway.ECONFLICT {
		// A conflict means another round committed meanwhile: progress, not
		// a failure, so it goes again soon rather than after a backoff that
		// grows with every error of the job's life.
		return river.JobSnooze(time.Second)
	}
	return err
}

type renewWorker struct {
	river.WorkerDefaults[RenewArgs]
	s *Service
}

func (w *renewWorker) Work(ctx context.Context, job *river.Job[RenewArgs]) error {
	return w.s.renew(ctx, job.Args.ProjectID, job.Args.CredentialID, func(ctx context.Context, tx driveway.Tx) error {
		return jobs.CompleteTx(ctx, tx, job)
	})
}

// EnqueueReconcile enqueues, in tx, the reconciliation of a user's drives
// (every user's when userID is ""). The workflow engine calls it
// (workflow.Config.FileChangeConsumers) when a File Change workflow is
// saved, deleted, enabled or disabled, so that drives connected before are
// watched, or unwatched, without waiting for a reconnect. A job, not a
// call: a project may have many drives, and Graph errors are retried.
func EnqueueReconcile(ctx context.Context, q *jobs.Queue, tx driveway.Tx, projectID, userID string) error {
	if _, err := q.InsertTx(ctx, tx, ReconcileArgs{ProjectID: projectID, UserID: userID}, nil); err != nil {
		return fmt.Errorf("enqueue file change reconcile: %w", err)
	}
	return nil
}

type reconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	s *Service
}

func (w *reconcileWorker) Work(ctx context.Context, job *river.Job[ReconcileArgs]) error {
	return w.s.ReconcileUser(ctx, job.Args.ProjectID, job.Args.UserID)
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	s *Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	if _, err := w.s.RenewDue(ctx); err != nil {
		return err
	}
	_, err := w.s.SafetyDelta(ctx)
	return err
}

// SafetyDelta owes every watch a delta round (catching notifications Graph
// dropped) and returns how many it enqueued.
func (s *Service) SafetyDelta(ctx context.Context) (int, error) {
	ws, err := s.o.Store.ListDriveWatches(ctx, "")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, w := range ws {
		err := s.o.Store.WithTx(ctx, func(tx driveway.Tx) error {
			return s.enqueueDelta(ctx, tx, w.ProjectID, w.CredentialID)
		})
		if err != nil && driveway.ErrorCode(err) != driveway.ENOTFOUND {
			return n, err
		}
		n++
	}
	return n, nil
}

// RenewDue enqueues a renewal job for every watch whose RenewAt passed and
// returns how many.
func (s *Service) RenewDue(ctx context.Context) (int, error) {
	n := 0
	for {
		ws, err := s.o.Store.ListDriveWatchesToRenew(ctx, s.now(), 500)
		if err != nil || len(ws) == 0 {
			return n, err
		}
		for _, w := range ws {
			if err := s.markRenewing(ctx, w); err != nil {
				return n, err
			}
			n++
		}
		if len(ws) < 500 {
			return n, nil
		}
	}
}

// markRenewing sets the watch renewing (RenewAt cleared so it is listed
// once) and inserts its renewal job, together.
func (s *Service) markRenewing(ctx context.Context, w *driveway.DriveWatch) error {
	err := s.o.Store.WithTx(ctx, func(tx driveway.Tx) error {
		w.RenewAt = time.Time{}
		if w.Status == driveway.WatchActive {
			w.Status = driveway.WatchRenewing
		}
		if err := tx.UpdateDriveWatch(ctx, w); err != nil {
			return err
		}
		_, err := s.o.Queue.InsertTx(ctx, tx, RenewArgs{ProjectID: w.ProjectID, CredentialID: w.CredentialID}, oneAtATime)
		return err
	})
	if driveway.ErrorCode(err) == driveway.ECONFLICT {
		return nil // changed meanwhile: listed again next time if still due
	}
	return err
}
