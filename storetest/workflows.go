package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
)

func newWorkflow(t *testing.T, q driveway.Queries, projectID, id, trigger, event string) *driveway.Workflow {
	t.Helper()
	w := &driveway.Workflow{ProjectID: projectID, ID: id, Name: "Workflow " + id, TriggerType: trigger, EventName: event,
		DefaultEnabled: true, Definition: json.RawMessage(`{"id":"` + id + `","steps":[]}`)}
	ok(t, "PutWorkflow", q.PutWorkflow(context.Background(), w))
	return w
}

// testWorkflows: versions, heads, trigger lookup, enablement, cascade.
func testWorkflows(t *testing.T, b *bundle) {
	ctx := context.Background()
	newProject(t, b.s, "prj_a")
	newProject(t, b.s, "prj_b")
	w := newWorkflow(t, b.s, "prj_a", "wf1", "app_event", "signup")
	eq(t, "first version", w.Version, 1)
	w.Name, w.Definition = "Renamed", json.RawMessage(`{"id":"wf1","name":"Renamed","steps":[1]}`)
	ok(t, "PutWorkflow again", b.s.PutWorkflow(ctx, w))
	eq(t, "second version", w.Version, 2)
	got, err := b.s.GetWorkflow(ctx, "prj_a", "wf1")
	ok(t, "GetWorkflow", err)
	eq(t, "head", got, w)
	v1, err := b.s.GetWorkflowVersion(ctx, "prj_a", "wf1", 1)
	ok(t, "GetWorkflowVersion", err)
	eq(t, "version 1 name", v1.Name, "Workflow wf1")
	eq(t, "version 1 definition", string(v1.Definition), `{"id":"wf1","steps":[]}`)
	_, err = b.s.GetWorkflowVersion(ctx, "prj_a", "wf1", 3)
	code(t, "GetWorkflowVersion 3", err, driveway.ENOTFOUND)
	_, err = b.s.GetWorkflow(ctx, "prj_b", "wf1")
	code(t, "GetWorkflow of another project", err, driveway.ENOTFOUND)
	code(t, "PutWorkflow without project", b.s.PutWorkflow(ctx, &driveway.Workflow{ProjectID: "prj_none", ID: "x",
		Definition: json.RawMessage(`{}`)}), driveway.ENOTFOUND)

	newWorkflow(t, b.s, "prj_a", "wf2", "app_event", "other")
	newWorkflow(t, b.s, "prj_b", "wf3", "app_event", "signup")
	newWorkflow(t, b.s, "prj_b", "wf4", "schedule", "")
	byEvent, err := b.s.ListWorkflowsByTrigger(ctx, "prj_a", "app_event", "signup")
	ok(t, "ListWorkflowsByTrigger", err)
	eq(t, "listeners of signup in prj_a", ids(byEvent), []string{"wf1"})
	sched, err := b.s.ListWorkflowsByTrigger(ctx, "", "schedule", "")
	ok(t, "ListWorkflowsByTrigger all", err)
	eq(t, "schedules everywhere", ids(sched), []string{"wf4"})
	all, err := b.s.ListWorkflows(ctx, "prj_a")
	ok(t, "ListWorkflows", err)
	eq(t, "prj_a workflows", ids(all), []string{"wf1", "wf2"})

	ok(t, "SetWorkflowEnabled", b.s.SetWorkflowEnabled(ctx, "prj_a", "wf1", "u1", false))
	ok(t, "SetWorkflowEnabled", b.s.SetWorkflowEnabled(ctx, "prj_a", "wf1", "u2", true))
	ok(t, "SetWorkflowEnabled again", b.s.SetWorkflowEnabled(ctx, "prj_a", "wf1", "u2", false))
	ok(t, "SetWorkflowEnabled", b.s.SetWorkflowEnabled(ctx, "prj_a", "wf2", "u2", true))
	code(t, "SetWorkflowEnabled of another project's workflow",
		b.s.SetWorkflowEnabled(ctx, "prj_b", "wf1", "u1", true), driveway.ENOTFOUND)
	en, err := b.s.ListWorkflowEnablement(ctx, "prj_a", "wf1")
	ok(t, "ListWorkflowEnablement", err)
	eq(t, "enablement", en, map[string]bool{"u1": false, "u2": false})
	ue, err := b.s.ListUserWorkflowEnablement(ctx, "prj_a", "u2")
	ok(t, "ListUserWorkflowEnablement", err)
	eq(t, "user enablement", ue, map[string]bool{"wf1": false, "wf2": true})

	code(t, "DeleteWorkflow other project", b.s.DeleteWorkflow(ctx, "prj_b", "wf1"), driveway.ENOTFOUND)
	ok(t, "DeleteWorkflow", b.s.DeleteWorkflow(ctx, "prj_a", "wf1"))
	_, err = b.s.GetWorkflowVersion(ctx, "prj_a", "wf1", 1)
	code(t, "version after delete", err, driveway.ENOTFOUND)
	en, err = b.s.ListWorkflowEnablement(ctx, "prj_a", "wf1")
	ok(t, "ListWorkflowEnablement after delete", err)
	eq(t, "enablement after delete", en, map[string]bool{})
}

func ids(ws []*driveway.Workflow) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.ID)
	}
	return out
}

// testRuns: runs and step runs round-trip, filters, counts, purge.
func testRuns(t *testing.T, b *bundle) {
	ctx := context.Background()
	newProject(t, b.s, "prj_a")
	newProject(t, b.s, "prj_b")
	run := func(id, wf, user, status string, created time.Duration) *driveway.WorkflowRun {
		r := &driveway.WorkflowRun{ProjectID: "prj_a", ID: id, WorkflowID: wf, Version: 1, UserID: user, Status: status,
			Trigger: json.RawMessage(`{"a":1}`), Response: json.RawMessage(`null`), CreatedAt: at(created)}
		ok(t, "CreateRun", b.s.CreateRun(ctx, r))
		return r
	}
	r1 := run("run_1", "wf1", "u1", driveway.RunRunning, time.Second)
	run("run_2", "wf1", "u2", driveway.RunRunning, 2*time.Second)
	run("run_3", "wf2", "u1", driveway.RunSucceeded, 3*time.Second)
	code(t, "CreateRun twice", b.s.CreateRun(ctx, &driveway.WorkflowRun{ProjectID: "prj_a", ID: "run_1",
		Trigger: json.RawMessage(`{}`)}), driveway.ECONFLICT)

	got, err := b.s.GetRun(ctx, "prj_a", "run_1")
	ok(t, "GetRun", err)
	eq(t, "run", got, r1)
	_, err = b.s.GetRun(ctx, "prj_b", "run_1")
	code(t, "GetRun of another project", err, driveway.ENOTFOUND)

	r1.Status, r1.Response, r1.HasResponse, r1.Error, r1.FinishedAt = driveway.RunFailed,
		json.RawMessage(`{"ok":false}`), true, "step x failed", at(time.Hour)
	ok(t, "UpdateRun", b.s.UpdateRun(ctx, r1))
	got, err = b.s.GetRun(ctx, "prj_a", "run_1")
	ok(t, "GetRun after update", err)
	eq(t, "updated run", got, r1)
	code(t, "UpdateRun other project", b.s.UpdateRun(ctx, &driveway.WorkflowRun{ProjectID: "prj_b", ID: "run_1"}),
		driveway.ENOTFOUND)

	list, err := b.s.ListRuns(ctx, "prj_a", driveway.RunFilter{})
	ok(t, "ListRuns", err)
	eq(t, "runs newest first", runIDs(list), []string{"run_3", "run_2", "run_1"})
	list, err = b.s.ListRuns(ctx, "prj_a", driveway.RunFilter{WorkflowID: "wf1", UserID: "u2"})
	ok(t, "ListRuns filtered", err)
	eq(t, "runs of wf1 by u2", runIDs(list), []string{"run_2"})
	list, err = b.s.ListRuns(ctx, "prj_a", driveway.RunFilter{Before: at(3 * time.Second), Limit: 1})
	ok(t, "ListRuns before", err)
	eq(t, "runs before 3s", runIDs(list), []string{"run_2"})
	n, err := b.s.CountRuns(ctx, "prj_a", "", driveway.RunRunning)
	ok(t, "CountRuns", err)
	eq(t, "running runs", n, 1)
	n, err = b.s.CountRuns(ctx, "prj_a", "u1", driveway.RunSucceeded)
	ok(t, "CountRuns by user", err)
	eq(t, "u1 succeeded", n, 1)

	s := &driveway.StepRun{ProjectID: "prj_a", RunID: "run_2", Key: "list", StepID: "list", Path: "steps[0]",
		Status: driveway.StepRunning, Input: json.RawMessage(`{"path":"/"}`), Output: json.RawMessage(`null`),
		Attempts: 1, StartedAt: at(time.Second), JobID: 1 << 40}
	ok(t, "PutStepRun", b.s.PutStepRun(ctx, s))
	s.Status, s.Output, s.Attempts, s.Error, s.FinishedAt = driveway.StepSucceeded, json.RawMessage(`[1,2]`), 2, "", at(2*time.Second)
	ok(t, "PutStepRun replace", b.s.PutStepRun(ctx, s))
	s2 := &driveway.StepRun{ProjectID: "prj_a", RunID: "run_2", Key: "each/0/save", StepID: "save", Path: "steps[1].steps[0]",
		Status: driveway.StepFailed, Input: json.RawMessage(`{}`), Output: json.RawMessage(`null`), Attempts: 5,
		Error: "boom", StartedAt: at(3 * time.Second), FinishedAt: at(4 * time.Second)}
	ok(t, "PutStepRun 2", b.s.PutStepRun(ctx, s2))
	gs, err := b.s.GetStepRun(ctx, "prj_a", "run_2", "list")
	ok(t, "GetStepRun", err)
	eq(t, "step run", gs, s)
	eq(t, "duration", gs.Duration(), time.Second)
	_, err = b.s.GetStepRun(ctx, "prj_b", "run_2", "list")
	code(t, "GetStepRun other project", err, driveway.ENOTFOUND)
	code(t, "PutStepRun without run", b.s.PutStepRun(ctx, &driveway.StepRun{ProjectID: "prj_a", RunID: "run_none",
		Key: "k"}), driveway.ENOTFOUND)
	steps, err := b.s.ListStepRuns(ctx, "prj_a", "run_2")
	ok(t, "ListStepRuns", err)
	eq(t, "step runs", steps, []*driveway.StepRun{s, s2})

	// CommitStepRun: the write, and the run as it stands.
	s2.Attempts, s2.JobID = 6, 9
	committedRun, err := b.s.CommitStepRun(ctx, s2)
	ok(t, "CommitStepRun", err)
	wantRun, err := b.s.GetRun(ctx, "prj_a", "run_2")
	ok(t, "GetRun 2", err)
	eq(t, "run returned by CommitStepRun", committedRun, wantRun)
	gs, err = b.s.GetStepRun(ctx, "prj_a", "run_2", "each/0/save")
	ok(t, "GetStepRun after CommitStepRun", err)
	eq(t, "step run after CommitStepRun", gs, s2)
	_, err = b.s.CommitStepRun(ctx, &driveway.StepRun{ProjectID: "prj_b", RunID: "run_2", Key: "k"})
	code(t, "CommitStepRun of another project's run", err, driveway.ENOTFOUND)

	// Purge: finished runs older than the cut go with their step runs.
	r2, err := b.s.GetRun(ctx, "prj_a", "run_2")
	ok(t, "GetRun 2", err)
	r2.Status = driveway.RunSucceeded
	ok(t, "UpdateRun 2", b.s.UpdateRun(ctx, r2))
	purged, err := b.s.DeleteRunsBefore(ctx, at(2500*time.Millisecond))
	ok(t, "DeleteRunsBefore", err)
	eq(t, "purged", purged, 2)
	steps, err = b.s.ListStepRuns(ctx, "prj_a", "run_2")
	ok(t, "ListStepRuns after purge", err)
	eq(t, "step runs after purge", len(steps), 0)
	list, err = b.s.ListRuns(ctx, "prj_a", driveway.RunFilter{})
	ok(t, "ListRuns after purge", err)
	eq(t, "runs after purge", runIDs(list), []string{"run_3"})
}

func runIDs(rs []*driveway.WorkflowRun) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// testProjectSecrets: secrets round-trip, are sealed at their place, and
// never appear in the bytes at rest.
func testProjectSecrets(t *testing.T, b *bundle) {
	ctx := context.Background()
	newProject(t, b.s, "prj_a")
	newProject(t, b.s, "prj_b")
	canary := "CANARY" + unique()
	ok(t, "PutProjectSecret", b.s.PutProjectSecret(ctx, &driveway.ProjectSecret{ProjectID: "prj_a", Name: "token", Value: "old"}))
	ok(t, "PutProjectSecret replace", b.s.PutProjectSecret(ctx, &driveway.ProjectSecret{ProjectID: "prj_a", Name: "token", Value: canary}))
	ok(t, "PutProjectSecret b", b.s.PutProjectSecret(ctx, &driveway.ProjectSecret{ProjectID: "prj_b", Name: "api", Value: "b-secret"}))
	list, err := b.s.ListProjectSecrets(ctx, "prj_a")
	ok(t, "ListProjectSecrets", err)
	if len(list) != 1 || list[0].Name != "token" || list[0].Value != canary {
		t.Fatalf("ListProjectSecrets = %+v, want the one token", list)
	}
	var found bool
	for _, v := range listAllSealed(t, b.s, 100) {
		if v.Ref == (driveway.SealedRef{Table: "project_secrets", Column: "value", Row: "prj_a/token"}) {
			found = true
			plain, err := b.ring.Open(v.Ciphertext, v.Ref)
			ok(t, "open the sealed secret", err)
			eq(t, "sealed secret", string(plain), canary)
		}
	}
	if !found {
		t.Fatalf("ListSealed lacks project_secrets.value of prj_a/token")
	}
	if d, isDumper := b.s.(RawDumper); isDumper {
		if bytes.Contains(d.DumpRaw(t), []byte(canary)) {
			t.Fatalf("a project secret is at rest in plain text")
		}
	}
	code(t, "DeleteProjectSecret other project", b.s.DeleteProjectSecret(ctx, "prj_b", "token"), driveway.ENOTFOUND)
	ok(t, "DeleteProjectSecret", b.s.DeleteProjectSecret(ctx, "prj_a", "token"))
	list, err = b.s.ListProjectSecrets(ctx, "prj_a")
	ok(t, "ListProjectSecrets after delete", err)
	eq(t, "secrets after delete", len(list), 0)
}
