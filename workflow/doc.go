// Package workflow is Driveway's workflow engine: definitions, triggers,
// steps and durable runs on the job queue (package jobs, River).
//
// The flow:
//
//	SaveWorkflow(pid, json) ─ Parse ─ Registry.Validate (errors name "steps[2].input.path") ─ Store.PutWorkflow (new version)
//	triggers ─ Handler(): Request, App Event, enable/disable ─┐
//	           Tick (schedule, periodic job), IntegrationEnabled, FileChange
//	                                                          └─ StartRun: run (queued) + job of step 0, one transaction
//	job "workflow_step" {run, index} ─ admit (concurrency) ─ record attempt ─ evaluate {{ }} input ─ run the step
//	   (a leaf step's attempt is recorded only once it has run 1 s, and a step without {{ }} reads no earlier
//	   output or user: attempt.go) ─ output, input, error masked (package redact) before anything stores them
//	   success, or final failure ─ ONE transaction: step result + run update + next step's job;
//	   River then completes the job (in batches); a job run again finds its step committed and ends
//	   failure with attempts left ─ record the error, return it: River retries after the step's backoff
//	nested steps (branches, fan-out bodies) run inside their parent's job; each commits its result as it ends,
//	   so a retried or rescued parent skips them
//
// Guarantees: a step's committed result is never lost, and the next step is
// enqueued if and only if that result commits. A node that dies mid-step
// leaves its job running; River's rescuer (jobs.Config.RescueStuckJobsAfter)
// hands it to another node, which runs the step again: steps are
// at-least-once, so a step with side effects passes Call.IdempotencyKey
// (stable across retries and nodes) to the service it calls.
//
// Secrets: every secret value is masked, in every encoding package redact
// knows, in what a run records (inputs, outputs, errors, responses) and so
// in the history, the queue's job errors, the logs and the Request
// trigger's answers; a failed run's Request trigger answers with a generic
// message. A secret shorter than redact.MinLen is never given to a run.
//
// Waiting: a Request trigger's wait for its Response reads the run when a
// commit wakes it (wait.go): in process, and across nodes on a store that
// is a driveway.RunWatcher (Postgres LISTEN/NOTIFY); Config.WaitPoll is
// the safety net.
//
// Limits: concurrency limits are checked when a run starts, in a
// transaction that takes the project's admission lease row first, so that
// admissions of one project take turns on every engine. Cancellation takes
// effect between steps (a running step finishes its attempt). A Delay's
// next step becomes due at its time but starts when River's scheduler next
// looks (about every 5 s).
package workflow
