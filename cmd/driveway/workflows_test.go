package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWorkflowsApply saves the valid files of a directory and reports the
// broken one by file, step and field, with a failing exit.
func TestWorkflowsApply(t *testing.T) {
	t.Parallel()
	dir, wfDir := t.TempDir(), t.TempDir()
	env := map[string]string{"DRIVEWAY_DATA_DIR": dir, "DRIVEWAY_SECRET_KEYS": mustKey(t)}
	if code, _, errs := run(t, env, "migrate"); code != 0 {
		t.Fatalf("migrate: %d %s", code, errs)
	}
	db, err := openDatabase(context.Background(), &Config{Database: "sqlite:" + filepath.Join(dir, "driveway.db")}, mustRing(t, env["DRIVEWAY_SECRET_KEYS"]), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := newAdmin(db).CreateProject(context.Background(), projectInput("Flows"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"a-folder.json": `{"id": "make-folder", "name": "Make a folder", "trigger": {"type": "request"},
			"steps": [{"id": "folder", "type": "onedrive_action", "input": {"action": "ONEDRIVE_CREATE_FOLDER", "input": {"name": "{{ trigger.body.name }}"}}},
			          {"id": "reply", "type": "response", "input": {"body": "{{ steps.folder.output }}"}}]}`,
		"b-nightly.yaml": "id: nightly\nname: Nightly\ntrigger: {type: schedule, cron: \"0 3 * * *\", timeZone: Europe/Paris}\n" +
			"steps:\n  - id: ping\n    type: http_request\n    input: {url: \"https://example.com/{{ user.id }}\"}\n",
		"c-broken.yml": "id: broken\nname: Broken\ntrigger: {type: request}\nsteps:\n  - id: first\n    type: response\n" +
			"  - id: save\n    type: onedrive_action\n    input:\n      action: ONEDRIVE_SAVE_FILE\n      input: {path: \"{{ steps.nope.output.path }}\", content: x}\n",
		"notes.txt": "not a workflow",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(wfDir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	apply := func(args ...string) (error, string, string) {
		var out, errb bytes.Buffer
		m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
		err := m.workflowsCmd(context.Background(), args)
		return err, out.String(), errb.String()
	}
	err, out, errs := apply("apply", "--project", p.ID, wfDir)
	if !errors.Is(err, errApplyFailed) {
		t.Fatalf("apply with a broken file: err %v, want errApplyFailed\n%s%s", err, out, errs)
	}
	if !strings.Contains(out, "a-folder.json: make-folder saved (version 1)") || !strings.Contains(out, "b-nightly.yaml: nightly saved (version 1)") {
		t.Fatalf("stdout lacks the saved files:\n%s", out)
	}
	want := `c-broken.yml: step "save" (steps[1]), field input.input.path: unknown step "nope"`
	if !strings.Contains(errs, want) {
		t.Fatalf("stderr lacks %q:\n%s", want, errs)
	}
	wfs, err := db.ListWorkflows(context.Background(), p.ID)
	if err != nil || len(wfs) != 2 || wfs[0].ID != "make-folder" || wfs[1].ID != "nightly" {
		t.Fatalf("stored workflows: %v %v", wfs, err)
	}

	// Fixed, applied again: the unchanged ones stay at version 1.
	fixed := strings.Replace(files["c-broken.yml"], "steps.nope.output.path", "trigger.body.path", 1)
	if err := os.WriteFile(filepath.Join(wfDir, "c-broken.yml"), []byte(fixed), 0o600); err != nil {
		t.Fatal(err)
	}
	err, out, errs = apply("apply", wfDir, "--project", p.ID)
	if err != nil || !strings.Contains(out, "make-folder unchanged (version 1)") || !strings.Contains(out, "broken saved (version 1)") {
		t.Fatalf("second apply: %v\n%s%s", err, out, errs)
	}

	// --check validates without a database; usage errors.
	if err, out, _ := apply("apply", "--check", wfDir); err != nil || !strings.Contains(out, "nightly valid") {
		t.Fatalf("--check: %v %s", err, out)
	}
	if err, _, _ := apply("apply", wfDir); !errors.Is(err, errUsage) {
		t.Fatalf("without --project: %v, want a usage error", err)
	}
	if err, _, _ := apply("apply", "--project", "prj_none", wfDir); err == nil {
		t.Fatal("an unknown project was accepted")
	}
}

// TestWorkflowsDocExamples saves every json and yaml example of
// docs/workflows.md through `workflows apply`: each is a complete, valid
// definition.
func TestWorkflowsDocExamples(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "workflows.md"))
	if err != nil {
		t.Fatal(err)
	}
	dir, wfDir := t.TempDir(), t.TempDir()
	n := 0
	lines := strings.Split(string(doc), "\n")
	for i := 0; i < len(lines); i++ {
		lang := strings.TrimPrefix(lines[i], "```")
		if lines[i] == lang || (lang != "json" && lang != "yaml") {
			continue
		}
		var block []string
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			block = append(block, lines[i])
		}
		n++
		name := filepath.Join(wfDir, fmt.Sprintf("example-%02d.%s", n, lang))
		if err := os.WriteFile(name, []byte(strings.Join(block, "\n")), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if n < 10 {
		t.Fatalf("found %d examples in docs/workflows.md, want at least 10", n)
	}
	env := map[string]string{"DRIVEWAY_DATA_DIR": dir, "DRIVEWAY_SECRET_KEYS": mustKey(t)}
	if code, _, errs := run(t, env, "migrate"); code != 0 {
		t.Fatalf("migrate: %d %s", code, errs)
	}
	db, err := openDatabase(context.Background(), &Config{Database: "sqlite:" + filepath.Join(dir, "driveway.db")}, mustRing(t, env["DRIVEWAY_SECRET_KEYS"]), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := newAdmin(db).CreateProject(context.Background(), projectInput("Docs"))
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
	if err := m.workflowsCmd(context.Background(), []string{"apply", "--project", p.ID, wfDir}); err != nil {
		t.Fatalf("apply the examples: %v\n%s%s", err, out.String(), errb.String())
	}
	if got := strings.Count(out.String(), " saved (version 1)"); got != n {
		t.Fatalf("saved %d of %d examples:\n%s", got, n, out.String())
	}
}

// TestWorkflowsApplyDuplicateID refuses the second file that defines an id.
func TestWorkflowsApplyDuplicateID(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	def := `{"id": "same", "name": "Same", "trigger": {"type": "request"}, "steps": [{"id": "r", "type": "response"}]}`
	for _, name := range []string{"a.json", "b.json"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(def), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	err := m.workflowsCmd(context.Background(), []string{"apply", "--check", dir})
	if !errors.Is(err, errApplyFailed) || !strings.Contains(out.String(), "a.json: same valid") ||
		!strings.Contains(errb.String(), `b.json: field id: workflow "same" is also defined in a.json`) {
		t.Fatalf("duplicate ids: %v\n%s%s", err, out.String(), errb.String())
	}
}
