// Package jobs is Driveway's durable job queue: River
// (github.com/riverqueue/river) on the store's own database, SQLite or
// Postgres, so that a job can be inserted in the same transaction as the
// store write that calls for it.
//
// Flow:
//
//	cmd/driveway  ─ NewSQLite(store.WriterDB(), cfg) | NewPostgres(store.Pool(), cfg)
//	              ─ Register[T](q, worker) ...      one worker per stable kind string
//	              ─ q.AddPeriodic(schedule, ...)    leader inserts them on schedule
//	              ─ q.Migrate(ctx)                  River's tables, idempotent
//	              ─ q.Start(ctx) ... q.Stop(ctx)    graceful: running jobs finish
//	callers       ─ store.WithTx(func(tx) { write; q.InsertTx(ctx, tx, args, nil) })
//	              ─ q.Insert(ctx, args, nil)        outside a transaction
//	/readyz       ─ q.Ping(ctx)                     migrations applied?
//	/metrics      ─ reg.MustRegister(q.Collector())
//
// Guarantees and limits, from River:
//   - A job inserted with InsertTx exists if and only if the transaction
//     commits, and no node sees it before.
//   - Jobs run at least once: a worker error, a crash, or a failure to record
//     completion runs the job again. Workers must be idempotent, or record
//     their effect and complete the job in one transaction
//     (river.JobCompleteTx).
//   - A job left running by a crashed node is retried after
//     Config.RescueStuckJobsAfter (5 minutes by default, not River's hour),
//     by the leader's rescuer, which looks every 30 seconds.
//   - On SQLite the queue shares the store's single writer connection; one
//     node only. On Postgres any number of nodes share the database; each job
//     goes to one of them.
//   - Metrics come from a worker middleware, never from River's event
//     subscription (which drops events under load); nothing here relies on
//     either for correctness.
package jobs
