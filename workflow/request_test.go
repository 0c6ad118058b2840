package workflow

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drivewayhq/driveway"
)

// requestDef: folder → save → list → fan out over the files → conditional
// on the count → response built with templates.
const requestDef = `{
  "id": "save-report", "name": "Save a report", "trigger": {"type": "request"},
  "steps": [
    {"id": "folder", "type": "echo", "input": {"name": "{{ trigger.body.folder }}"}},
    {"id": "save", "type": "echo", "input": {"path": "/{{ steps.folder.output.name }}/{{ trigger.body.file }}",
      "content": "{{ trigger.body.content }}", "auth": "Bearer {{ secrets.token }}"}},
    {"id": "list", "type": "echo", "input": {"value": "{{ trigger.body.files }}"}},
    {"id": "each", "type": "fan_out", "input": {"items": "{{ steps.list.output.value }}", "parallelism": 2},
      "steps": [{"id": "touch", "type": "record", "input": {"name": "{{ steps.folder.output.name }}/{{ item }}"}}]},
    {"id": "check", "type": "conditional", "input": {"condition": "{{ len(steps.list.output.value) > 1 }}"},
      "then": [{"id": "many", "type": "echo", "input": {"size": "many"}}],
      "else": [{"id": "few", "type": "echo", "input": {"size": "few"}}]},
    {"id": "reply", "type": "response", "input": {"status": 201, "body": {
      "saved": "{{ steps.save.output.path }}", "files": "{{ steps.list.output.value }}",
      "touched": "{{ len(steps.each.output) }}", "branch": "{{ steps.check.output.branch }}",
      "size": "{{ steps.check.output.output.size }}", "user": "{{ user.id }} {{ user.metadata.plan }}"}}}
  ]}`

func TestRequestWorkflow(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		st := newSteps()
		n := startNode(t, db, st, jobs0(), Config{})
		project(t, db.store, "prj_1", "u1")
		if err := db.store.PutProjectSecret(t.Context(), &driveway.ProjectSecret{ProjectID: "prj_1", Name: "token",
			Value: "tok-very-secret"}); err != nil {
			t.Fatalf("PutProjectSecret: %v", err)
		}
		save(t, n.engine, "prj_1", requestDef)
		srv := server(t, n.engine)
		url := srv.URL + "/projects/prj_1/sdk/triggers/save-report"

		status, got := call(t, "POST", url, "u1", map[string]any{"folder": "Reports", "file": "q1.txt",
			"content": "hello", "files": []string{"a.txt", "b.txt", "c.txt"}})
		if status != 201 {
			t.Fatalf("status %d, want 201 (body %v)", status, got)
		}
		want := map[string]any{"saved": "/Reports/q1.txt", "files": []any{"a.txt", "b.txt", "c.txt"},
			"touched": 3.0, "branch": "then", "size": "many", "user": "u1 pro-u1"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("response (-want +got):\n%s", diff)
		}
		st.mu.Lock()
		items := append([]string(nil), st.items...)
		st.mu.Unlock()
		if diff := cmp.Diff([]string{"Reports/a.txt", "Reports/b.txt", "Reports/c.txt"}, sorted(items)); diff != "" {
			t.Fatalf("fan out items (-want +got):\n%s", diff)
		}

		status, got = call(t, "POST", url, "u1", map[string]any{"folder": "F", "file": "x", "files": []string{"only.txt"}})
		if status != 201 || got["branch"] != "else" || got["size"] != "few" || got["touched"] != 1.0 {
			t.Fatalf("second call: status %d, body %v; want the else branch and one item", status, got)
		}

		// The run history: every step recorded, the secret redacted.
		runs, err := db.store.ListRuns(t.Context(), "prj_1", driveway.RunFilter{})
		if err != nil || len(runs) != 2 {
			t.Fatalf("ListRuns = %d runs, %v; want 2", len(runs), err)
		}
		first := waitRun(t, n.engine, "prj_1", runs[1].ID, 10*time.Second)
		if first.Status != driveway.RunSucceeded {
			t.Fatalf("run status %q, want succeeded", first.Status)
		}
		srs, err := db.store.ListStepRuns(t.Context(), "prj_1", first.ID)
		if err != nil {
			t.Fatalf("ListStepRuns: %v", err)
		}
		keys := map[string]bool{}
		for _, sr := range srs {
			keys[sr.Key] = true
			if sr.Status != driveway.StepSucceeded {
				t.Fatalf("step %s status %q, want succeeded", sr.Key, sr.Status)
			}
			if sr.Key == "save" && string(sr.Input) != `{"auth":"Bearer [redacted]","content":"hello","path":"/Reports/q1.txt"}` {
				t.Fatalf("recorded input of save = %s, want the secret redacted", sr.Input)
			}
		}
		for _, k := range []string{"folder", "save", "list", "each", "each/0/touch", "each/2/touch", "check", "many", "reply"} {
			if !keys[k] {
				t.Fatalf("no step run %q among %v", k, keys)
			}
		}
		if keys["few"] {
			t.Fatalf("the else branch ran in the first run")
		}
	})
}

func TestRequestTriggerRefusals(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		n := startNode(t, db, newSteps(), jobs0(), Config{})
		project(t, db.store, "prj_1", "u1")
		save(t, n.engine, "prj_1", `{"id": "ack", "name": "Ack", "trigger": {"type": "request"},
			"steps": [{"id": "one", "type": "echo", "input": {"x": "{{ trigger.query.q }}"}}]}`)
		srv := server(t, n.engine)
		status, got := call(t, "POST", srv.URL+"/projects/prj_1/sdk/triggers/ack?q=1", "u1", map[string]any{})
		if status != 200 || got["runId"] == nil {
			t.Fatalf("no Response step: status %d body %v, want 200 with the run id", status, got)
		}
		if status, _ := call(t, "POST", srv.URL+"/projects/prj_1/sdk/triggers/ack", "", nil); status != 401 {
			t.Fatalf("without a principal: status %d, want 401", status)
		}
		if status, _ := call(t, "POST", srv.URL+"/projects/prj_1/sdk/triggers/none", "u1", nil); status != 404 {
			t.Fatalf("unknown workflow: status %d, want 404", status)
		}
		if status, _ := call(t, "DELETE", srv.URL+"/projects/prj_1/sdk/workflows/ack", "u1", nil); status != 200 {
			t.Fatalf("disable: status %d, want 200", status)
		}
		if status, _ := call(t, "POST", srv.URL+"/projects/prj_1/sdk/triggers/ack", "u1", nil); status != 403 {
			t.Fatalf("disabled workflow: status %d, want 403", status)
		}
		if status, _ := call(t, "POST", srv.URL+"/projects/prj_1/sdk/workflows/ack", "u1", nil); status != 200 {
			t.Fatalf("enable: status %d, want 200", status)
		}
		if status, _ := call(t, "POST", srv.URL+"/projects/prj_1/sdk/triggers/ack", "u1", nil); status != 200 {
			t.Fatalf("enabled again: status %d, want 200", status)
		}
		run := waitRun(t, n.engine, "prj_1", got["runId"].(string), 10*time.Second)
		sr, err := db.store.GetStepRun(t.Context(), "prj_1", run.ID, "one")
		if err != nil || string(sr.Output) != `{"x":"1"}` {
			t.Fatalf("step output %s, %v; want the query parameter", sr.Output, err)
		}
	})
}
