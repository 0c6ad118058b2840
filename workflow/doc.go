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
//	   output, user or secret: attempt.go)
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
// Limits: concurrency limits are checked when a run starts, in a
// transaction that takes the project's admission lease row first, so that
// admissions of one project take turns on every engine. Cancellation takes
// effect between steps (a running step finishes its attempt). A Delay's
// next step becomes due at its time but starts when River's scheduler next
// looks (about every 5 s).
package workflow
