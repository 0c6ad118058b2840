package workflow

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drivewayhq/driveway"
)

func TestAppEventStartsListeners(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		n := startNode(t, db, newSteps(), jobs0(), Config{})
		project(t, db.store, "prj_1", "u1")
		project(t, db.store, "prj_2", "u1")
		def := func(id, event string, enabled bool) string {
			on := "true"
			if !enabled {
				on = "false"
			}
			return `{"id": "` + id + `", "name": "N", "trigger": {"type": "app_event", "event": "` + event + `"},
				"defaultEnabled": ` + on + `, "steps": [{"id": "s", "type": "echo", "input": {"who": "{{ trigger.email }}"}}]}`
		}
		save(t, n.engine, "prj_1", def("welcome", "signup", true))
		save(t, n.engine, "prj_1", def("crm", "signup", true))
		save(t, n.engine, "prj_1", def("muted", "signup", true))
		save(t, n.engine, "prj_1", def("optin", "signup", false))
		save(t, n.engine, "prj_1", def("other", "login", true))
		save(t, n.engine, "prj_2", def("elsewhere", "signup", true))
		srv := server(t, n.engine)
		if status, _ := call(t, "DELETE", srv.URL+"/projects/prj_1/sdk/workflows/muted", "u1", nil); status != 200 {
			t.Fatalf("disable: status %d", status)
		}
		status, got := call(t, "POST", srv.URL+"/v2/projects/prj_1/sdk/events/trigger", "u1",
			map[string]any{"name": "signup", "payload": map[string]any{"email": "a@example.com"}})
		ids, _ := got["runIds"].([]any)
		if status != 200 || len(ids) != 2 {
			t.Fatalf("event: status %d, body %v; want two runs (welcome, crm)", status, got)
		}
		wfs := map[string]bool{}
		for _, id := range ids {
			run := waitRun(t, n.engine, "prj_1", id.(string), 10*time.Second)
			if run.Status != driveway.RunSucceeded {
				t.Fatalf("run of %s: %s (%s)", run.WorkflowID, run.Status, run.Error)
			}
			wfs[run.WorkflowID] = true
			sr, err := db.store.GetStepRun(t.Context(), "prj_1", run.ID, "s")
			if err != nil || string(sr.Output) != `{"who":"a@example.com"}` {
				t.Fatalf("step output %s, %v; want the payload's email", sr.Output, err)
			}
		}
		if !wfs["welcome"] || !wfs["crm"] {
			t.Fatalf("started %v, want welcome and crm", wfs)
		}
		status, got = call(t, "POST", srv.URL+"/projects/prj_1/sdk/events/trigger", "u1",
			map[string]any{"name": "nobody-listens", "payload": 1})
		if ids, _ := got["runIds"].([]any); status != 200 || len(ids) != 0 {
			t.Fatalf("unheard event: status %d body %v, want 200 and no runs", status, got)
		}
	})
}

// TestScheduleCompressedClock: a cron every 10 seconds in New York time,
// over a minute of a compressed clock, fires 6 times for each enabled user
// and never twice for one time, on a second node too.
func TestScheduleCompressedClock(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		// The test moves time with explicit ticks. The scheduler's own
		// periodic job sees a clock stopped 5 s before the start, and looks
		// back two intervals (2 s) from there: it finds no due time, so it
		// cannot fire 12:00:00 for u3 before the test disables u3.
		start := time.Date(2026, 6, 1, 12, 0, 0, 500_000_000, time.UTC)
		stopped := func() time.Time { return start.Add(-5 * time.Second) }
		n := startNode(t, db, newSteps(), jobs0(), Config{ScheduleInterval: time.Second, Now: stopped})
		project(t, db.store, "prj_1", "u1", "u2", "u3")
		save(t, n.engine, "prj_1", `{"id": "tick", "name": "Tick", "trigger": {"type": "schedule",
			"cron": "*/10 * * * * *", "timeZone": "America/New_York"},
			"steps": [{"id": "s", "type": "echo", "input": {"at": "{{ trigger.scheduledAt }}"}}]}`)
		if err := db.store.SetWorkflowEnabled(t.Context(), "prj_1", "tick", "u3", false); err != nil {
			t.Fatalf("SetWorkflowEnabled: %v", err)
		}
		if _, err := n.engine.Tick(t.Context(), start); err != nil { // fires 12:00:00
			t.Fatalf("Tick: %v", err)
		}
		total := 0
		for i := 1; i <= 12; i++ { // one tick per 5 s of the compressed clock
			got, err := n.engine.Tick(t.Context(), start.Add(time.Duration(i)*5*time.Second))
			if err != nil {
				t.Fatalf("Tick: %v", err)
			}
			total += got
		}
		if total != 12 {
			t.Fatalf("12:00:00.5 to 12:01:00.5 started %d runs, want 12 (6 times × 2 enabled users)", total)
		}
		// Another node (no memory of ticks) looking at the same minute starts
		// nothing. Its clock is stopped at the minute's end: its periodic
		// job's first tick looks back two intervals (60 s) from there, not
		// into the minute before start (which would fire 11:59:10 to :50).
		end := func() time.Time { return start.Add(60 * time.Second) }
		other := startNode(t, db, newSteps(), jobs0(), Config{ScheduleInterval: 30 * time.Second, Now: end})
		if got, err := other.engine.Tick(t.Context(), start.Add(60*time.Second)); err != nil || got != 0 {
			t.Fatalf("second node's tick started %d (%v), want 0", got, err)
		}
		runs, err := db.store.ListRuns(t.Context(), "prj_1", driveway.RunFilter{UserID: "u3"})
		if err != nil || len(runs) != 0 {
			t.Fatalf("disabled user has %d runs (%v)", len(runs), err)
		}
		runs, err = db.store.ListRuns(t.Context(), "prj_1", driveway.RunFilter{UserID: "u1"})
		if err != nil || len(runs) != 7 {
			t.Fatalf("u1 has %d runs (%v), want 7 (12:00:00 to 12:01:00)", len(runs), err)
		}
		waitRun(t, n.engine, "prj_1", runs[0].ID, 10*time.Second)
	})
}

// TestSchedulerPeriodicJob: the periodic job ticks by itself on a clock
// running 600 times faster than real time.
func TestSchedulerPeriodicJob(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		realStart, start := time.Now(), time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		clock := func() time.Time { return start.Add(time.Since(realStart) * 600) }
		project(t, db.store, "prj_1", "u1")
		n := startNode(t, db, newSteps(), jobs0(), Config{ScheduleInterval: 100 * time.Millisecond, Now: clock})
		save(t, n.engine, "prj_1", `{"id": "minutely", "name": "M", "trigger": {"type": "schedule", "cron": "* * * * *"},
			"steps": [{"id": "s", "type": "echo", "input": {}}]}`)
		waitFor(t, "a scheduled run", 20*time.Second, func() bool {
			runs, err := db.store.ListRuns(context.Background(), "prj_1", driveway.RunFilter{Status: driveway.RunSucceeded})
			return err == nil && len(runs) >= 2
		})
	})
}

func TestIntegrationEnabledAndFileChange(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		n := startNode(t, db, newSteps(), jobs0(), Config{})
		project(t, db.store, "prj_1", "u1")
		save(t, n.engine, "prj_1", `{"id": "hello", "name": "H", "trigger": {"type": "integration_enabled"},
			"steps": [{"id": "s", "type": "echo", "input": {"c": "{{ trigger.credentialId }}"}}]}`)
		save(t, n.engine, "prj_1", `{"id": "changed", "name": "C", "trigger": {"type": "file_change"},
			"steps": [{"id": "s", "type": "echo", "input": {"name": "{{ trigger.item.name }}"}}]}`)
		p := &driveway.Principal{ProjectID: "prj_1", UserID: "u1"}
		ids, err := n.engine.IntegrationEnabled(t.Context(), p, "cred_1")
		if err != nil || len(ids) != 1 {
			t.Fatalf("IntegrationEnabled = %v, %v; want one run", ids, err)
		}
		ids2, err := n.engine.FileChange(t.Context(), FileChangeEvent{ProjectID: "prj_1", UserID: "u1", CredentialID: "cred_1",
			Change: map[string]any{"type": "created", "item": map[string]any{"name": "a.txt"}}})
		if err != nil || len(ids2) != 1 {
			t.Fatalf("FileChange = %v, %v; want one run", ids2, err)
		}
		for id, want := range map[string]string{ids[0]: `{"c":"cred_1"}`, ids2[0]: `{"name":"a.txt"}`} {
			waitRun(t, n.engine, "prj_1", id, 10*time.Second)
			sr, err := db.store.GetStepRun(t.Context(), "prj_1", id, "s")
			if err != nil || string(sr.Output) != want {
				t.Fatalf("output %s (%v), want %s", sr.Output, err, want)
			}
		}
	})
}

func TestUserWorkflows(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		n := startNode(t, db, newSteps(), jobs0(), Config{})
		project(t, db.store, "prj_1", "u1")
		save(t, n.engine, "prj_1", `{"id": "a", "name": "A", "trigger": {"type": "request"}, "steps": [{"id": "s", "type": "echo"}]}`)
		save(t, n.engine, "prj_1", `{"id": "b", "name": "B", "defaultEnabled": false, "trigger": {"type": "request"},
			"steps": [{"id": "s", "type": "echo"}]}`)
		if err := db.store.SetWorkflowEnabled(t.Context(), "prj_1", "a", "u1", false); err != nil {
			t.Fatalf("SetWorkflowEnabled: %v", err)
		}
		got, err := n.engine.UserWorkflows(t.Context(), "prj_1", "u1")
		if err != nil {
			t.Fatalf("UserWorkflows: %v", err)
		}
		want := map[string]WorkflowMeta{"a": {ID: "a", Description: "A", DefaultEnabled: true, Enabled: false},
			"b": {ID: "b", Description: "B", DefaultEnabled: false, Enabled: false}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("UserWorkflows (-want +got):\n%s", diff)
		}
	})
}

// TestFileChangeConsumersHook: saving or deleting a File Change workflow
// (or changing a workflow's trigger to or from File Change) tells the hook
// about every user, a user's enable or disable about that user; other
// workflows tell it nothing; the hook's error undoes the change.
func TestFileChangeConsumersHook(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		var calls []string
		var fail error
		cfg := Config{FileChangeConsumers: func(ctx context.Context, tx driveway.Tx, projectID, userID string) error {
			calls = append(calls, projectID+"/"+userID)
			return fail
		}}
		n := startNode(t, db, newSteps(), jobs0(), cfg)
		project(t, db.store, "prj_1", "u1")
		expect := func(what string, want ...string) {
			t.Helper()
			if !slices.Equal(calls, want) {
				t.Fatalf("%s: hook calls %q, want %q", what, calls, want)
			}
			calls = nil
		}
		const fc = `{"id": "w", "name": "W", "trigger": {"type": "file_change"}, "steps": [{"id": "s", "type": "echo", "input": {}}]}`
		const req = `{"id": "w", "name": "W", "trigger": {"type": "request"}, "steps": [{"id": "s", "type": "echo", "input": {}}]}`
		save(t, n.engine, "prj_1", req)
		expect("a Request workflow saved")
		save(t, n.engine, "prj_1", fc)
		expect("changed to File Change", "prj_1/")
		if err := n.engine.SetEnabled(t.Context(), "prj_1", "w", "u1", false); err != nil {
			t.Fatal(err)
		}
		expect("disabled by u1", "prj_1/u1")
		save(t, n.engine, "prj_1", req)
		expect("changed back to Request", "prj_1/")
		if err := n.engine.SetEnabled(t.Context(), "prj_1", "w", "u1", true); err != nil {
			t.Fatal(err)
		}
		expect("a Request workflow enabled")

		fail = errors.New("queue down")
		if _, err := n.engine.SaveWorkflow(t.Context(), "prj_1", []byte(fc)); err == nil {
			t.Fatal("save succeeded although the hook failed")
		}
		if w, err := db.store.GetWorkflow(t.Context(), "prj_1", "w"); err != nil || w.TriggerType != TriggerRequest {
			t.Fatalf("after a failed save the head is %+v (%v), want the Request version", w, err)
		}
		fail = nil
		save(t, n.engine, "prj_1", fc)
		calls = nil
		if err := n.engine.DeleteWorkflow(t.Context(), "prj_1", "w"); err != nil {
			t.Fatal(err)
		}
		expect("deleted", "prj_1/")
		if err := n.engine.DeleteWorkflow(t.Context(), "prj_1", "w"); driveway.ErrorCode(err) != driveway.ENOTFOUND {
			t.Fatalf("second delete = %v, want ENOTFOUND", err)
		}
	})
}
