package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/storetest"
)

// refusal is a definition every save path must refuse: the step and the
// field it names, and a part of the message.
type refusal struct {
	name, def, step, field, msg string
}

// seedChain is the seed guide's chain: File Change → Get File by the
// event's item id → Save File with a name built from templates.
const seedChain = `{"id": "archive-changes", "name": "Archive changed files", "trigger": {"type": "file_change"},
 "steps": [
   {"id": "getFile", "type": "onedrive_action",
    "input": {"action": "ONEDRIVE_GET_FILE_BY_ID", "credentialId": "{{ trigger.credentialId }}", "input": {"fileId": "{{ trigger.item.id }}"}}},
   {"id": "save", "type": "onedrive_action",
    "input": {"action": "ONEDRIVE_SAVE_FILE", "credentialId": "{{ trigger.credentialId }}",
              "input": {"path": "/Archive/{{ trigger.type }}-{{ steps.getFile.output.name }}",
                        "content": "{{ steps.getFile.output.name }} is {{ steps.getFile.output.size }} bytes"}}}]}`

func refusals() []refusal {
	def := func(id, trigger, steps string) string {
		return fmt.Sprintf(`{"id": %q, "name": "Bad", "trigger": {"type": %q}, "steps": [%s]}`, id, trigger, steps)
	}
	get := `{"id": "getFile", "type": "onedrive_action", "input": {"action": "ONEDRIVE_GET_FILE_BY_ID", "input": {"fileId": "{{ trigger.item.id }}"}}}`
	save := func(input string) string {
		return get + `, {"id": "save", "type": "onedrive_action", "input": {"action": "ONEDRIVE_SAVE_FILE", "input": ` + input + `}}`
	}
	return []refusal{
		{"unknown-action", def("unknown-action", "request", `{"id": "list", "type": "onedrive_action", "input": {"action": "ONEDRIVE_LIST_FILES"}}`),
			"list", "steps[0].input.action", `unknown action "ONEDRIVE_LIST_FILES"`},
		{"misspelled-input", def("misspelled-input", "request", `{"id": "folder", "type": "onedrive_action", "input": {"action": "ONEDRIVE_CREATE_FOLDER", "input": {"folderName": "x"}}}`),
			"folder", "steps[0].input.input.folderName", `"folderName" is not an input of ONEDRIVE_CREATE_FOLDER`},
		{"missing-required", def("missing-required", "file_change", `{"id": "getFile", "type": "onedrive_action", "input": {"action": "ONEDRIVE_GET_FILE_BY_ID", "input": {}}}`),
			"getFile", "steps[0].input.input.fileId", "is required by ONEDRIVE_GET_FILE_BY_ID"},
		{"wrong-type", def("wrong-type", "request", `{"id": "list", "type": "onedrive_action", "input": {"action": "ONEDRIVE_LIST_CONTENTS", "input": {"pageSize": true}}}`),
			"list", "steps[0].input.input.pageSize", "ONEDRIVE_LIST_CONTENTS takes an integer here, not a boolean"},
		{"enum", def("enum", "request", `{"id": "folder", "type": "onedrive_action", "input": {"action": "ONEDRIVE_CREATE_FOLDER", "input": {"name": "x", "conflictBehavior": "overwrite"}}}`),
			"folder", "steps[0].input.input.conflictBehavior", `not "overwrite"`},
		{"expression-type", def("expression-type", "file_change", save(`{"name": "{{ steps.getFile.output.size }}", "content": "x"}`)),
			"save", "steps[1].input.input.name", `"{{ steps.getFile.output.size }}" yields an integer, but ONEDRIVE_SAVE_FILE takes a string here`},
		{"no-such-output", def("no-such-output", "file_change", save(`{"name": "{{ steps.getFile.output.nosuch }}.txt", "content": "x"}`)),
			"save", "steps[1].input.input.name", `the output of step "getFile" has no field "nosuch"`},
		{"no-such-trigger-field", def("no-such-trigger-field", "file_change", save(`{"name": "{{ trigger.item.filename }}", "content": "x"}`)),
			"save", "steps[1].input.input.name", `trigger.item has no field "filename"`},
		{"later-step", def("later-step", "file_change", `{"id": "save", "type": "onedrive_action", "input": {"action": "ONEDRIVE_SAVE_FILE", "input": {"name": "{{ steps.getFile.output.name }}", "content": "x"}}}, `+get),
			"save", "steps[0].input.input.name", `step "getFile" (steps[1]) does not run before this one`},
		{"branch-only", def("branch-only", "file_change", `{"id": "check", "type": "conditional", "input": {"condition": "{{ trigger.item.size > 10 }}"}, "then": [`+get+`]},
			{"id": "reply", "type": "response", "input": {"body": "{{ steps.getFile.output.name }}"}}`),
			"reply", "steps[1].input.body", `step "getFile" runs only in a branch of "check"`},
	}
}

// TestSaveTimeValidationEverywhere saves each refusal through a real
// driveway dev server's admin API, its dashboard's save form, and
// `driveway workflows apply` on the server's database: each is refused
// naming the step and field, and none is stored. The seed's chain saves
// through all three.
func TestSaveTimeValidationEverywhere(t *testing.T) {
	t.Parallel()
	r, info, dir := startDev(t)
	d := newDevClient(t, r, info, dir, "u-validate")
	dash := newDashboard(t, r.base, info.AdminPassword)
	wfDir := t.TempDir()
	for _, tc := range refusals() {
		t.Run(tc.name, func(t *testing.T) {
			s, body := d.admin("PUT", "/api/v1/projects/"+info.ProjectID+"/workflows/"+tc.name, tc.def)
			var e struct {
				Error struct{ Field, Message string }
			}
			json.Unmarshal([]byte(body), &e)
			if s != 400 || e.Error.Field != tc.field || !strings.Contains(e.Error.Message, fmt.Sprintf("step %q: ", tc.step)) ||
				!strings.Contains(e.Error.Message, tc.msg) {
				t.Errorf("admin API: %d %s, want 400 at %s naming step %q and saying %q", s, body, tc.field, tc.step, tc.msg)
			}
			status, page := dash.save(t, info.ProjectID, tc.def)
			_, rest, _ := strings.Cut(tc.field, "]")
			want := fmt.Sprintf("step %q (%s), field %s: ", tc.step, tc.field[:len(tc.field)-len(rest)], strings.TrimPrefix(rest, "."))
			if status != 400 || !strings.Contains(page, "Not saved: "+want) || !strings.Contains(page, tc.msg) {
				t.Errorf("dashboard: %d, want 400 with %q and %q in:\n%s", status, want, tc.msg, excerpt(page, "Not saved"))
			}
		})
		if err := os.WriteFile(filepath.Join(wfDir, tc.name+".json"), []byte(tc.def), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(wfDir, "seed.json"), []byte(seedChain), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errs := applyDir(t, dir, info.ProjectID, wfDir)
	for _, tc := range refusals() {
		_, rest, _ := strings.Cut(tc.field, "]")
		want := fmt.Sprintf("%s.json: step %q (%s), field %s: ", tc.name, tc.step, strings.TrimSuffix(tc.field, rest), strings.TrimPrefix(rest, "."))
		if !strings.Contains(errs, want) || !strings.Contains(errs, tc.msg) {
			t.Errorf("workflows apply: stderr lacks %q and %q:\n%s", want, tc.msg, errs)
		}
	}
	if !strings.Contains(out, "seed.json: archive-changes saved (version 1)") {
		t.Errorf("workflows apply did not save the seed chain:\n%s%s", out, errs)
	}
	s, body := d.admin("GET", "/api/v1/projects/"+info.ProjectID+"/workflows", "")
	for _, tc := range refusals() {
		if strings.Contains(body, `"`+tc.name+`"`) {
			t.Errorf("the refused %s was stored: %d %s", tc.name, s, body)
		}
	}
	seed := strings.Replace(seedChain, "archive-changes", "archive-api", 1)
	if s, body := d.admin("PUT", "/api/v1/projects/"+info.ProjectID+"/workflows/archive-api", seed); s != 201 {
		t.Errorf("admin API refused the seed chain: %d %s", s, body)
	}
	seed = strings.Replace(seedChain, "archive-changes", "archive-dash", 1)
	if s, page := dash.save(t, info.ProjectID, seed); s != http.StatusSeeOther {
		t.Errorf("dashboard refused the seed chain: %d %s", s, excerpt(page, "Not saved"))
	}
}

func applyDir(t *testing.T, dataDir, project, wfDir string) (string, string) {
	t.Helper()
	keys, err := devSecretKeys(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DRIVEWAY_DATA_DIR": dataDir, "DRIVEWAY_SECRET_KEYS": keys}
	var out, errb syncBuffer
	m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
	if err := m.workflowsCmd(t.Context(), []string{"apply", "--project", project, wfDir}); err == nil {
		t.Errorf("workflows apply succeeded with refused files:\n%s", out.String())
	}
	return out.String(), errb.String()
}

// dashSession is a browser session signed in to the dashboard.
type dashSession struct {
	base string
	c    *http.Client
}

func newDashboard(t *testing.T, base, password string) *dashSession {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	d := &dashSession{base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if s := d.post(t, "/dashboard/login", "/dashboard/login", url.Values{"password": {password}}); s != http.StatusSeeOther {
		t.Fatalf("dashboard login: %d", s)
	}
	return d
}

// post submits a form of the page at from, with that page's CSRF token.
func (d *dashSession) post(t *testing.T, from, to string, form url.Values) int {
	s, _ := d.postPage(t, from, to, form)
	return s
}

func (d *dashSession) postPage(t *testing.T, from, to string, form url.Values) (int, string) {
	t.Helper()
	_, page := getWith(t, d.c, d.base+from)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on %s", from)
	}
	form.Set("csrf_token", m[1])
	req, _ := http.NewRequest(http.MethodPost, d.base+to, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", d.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := d.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, html.UnescapeString(b.String())
}

// save posts the workflow editor's form with text as the definition.
func (d *dashSession) save(t *testing.T, project, text string) (int, string) {
	return d.postPage(t, "/dashboard/projects/"+project+"/new-workflow", "/dashboard/projects/"+project+"/workflows", url.Values{"definition": {text}})
}

// excerpt is the part of page around marker, for failure messages.
func excerpt(page, marker string) string {
	i := strings.Index(page, marker)
	if i < 0 {
		if len(page) > 600 {
			return page[:600]
		}
		return page
	}
	return page[i:min(len(page), i+600)]
}

// TestWorkflowsApplyOnPostgres: `workflows apply` on Postgres refuses a
// definition naming a made-up action, saves the seed's File Change chain,
// and enqueues the File Change reconcile for the servers (before, its
// queue refused to insert that job kind and the save failed).
func TestWorkflowsApplyOnPostgres(t *testing.T) {
	t.Parallel()
	dbURL, _ := storetest.PostgresSchema(t)
	ctx := context.Background()
	key := mustKey(t)
	env := map[string]string{"DRIVEWAY_DATABASE_URL": dbURL, "DRIVEWAY_SECRET_KEYS": key}
	if code, _, errs := run(t, env, "migrate"); code != 0 {
		t.Fatalf("migrate: %d %s", code, errs)
	}
	store, err := postgres.Open(ctx, dbURL, mustRing(t, key))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	p, err := (&admin.Service{Store: store}).CreateProject(ctx, admin.ProjectInput{Name: "Flows"})
	if err != nil {
		t.Fatal(err)
	}
	wfDir := t.TempDir()
	bad := refusals()[0]
	for name, body := range map[string]string{"seed.json": seedChain, "bad.json": bad.def} {
		if err := os.WriteFile(filepath.Join(wfDir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb syncBuffer
	m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
	err = m.workflowsCmd(ctx, []string{"apply", "--project", p.ID, wfDir})
	want := fmt.Sprintf("bad.json: step %q (steps[0]), field input.action: %s", bad.step, bad.msg)
	if err == nil || !strings.Contains(errb.String(), want) || !strings.Contains(out.String(), "seed.json: archive-changes saved (version 1)") {
		t.Fatalf("apply: %v, want the seed saved and %q:\n%s%s", err, want, out.String(), errb.String())
	}
	if _, err := store.GetWorkflow(ctx, p.ID, bad.name); driveway.ErrorCode(err) != driveway.ENOTFOUND {
		t.Fatalf("the refused workflow: %v, want not found", err)
	}
	var jobs int
	if err := store.Pool().QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'filechange.reconcile'`).Scan(&jobs); err != nil || jobs != 1 {
		t.Fatalf("File Change reconcile jobs: %d %v, want 1", jobs, err)
	}
}
