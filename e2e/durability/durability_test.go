package durability

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/storetest"
	"github.com/drivewayhq/driveway/workflow"
)

const (
	project  = "prj_durable"
	stepsN   = 5
	wfID     = "durable"
	finishBy = 4 * time.Minute // all runs, after the last kill
)

// TestDurability: 200 runs of 5 effect steps on one node process that is
// killed with SIGKILL 10 times at random moments and restarted, on SQLite
// and on Postgres (skipped without DRIVEWAY_TEST_POSTGRES_URL). Every run
// must succeed; every step result committed before a kill must be there,
// unchanged, at the end; each step's effect must be applied under exactly
// one key (its idempotency key), once.
//
// Each kill waits for the progress (effects applied) to pass a random
// threshold between 3% and 85% of the steps, then a random 0-300 ms. A
// killed node's running steps resume once the next node is River's leader
// (up to ~15 s) and has rescued them (the rescuer looks when a node becomes
// leader, then every 30 s): about 40 to 50 s per engine, both engines in
// parallel, so CI runs the full test. DURABILITY_RUNS and DURABILITY_KILLS
// override 200 and 10 (a quicker variant, or a longer soak).
func TestDurability(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: the crash test takes minutes")
	}
	runs, kills := envInt(t, "DURABILITY_RUNS", 200), envInt(t, "DURABILITY_KILLS", 10)
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		crashTest(t, "sqlite", filepath.Join(dir, "driveway.db"), filepath.Join(dir, "effects.db"), runs, kills)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		url, _ := storetest.PostgresSchema(t)
		crashTest(t, "postgres", url, url, runs, kills)
	})
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q is not a positive number", name, v)
	}
	return n
}

// crash is one engine's test.
type crash struct {
	t       *testing.T
	engine  string
	env     []string
	store   driveway.Store
	fx      *effects
	runIDs  []string
	commits map[string]string // committed step outputs seen after kills, by "run/step"
}

func crashTest(t *testing.T, engine, dsn, effectsDSN string, runs, kills int) {
	ctx := t.Context()
	spec, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	c := &crash{t: t, engine: engine, commits: map[string]string{},
		env: []string{envNode + "=1", envEngine + "=" + engine, envDSN + "=" + dsn, envKey + "=" + spec, envEffects + "=" + effectsDSN}}
	c.setup(ctx, dsn, spec, runs)
	if c.fx, err = openEffects(ctx, engine, effectsDSN); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.fx.db.Close() })

	total := runs * stepsN
	began := time.Now()
	n := c.startNode()
	for k, at := range thresholds(kills, total) {
		c.waitProgress(at, n)
		time.Sleep(time.Duration(mrand.IntN(300)) * time.Millisecond) // a random moment, not a wait
		n.kill()
		c.snapshot()
		t.Logf("%s: kill %d at %d/%d effects, %s in; %d committed step results", engine, k+1, at, total,
			time.Since(began).Round(time.Millisecond), len(c.commits))
		n = c.startNode()
	}
	c.waitRuns(n)
	t.Logf("%s: %d/%d runs finished %s after the start", engine, runs, runs, time.Since(began).Round(time.Millisecond))
	n.kill()
	c.check()
}

// setup migrates, saves the workflow and starts the runs, from this
// process, with a queue that only inserts.
func (c *crash) setup(ctx context.Context, dsn, spec string, runs int) {
	t := c.t
	ring, err := secret.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, q, err := openNode(ctx, c.engine, dsn, ring, jobs.Config{InsertOnly: true}, log)
	if err != nil {
		t.Fatal(err)
	}
	c.store = store
	t.Cleanup(func() { store.(io.Closer).Close() })
	if err := store.(interface{ Migrate(context.Context) error }).Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := q.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	reg, err := registry(nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := nodeEngine // the first steps' job timeouts come from this engine
	cfg.Store, cfg.Queue, cfg.Registry, cfg.Logger = store, q, reg, log
	e, err := workflow.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateProject(ctx, &driveway.Project{ID: project, Name: "durability"}); err != nil {
		t.Fatal(err)
	}
	steps := []string{`{"id": "s0", "type": "effect"}`}
	for i := 1; i < stepsN; i++ {
		steps = append(steps, fmt.Sprintf(`{"id": "s%d", "type": "effect", "input": {"prev": "{{ steps.s%d.output.exec }}"}}`, i, i-1))
	}
	def := `{"id": "` + wfID + `", "name": "D", "trigger": {"type": "request"}, "steps": [` + strings.Join(steps, ",") + `]}`
	if _, err := e.SaveWorkflow(ctx, project, []byte(def)); err != nil {
		t.Fatal(err)
	}
	for i := range runs {
		run, err := e.StartRun(ctx, workflow.StartParams{ProjectID: project, WorkflowID: wfID, UserID: fmt.Sprint("u", i%20)})
		if err != nil {
			t.Fatal(err)
		}
		c.runIDs = append(c.runIDs, run.ID)
	}
}

// thresholds returns n sorted progress marks between 3% and 85% of total.
func thresholds(n, total int) []int {
	lo, hi := total*3/100, total*85/100
	out := make([]int, n)
	for i := range out {
		out[i] = lo + mrand.IntN(max(hi-lo, 1))
	}
	slices.Sort(out)
	return out
}

// node is a running node process.
type node struct {
	cmd    *exec.Cmd
	out    *logBuffer
	exited chan struct{}
}

// startNode starts a node process and waits until it is ready.
func (c *crash) startNode() *node {
	t := c.t
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), c.env...)
	out := &logBuffer{}
	cmd.Stderr = out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &node{cmd: cmd, out: out, exited: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "ready" {
				close(ready)
			}
		}
		cmd.Wait()
		close(n.exited)
	}()
	t.Cleanup(n.kill)
	select {
	case <-ready:
	case <-n.exited:
		t.Fatalf("%s node exited before it was ready:\n%s", c.engine, out)
	case <-time.After(30 * time.Second):
		t.Fatalf("%s node not ready within 30 s:\n%s", c.engine, out)
	}
	return n
}

// kill sends SIGKILL and waits for the process to be gone.
func (n *node) kill() {
	n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.exited
}

// alive fails the test if the node exited by itself.
func (c *crash) alive(n *node) {
	select {
	case <-n.exited:
		c.t.Fatalf("%s node exited by itself:\n%s", c.engine, n.out)
	default:
	}
}

// waitProgress polls until at least at effects have been applied.
func (c *crash) waitProgress(at int, n *node) {
	deadline := time.Now().Add(finishBy)
	for {
		got, err := c.fx.count(c.t.Context())
		if err == nil && got >= at {
			return
		}
		c.alive(n)
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: %d effects applied after %s, want %d (%v):\n%s", c.engine, got, finishBy, at, err, n.out)
		}
		time.Sleep(20 * time.Millisecond) // poll interval
	}
}

// waitRuns polls until every run has finished.
func (c *crash) waitRuns(n *node) {
	deadline := time.Now().Add(finishBy)
	pending := slices.Clone(c.runIDs)
	for len(pending) > 0 {
		run, err := c.store.GetRun(c.t.Context(), project, pending[0])
		switch {
		case err != nil:
			c.t.Fatalf("GetRun %s: %v", pending[0], err)
		case run.Finished():
			pending = pending[1:]
			continue
		}
		c.alive(n)
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: %d of %d runs still %s after %s (first: %s):\n%s", c.engine, len(pending), len(c.runIDs),
				run.Status, finishBy, run.ID, n.out)
		}
		time.Sleep(50 * time.Millisecond) // poll interval
	}
}

// snapshot records every committed step result (no node is running).
func (c *crash) snapshot() {
	for _, id := range c.runIDs {
		srs, err := c.store.ListStepRuns(c.t.Context(), project, id)
		if err != nil {
			c.t.Fatalf("ListStepRuns %s: %v", id, err)
		}
		for _, sr := range srs {
			if sr.Status != driveway.StepSucceeded {
				continue
			}
			k := id + "/" + sr.Key
			if prev, ok := c.commits[k]; ok && prev != string(sr.Output) {
				c.t.Fatalf("%s: committed output of %s changed between kills: %s → %s", c.engine, k, prev, sr.Output)
			}
			c.commits[k] = string(sr.Output)
		}
	}
}

// logBuffer collects a node's stderr.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// stepOutput is what the effect step returns.
type stepOutput struct {
	Key    string `json:"key"`
	Effect string `json:"effect"`
	Exec   string `json:"exec"`
	Prev   any    `json:"prev"`
}

func decodeOutput(t *testing.T, raw json.RawMessage) stepOutput {
	var o stepOutput
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatalf("step output %s: %v", raw, err)
	}
	return o
}
