// Package durability holds the workflow engine's crash test (issue 7,
// "How it will be checked"): real node processes are killed with SIGKILL
// while runs are in flight, and the test checks afterwards that every run
// finished, that no committed step result was lost or changed, and that no
// step repeated its side effect.
//
// The map of the test (durability_test.go):
//
//	parent (go test)                         node (this test binary, re-executed with DURABILITY_NODE=1)
//	  migrate store + River, save a 5-step      open store, River queue, workflow engine with the
//	  workflow, start 200 runs (InsertOnly)     "effect" step; print "ready"; work until SIGKILL
//	  start node ─────────────────────────────▶
//	  10×: wait for progress past a random
//	       threshold, wait a random moment,
//	       SIGKILL, snapshot committed steps,
//	       start a new node
//	  wait for 200/200 runs, check outputs,
//	  snapshots and the effect table
//
// The "effect" step stands for a service that deduplicates by idempotency
// key: it upserts a row keyed by Call.IdempotencyKey into the effects table
// (in its own database, not the engine's), counting the requests, and
// returns the nonce of the first request with a fresh one of its own. A
// key that changed across retries or nodes would leave a second row for a
// step; a committed step that ran again would change its stored output.
//
// Recovery time: a killed node's running jobs are rescued by the next
// node once it is River's leader (the dead leader's lease lasts up to 15
// s) and at the rescuer's first pass (it then looks every 30 s), once the
// jobs are older than RescueStuckJobsAfter (7 s here) and the step's job
// timeout (StepTimeout 1 s + 5 s; the job of a run's first step gets its
// timeout from the engine that started the run, so the parent uses the
// nodes' engine configuration too). Kills are spaced by progress: the full
// test (200 runs, 10 kills) takes about 40 to 50 s per engine, both engines
// in parallel, and runs in CI as is (skipped only with -short).
// DURABILITY_RUNS and DURABILITY_KILLS change the sizes (see TestDurability).
package durability
