package dashboard_test

import (
	"context"
	"errors"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/action"
	"github.com/drivewayhq/driveway/dashboard"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/sqlite"
	"github.com/drivewayhq/driveway/workflow"
)

// serveWithWorkflows replaces b's server with one that has a running
// workflow engine (real River queue on the bundle's SQLite store) whose
// test step types are echo (returns its input) and flaky (fails while
// broken is set).
func serveWithWorkflows(t *testing.T, b *bundle, broken *atomic.Bool) *workflow.Engine {
	t.Helper()
	store := b.svc.Store.(*sqlite.Store)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	q, err := jobs.NewSQLite(store.WriterDB(), jobs.Config{FastPoll: true, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	reg := workflow.NewRegistry(nil, nil)
	cat, err := action.NewCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	reg.SetActions(cat) // as every server: save checks actions and their inputs
	if err := reg.Register("echo", workflow.RunnerFunc(func(ctx context.Context, c *workflow.Call) (any, error) {
		return c.Input, nil
	}), nil); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register("flaky", workflow.RunnerFunc(func(ctx context.Context, c *workflow.Call) (any, error) {
		if broken.Load() {
			return nil, errors.New("the service is down")
		}
		return map[string]any{"ok": true}, nil
	}), nil); err != nil {
		t.Fatal(err)
	}
	eng, err := workflow.New(workflow.Config{Store: store, Queue: q, Registry: reg, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Register(); err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
	h := dashboard.New(dashboard.Options{Admin: b.svc, AdminPassword: testPassword, Sealer: parseRing(t, b.keySpec),
		Now: b.clock.Now, Logger: quiet, Workflows: eng})
	mux := http.NewServeMux()
	mux.Handle("/dashboard/", b.record(h))
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	return eng
}

const dashWorkflow = `id: greet
name: Greet
trigger: {type: request}
steps:
  - id: hello
    type: echo
    input: {text: "hello {{ trigger.body.name }}", auth: "Bearer {{ secrets.apiToken }}"}
  - id: check
    type: conditional
    input: {condition: "{{ trigger.body.name == 'Ada' }}"}
    then:
      - id: yes
        type: echo
    else:
      - id: call
        type: flaky
`

func TestWorkflowsPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var broken atomic.Bool
	eng := serveWithWorkflows(t, b, &broken)
	b.login()
	list, editor := b.projectPath("/workflows"), b.projectPath("/new-workflow")
	resp, body := b.get(list)
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, "No workflows yet")

	// An invalid definition: the message names the step and field, beside
	// the step in the picture.
	bad := strings.Replace(dashWorkflow, "{{ trigger.body.name }}", "{{ steps.nope.output }}", 1)
	resp, body = b.post(editor, list, url.Values{"definition": {bad}})
	wantStatus(t, resp, http.StatusBadRequest, body)
	want := html.EscapeString(`step "hello" (steps[0]), field input.text: unknown step "nope"`)
	wantContains(t, body, `<p class="field-error" id="invalid">`+want)
	i := strings.Index(body, `id="step-hello"`)
	if i < 0 || !strings.Contains(body[i-30:i], "card once") || !strings.Contains(body[i:], want) {
		t.Fatalf("the picture does not mark step hello:\n%s", body)
	}
	wantContains(t, body, "steps.nope.output") // the text is kept

	// A valid one: saved, the picture shows the branches indented.
	resp, body = b.post(editor, list, url.Values{"definition": {dashWorkflow}})
	wantStatus(t, resp, http.StatusSeeOther, body)
	wantLocation(t, resp, list+"/greet?done=saved")
	resp, body = b.get(list + "/greet")
	wantStatus(t, resp, http.StatusOK, body)
	for _, s := range []string{"version 1", "/sdk/triggers/greet", `<div class="indent"><span class="label">then</span>`, `id="step-yes"`, `id="step-call"`} {
		wantContains(t, body, s)
	}
	if resp, body := b.do(b.srv, http.MethodPost, list, url.Values{"definition": {dashWorkflow}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("save without a CSRF token: %d, want 403\n%s", resp.StatusCode, body)
	}

	// Runs: one succeeds, one fails; the history filters them and the
	// detail redacts the secret.
	if err := b.svc.Store.PutProjectSecret(t.Context(), &driveway.ProjectSecret{ProjectID: b.project.ID, Name: "apiToken", Value: "tok-top-secret"}); err != nil {
		t.Fatal(err)
	}
	start := func(user, name string) *driveway.WorkflowRun {
		t.Helper()
		run, err := eng.StartRun(t.Context(), workflow.StartParams{ProjectID: b.project.ID, WorkflowID: "greet", UserID: user,
			Trigger: map[string]any{"body": map[string]any{"name": name}}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
		defer cancel()
		run, err = eng.Wait(ctx, b.project.ID, run.ID, (*driveway.WorkflowRun).Finished)
		if err != nil {
			t.Fatalf("run did not end: %v", err)
		}
		return run
	}
	ok := start("u1", "Ada")
	broken.Store(true)
	failed := start("u2", "Bob")
	if ok.Status != driveway.RunSucceeded || failed.Status != driveway.RunFailed {
		t.Fatalf("runs ended %s and %s", ok.Status, failed.Status)
	}
	runs := b.projectPath("/runs")
	_, body = b.get(runs)
	if !strings.Contains(body, ok.ID) || !strings.Contains(body, failed.ID) {
		t.Fatalf("the history lacks a run:\n%s", body)
	}
	_, body = b.get(runs + "?status=failed")
	if strings.Contains(body, ok.ID) || !strings.Contains(body, failed.ID) {
		t.Fatalf("status filter:\n%s", body)
	}
	_, body = b.get(runs + "?user=u1&workflow=greet")
	if !strings.Contains(body, ok.ID) || strings.Contains(body, failed.ID) {
		t.Fatalf("user filter:\n%s", body)
	}
	resp, body = b.get(runs + "?since=" + time.Now().UTC().Add(48*time.Hour).Format(time.DateOnly))
	if resp.StatusCode != http.StatusOK || strings.Contains(body, ok.ID) {
		t.Fatalf("since filter: %d\n%s", resp.StatusCode, body)
	}
	resp, body = b.get(runs + "?status=bogus")
	wantStatus(t, resp, http.StatusBadRequest, body)

	resp, body = b.get(runs + "/" + ok.ID)
	wantStatus(t, resp, http.StatusOK, body)
	if b.seen("tok-top-secret") {
		t.Fatal("a page showed the secret's value")
	}
	wantContains(t, body, "Bearer [redacted]")
	wantContains(t, body, `id="steprun-hello"`)
	wantContains(t, body, "1 attempt ")

	// The failed run: its error, and a re-run from the failed step.
	failedPage := runs + "/" + failed.ID
	resp, body = b.get(failedPage)
	wantContains(t, body, "the service is down")
	broken.Store(false)
	resp, body = b.post(failedPage, failedPage+"/rerun", url.Values{})
	wantStatus(t, resp, http.StatusSeeOther, body)
	wantLocation(t, resp, failedPage+"?done=rerun")
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if run, err := eng.Wait(ctx, b.project.ID, failed.ID, (*driveway.WorkflowRun).Finished); err != nil || run.Status != driveway.RunSucceeded {
		t.Fatalf("re-run: %v %v", run, err)
	}
	resp, body = b.post(failedPage, failedPage+"/cancel", url.Values{})
	wantStatus(t, resp, http.StatusBadRequest, body) // it already ended

	resp, body = b.post(list+"/greet", list+"/greet/delete", url.Values{})
	wantStatus(t, resp, http.StatusSeeOther, body)
	resp, body = b.get(list + "/greet")
	wantStatus(t, resp, http.StatusNotFound, body)
}

func TestWorkflowsPagesWithoutEngine(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login()
	for _, p := range []string{"/workflows", "/runs", "/new-workflow"} {
		resp, body := b.get(b.projectPath(p))
		wantStatus(t, resp, http.StatusNotImplemented, body)
	}
}

func TestWorkflowSecretsPage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var broken atomic.Bool
	serveWithWorkflows(t, b, &broken)
	b.login()
	page := b.projectPath("/workflows")
	secrets := b.projectPath("/secrets")
	resp, body := b.post(page, secrets, url.Values{"secret_name": {"9bad"}, "secret_value": {"value-one-canary"}})
	wantStatus(t, resp, http.StatusBadRequest, body)
	wantContains(t, body, "not starting with a digit")
	resp, body = b.post(page, secrets, url.Values{"secret_name": {"pin"}, "secret_value": {"1234567"}})
	wantStatus(t, resp, http.StatusBadRequest, body)
	wantContains(t, body, "At least 8 bytes")
	resp, body = b.post(page, secrets, url.Values{"secret_name": {"apiToken"}, "secret_value": {"value-one-canary"}})
	wantStatus(t, resp, http.StatusSeeOther, body)
	wantLocation(t, resp, page+"?done=secret-saved")
	_, body = b.get(page)
	wantContains(t, body, "<code>apiToken</code>")
	wantContains(t, body, "<code>{{ secrets.name }}</code>")
	if b.seen("value-one-canary") {
		t.Fatal("a page showed the secret's value")
	}
	list, err := b.svc.Store.ListProjectSecrets(t.Context(), b.project.ID)
	if err != nil || len(list) != 1 || list[0].Value != "value-one-canary" {
		t.Fatalf("stored secrets: %v %v", list, err)
	}
	resp, body = b.post(page, secrets+"/apiToken/delete", url.Values{})
	wantStatus(t, resp, http.StatusSeeOther, body)
	if list, _ := b.svc.Store.ListProjectSecrets(t.Context(), b.project.ID); len(list) != 0 {
		t.Fatal("the secret was not deleted")
	}
}
