package httpapi_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/httpapi"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/sqlite"
	"github.com/drivewayhq/driveway/workflow"
)

// wfBundle is an admin API with a running workflow engine (real River
// queue on SQLite) and test step types: echo returns its input, flaky
// fails while broken is set, hold waits for release.
type wfBundle struct {
	*bundle
	store   driveway.Store
	engine  *workflow.Engine
	broken  atomic.Bool
	release chan struct{}
	holding chan struct{}
}

func workflowSetup(t *testing.T) *wfBundle {
	t.Helper()
	ctx := context.Background()
	spec, _ := secret.GenerateKey()
	ring, err := secret.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "driveway.db"), ring)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	q, err := jobs.NewSQLite(store.WriterDB(), jobs.Config{FastPoll: true, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	wb := &wfBundle{store: store, release: make(chan struct{}), holding: make(chan struct{}, 4)}
	reg := workflow.NewRegistry(nil, nil)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(reg.Register("echo", workflow.RunnerFunc(func(ctx context.Context, c *workflow.Call) (any, error) {
		return c.Input, nil
	}), nil))
	must(reg.Register("flaky", workflow.RunnerFunc(func(ctx context.Context, c *workflow.Call) (any, error) {
		if wb.broken.Load() {
			return nil, errors.New("the service is down")
		}
		return map[string]any{"ok": true}, nil
	}), nil))
	must(reg.Register("hold", workflow.RunnerFunc(func(ctx context.Context, c *workflow.Call) (any, error) {
		wb.holding <- struct{}{}
		select {
		case <-wb.release:
			return map[string]any{"held": true}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}), nil))
	wb.engine, err = workflow.New(workflow.Config{Store: store, Queue: q, Registry: reg, Logger: quiet})
	must(err)
	must(wb.engine.Register())
	must(q.Start(ctx))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
	b := &bundle{t: t, svc: &admin.Service{Store: store}}
	if b.projA, err = b.svc.CreateProject(ctx, admin.ProjectInput{Name: "A"}); err != nil {
		t.Fatal(err)
	}
	if b.projB, err = b.svc.CreateProject(ctx, admin.ProjectInput{Name: "B"}); err != nil {
		t.Fatal(err)
	}
	_, b.keyA, err = b.svc.CreateAPIKey(ctx, b.projA.ID, "a")
	must(err)
	_, b.keyB, err = b.svc.CreateAPIKey(ctx, b.projB.ID, "b")
	must(err)
	b.srv = httptest.NewServer((&httpapi.Server{Admin: b.svc, Workflows: wb.engine}).Handler())
	t.Cleanup(b.srv.Close)
	wb.bundle = b
	return wb
}

// send sends a raw body with a content type.
func (b *bundle) send(key, method, path, contentType, body string) (int, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.srv.URL+path, strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := b.srv.Client().Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// waitRun waits until the run ends.
func (wb *wfBundle) waitRun(pid, runID string) *driveway.WorkflowRun {
	wb.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	run, err := wb.engine.Wait(ctx, pid, runID, (*driveway.WorkflowRun).Finished)
	if err != nil {
		wb.t.Fatalf("run %s did not end: %v", runID, err)
	}
	return run
}

const echoYAML = `id: greet
name: Greet
trigger: {type: request}
steps:
  - id: hello
    type: echo
    input:
      text: "hello {{ trigger.body.name }}"
      auth: "Bearer {{ secrets.apiToken }}"
  - id: again
    type: echo
    input:
      copy: "{{ steps.hello.output }}"
`

func TestWorkflowsAPI(t *testing.T) {
	t.Parallel()
	wb := workflowSetup(t)
	base := "/api/v1/projects/" + wb.projA.ID + "/workflows"

	code, body := wb.send(wb.keyA, "POST", base, "application/yaml", echoYAML)
	if code != http.StatusCreated || !strings.Contains(body, `"version":1`) || !strings.Contains(body, `"triggerType":"request"`) {
		t.Fatalf("create from YAML: %d %s", code, body)
	}
	if code, body := wb.send(wb.keyA, "POST", base, "application/yaml", echoYAML); code != http.StatusConflict {
		t.Fatalf("create again: %d %s, want 409", code, body)
	}
	// PUT: JSON, id taken from the path.
	put := `{"name": "Greet v2", "trigger": {"type": "request"}, "steps": [{"id": "hello", "type": "echo", "input": {"x": 1}}]}`
	code, out := wb.call(wb.keyA, "PUT", base+"/greet", put)
	if code != http.StatusOK || out["version"] != 2.0 || out["name"] != "Greet v2" {
		t.Fatalf("put: %d %v", code, out["_raw"])
	}
	code, out = wb.call(wb.keyA, "GET", base+"/greet?version=1", nil)
	if def, _ := out["definition"].(map[string]any); code != http.StatusOK || def["name"] != "Greet" {
		t.Fatalf("get version 1: %d %v", code, out["_raw"])
	}
	code, out = wb.call(wb.keyA, "GET", base, nil)
	if data, _ := out["data"].([]any); code != http.StatusOK || len(data) != 1 {
		t.Fatalf("list: %d %v", code, out["_raw"])
	}

	// Validation errors name the step and field.
	for _, c := range []struct{ body, field string }{
		{`{"id": "bad", "name": "B", "trigger": {"type": "request"}, "steps": [{"id": "a", "type": "echo"},
			{"id": "b", "type": "echo", "input": {"v": "{{ steps.nope.output }}"}}]}`, "steps[1].input.v"},
		{`{"id": "bad", "name": "B", "trigger": {"type": "schedule", "cron": "61 * * * *"}, "steps": [{"id": "a", "type": "echo"}]}`, "trigger.cron"},
		{`{"id": "bad", "name": "B", "trigger": {"type": "request"}, "steps": [{"id": "a", "type": "teleport"}]}`, "steps[0].type"},
		{`{"id": "other", "name": "B", "trigger": {"type": "request"}, "steps": [{"id": "a", "type": "echo"}]}`, "id"},
	} {
		code, out := wb.call(wb.keyA, "PUT", base+"/bad", c.body)
		if _, field := errField(out); code != http.StatusBadRequest || field != c.field {
			t.Errorf("PUT %s: %d %v, want 400 on %s", c.body, code, out["_raw"], c.field)
		}
	}
	if code, _ := wb.send(wb.keyA, "POST", base, "text/plain", echoYAML); code != http.StatusBadRequest {
		t.Errorf("text/plain body: %d, want 400", code)
	}

	// Tenant isolation: B's key sees none of A's workflows.
	if code, _ := wb.call(wb.keyB, "GET", base+"/greet", nil); code != http.StatusNotFound {
		t.Errorf("B's key on A's workflow: %d, want 404", code)
	}
	if code, _ := wb.call(wb.keyB, "GET", "/api/v1/projects/"+wb.projB.ID+"/workflows/greet", nil); code != http.StatusNotFound {
		t.Errorf("A's workflow under B's project: %d, want 404", code)
	}
	if code, _ := wb.call(wb.keyA, "DELETE", base+"/greet", nil); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
	if code, _ := wb.call(wb.keyA, "GET", base+"/greet", nil); code != http.StatusNotFound {
		t.Errorf("get after delete: %d, want 404", code)
	}
}

func TestProjectSecretsAPI(t *testing.T) {
	t.Parallel()
	wb := workflowSetup(t)
	base := "/api/v1/projects/" + wb.projA.ID + "/secrets"
	if code, out := wb.call(wb.keyA, "PUT", base+"/apiToken", map[string]any{"value": "tok-top-secret"}); code != http.StatusOK {
		t.Fatalf("put: %d %v", code, out["_raw"])
	}
	code, out := wb.call(wb.keyA, "GET", base, nil)
	if data, _ := out["data"].([]any); code != http.StatusOK || len(data) != 1 || data[0].(map[string]any)["name"] != "apiToken" {
		t.Fatalf("list: %d %v", code, out["_raw"])
	}
	if raw := out["_raw"].(string); strings.Contains(raw, "tok-top-secret") {
		t.Fatalf("the list shows the value: %s", raw)
	}
	for _, c := range []struct {
		name  string
		body  any
		field string
	}{{"bad-name", map[string]any{"value": "x"}, "name"}, {"ok", map[string]any{}, "value"}, {"ok", map[string]any{"value": ""}, "value"}, {"ok", map[string]any{"value": "1234567"}, "value"}} {
		code, out := wb.call(wb.keyA, "PUT", base+"/"+c.name, c.body)
		if _, field := errField(out); code != http.StatusBadRequest || field != c.field {
			t.Errorf("PUT %s %v: %d %v, want 400 on %s", c.name, c.body, code, out["_raw"], c.field)
		}
	}
	if code, _ := wb.call(wb.keyB, "DELETE", base+"/apiToken", nil); code != http.StatusNotFound {
		t.Errorf("B's key deletes A's secret: %d, want 404", code)
	}
	if code, _ := wb.call(wb.keyA, "DELETE", base+"/apiToken", nil); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
	if code, _ := wb.call(wb.keyA, "DELETE", base+"/apiToken", nil); code != http.StatusNotFound {
		t.Errorf("delete again: %d, want 404", code)
	}
}

func TestRunsAPI(t *testing.T) {
	t.Parallel()
	wb := workflowSetup(t)
	ctx := context.Background()
	pid := wb.projA.ID
	base := "/api/v1/projects/" + pid
	if code, out := wb.call(wb.keyA, "PUT", base+"/secrets/apiToken", map[string]any{"value": "tok-top-secret"}); code != http.StatusOK {
		t.Fatalf("put secret: %d %v", code, out["_raw"])
	}
	if code, body := wb.send(wb.keyA, "POST", base+"/workflows", "application/yaml", echoYAML); code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	flaky := `{"id": "flaky", "name": "Flaky", "trigger": {"type": "request"}, "steps": [
		{"id": "first", "type": "echo", "input": {"n": "{{ trigger.body.n }}"}},
		{"id": "call", "type": "flaky"},
		{"id": "last", "type": "echo", "input": {"after": "{{ steps.call.output.ok }}"}}]}`
	if code, out := wb.call(wb.keyA, "POST", base+"/workflows", flaky); code != http.StatusCreated {
		t.Fatalf("create flaky: %d %v", code, out["_raw"])
	}
	start := func(wf, user string, trigger any) string {
		t.Helper()
		run, err := wb.engine.StartRun(ctx, workflow.StartParams{ProjectID: pid, WorkflowID: wf, UserID: user, Trigger: trigger})
		if err != nil {
			t.Fatal(err)
		}
		return run.ID
	}

	// A run whose steps saw the secret: the detail redacts it everywhere.
	greet := start("greet", "u1", map[string]any{"body": map[string]any{"name": "Ada"}})
	if run := wb.waitRun(pid, greet); run.Status != driveway.RunSucceeded {
		t.Fatalf("greet run: %s %s", run.Status, run.Error)
	}
	code, out := wb.call(wb.keyA, "GET", base+"/runs/"+greet, nil)
	raw := out["_raw"].(string)
	if code != http.StatusOK || strings.Contains(raw, "tok-top-secret") || !strings.Contains(raw, "Bearer [redacted]") {
		t.Fatalf("run detail: %d %s", code, raw)
	}
	steps, _ := out["steps"].([]any)
	if len(steps) != 2 {
		t.Fatalf("run detail steps = %d, want 2: %s", len(steps), raw)
	}
	hello := steps[0].(map[string]any)
	if in, _ := hello["input"].(map[string]any); hello["stepId"] != "hello" || in["text"] != "hello Ada" ||
		hello["attempts"] != 1.0 || hello["status"] != "succeeded" || hello["durationMs"] == nil {
		t.Fatalf("step hello: %v", hello)
	}

	// A failing run, re-run from the failed step once the service is back.
	wb.broken.Store(true)
	failing := start("flaky", "u2", map[string]any{"body": map[string]any{"n": 7}})
	if run := wb.waitRun(pid, failing); run.Status != driveway.RunFailed {
		t.Fatalf("flaky run: %s", run.Status)
	}
	code, out = wb.call(wb.keyA, "GET", base+"/runs/"+failing, nil)
	if code != http.StatusOK || out["status"] != "failed" || !strings.Contains(out["_raw"].(string), "the service is down") {
		t.Fatalf("failed run detail: %d %v", code, out["_raw"])
	}
	if code, _ := wb.call(wb.keyA, "POST", base+"/runs/"+greet+"/rerun", nil); code != http.StatusConflict {
		t.Errorf("rerun a succeeded run: %d, want 409", code)
	}
	wb.broken.Store(false)
	if code, out := wb.call(wb.keyA, "POST", base+"/runs/"+failing+"/rerun", nil); code != http.StatusAccepted {
		t.Fatalf("rerun: %d %v", code, out["_raw"])
	}
	if run := wb.waitRun(pid, failing); run.Status != driveway.RunSucceeded {
		t.Fatalf("rerun ended %s: %s", run.Status, run.Error)
	}
	_, out = wb.call(wb.keyA, "GET", base+"/runs/"+failing, nil)
	for _, s := range out["steps"].([]any) {
		sm := s.(map[string]any)
		if want := map[string]float64{"first": 1, "call": 1, "last": 1}[sm["stepId"].(string)]; sm["attempts"] != want {
			t.Errorf("after rerun, step %v has %v attempts, want %v (first not repeated)", sm["stepId"], sm["attempts"], want)
		}
	}

	// Cancel a run while its step runs: the next step never starts.
	hold := `{"id": "hold", "name": "Hold", "trigger": {"type": "request"}, "steps": [
		{"id": "wait", "type": "hold"}, {"id": "after", "type": "echo"}]}`
	if code, out := wb.call(wb.keyA, "POST", base+"/workflows", hold); code != http.StatusCreated {
		t.Fatalf("create hold: %d %v", code, out["_raw"])
	}
	held := start("hold", "u1", nil)
	<-wb.holding
	code, out = wb.call(wb.keyA, "POST", base+"/runs/"+held+"/cancel", nil)
	if code != http.StatusAccepted || out["status"] != "cancelled" {
		t.Fatalf("cancel: %d %v", code, out["_raw"])
	}
	close(wb.release)
	waitFor(t, "the held step to record its result", func() bool {
		sr, err := wb.store.GetStepRun(ctx, pid, held, "wait")
		return err == nil && sr.Status == driveway.StepSucceeded
	})
	if _, err := wb.store.GetStepRun(ctx, pid, held, "after"); driveway.ErrorCode(err) != driveway.ENOTFOUND {
		t.Fatalf("the step after a cancel ran (%v)", err)
	}
	if code, _ := wb.call(wb.keyA, "POST", base+"/runs/"+held+"/cancel", nil); code != http.StatusConflict {
		t.Errorf("cancel an ended run: %d, want 409", code)
	}

	// Filters and pages.
	list := func(q string) ([]string, string) {
		t.Helper()
		code, out := wb.call(wb.keyA, "GET", base+"/runs"+q, nil)
		if code != http.StatusOK {
			t.Fatalf("list %s: %d %v", q, code, out["_raw"])
		}
		var ids []string
		for _, r := range out["data"].([]any) {
			ids = append(ids, r.(map[string]any)["id"].(string))
		}
		next, _ := out["nextCursor"].(string)
		return ids, next
	}
	if ids, _ := list("?workflowId=flaky"); len(ids) != 1 || ids[0] != failing {
		t.Errorf("workflowId filter: %v", ids)
	}
	if ids, _ := list("?userId=u1"); len(ids) != 2 || ids[0] != held || ids[1] != greet {
		t.Errorf("userId filter: %v, want [%s %s]", ids, held, greet)
	}
	if ids, _ := list("?status=cancelled"); len(ids) != 1 || ids[0] != held {
		t.Errorf("status filter: %v", ids)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if ids, _ := list("?since=" + future); len(ids) != 0 {
		t.Errorf("since the future: %v", ids)
	}
	if ids, _ := list("?until=" + future); len(ids) != 3 {
		t.Errorf("until the future: %v", ids)
	}
	var paged []string
	for cursor, pages := "", 0; ; pages++ {
		ids, next := list("?limit=1&cursor=" + cursor)
		paged = append(paged, ids...)
		if next == "" || pages > 5 {
			break
		}
		cursor = next
	}
	if all, _ := list(""); strings.Join(paged, ",") != strings.Join(all, ",") || len(all) != 3 {
		t.Errorf("pages of one = %v, want %v", paged, all)
	}
	for _, q := range []string{"?status=nope", "?limit=0", "?limit=500", "?since=yesterday", "?cursor=%25%25"} {
		code, out := wb.call(wb.keyA, "GET", base+"/runs"+q, nil)
		if code != http.StatusBadRequest {
			t.Errorf("list %s: %d %v, want 400", q, code, out["_raw"])
		}
	}

	// Tenant isolation: B's key cannot read, cancel or re-run A's runs.
	for _, c := range []struct{ method, path string }{
		{"GET", base + "/runs"}, {"GET", base + "/runs/" + greet}, {"POST", base + "/runs/" + failing + "/rerun"},
		{"GET", "/api/v1/projects/" + wb.projB.ID + "/runs/" + greet},
		{"POST", "/api/v1/projects/" + wb.projB.ID + "/runs/" + held + "/cancel"},
	} {
		if code, _ := wb.call(wb.keyB, c.method, c.path, nil); code != http.StatusNotFound {
			t.Errorf("B's key %s %s: %d, want 404", c.method, c.path, code)
		}
	}
}

func TestWorkflowRoutesWithoutEngine(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, p := range []string{"/workflows", "/runs", "/secrets"} {
		if code, _ := b.call(b.keyA, "GET", "/api/v1/projects/"+b.projA.ID+p, nil); code != http.StatusServiceUnavailable {
			t.Errorf("GET %s without an engine: %d, want 503", p, code)
		}
	}
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond) // poll interval
	}
}
