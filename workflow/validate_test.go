package workflow_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/action"
	"github.com/drivewayhq/driveway/filechange"
	"github.com/drivewayhq/driveway/workflow"
)

// catalogueRegistry is the registry every server builds: the built-in
// step types and the actions catalogue.
func catalogueRegistry(t *testing.T) *workflow.Registry {
	t.Helper()
	cat, err := action.NewCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	reg := workflow.NewRegistry(nil, &workflow.HTTPRequest{})
	reg.SetActions(cat)
	return reg
}

// SeedChain is the seed guide's chain: File Change → Get File by the
// event's item id → Save File with a name built from templates.
const SeedChain = `{"id": "archive-changes", "name": "Archive changed files", "trigger": {"type": "file_change"},
 "steps": [
   {"id": "getFile", "type": "onedrive_action",
    "input": {"action": "ONEDRIVE_GET_FILE_BY_ID", "credentialId": "{{ trigger.credentialId }}", "input": {"fileId": "{{ trigger.item.id }}"}}},
   {"id": "save", "type": "onedrive_action",
    "input": {"action": "ONEDRIVE_SAVE_FILE", "credentialId": "{{ trigger.credentialId }}",
              "input": {"path": "/Archive/{{ trigger.type }}-{{ steps.getFile.output.name }}",
                        "content": "{{ steps.getFile.output.name }} is {{ steps.getFile.output.size }} bytes", "conflictBehavior": "rename"}}}]}`

// badCase is a definition save must refuse, with the field and a part of
// the message.
type badCase struct {
	name, def, field, msg string
}

func wrapDef(trigger, steps string) string {
	return `{"id": "wf", "name": "W", "trigger": ` + trigger + `, "steps": ` + steps + `}`
}

func getFile(id string) string {
	return `{"id": "` + id + `", "type": "onedrive_action", "input": {"action": "ONEDRIVE_GET_FILE_BY_ID", "input": {"fileId": "{{ trigger.item.id }}"}}}`
}

// BadDefinitions are the refusals: each names the step and field.
func BadDefinitions() []badCase {
	fc, req := `{"type": "file_change"}`, `{"type": "request"}`
	save := func(input string) string {
		return `[` + getFile("getFile") + `, {"id": "save", "type": "onedrive_action", "input": {"action": "ONEDRIVE_SAVE_FILE", "input": ` + input + `}}]`
	}
	return []badCase{
		{"unknown action", wrapDef(req, `[{"id": "list", "type": "onedrive_action", "input": {"action": "ONEDRIVE_LIST_FILES"}}]`),
			"steps[0].input.action", `unknown action "ONEDRIVE_LIST_FILES" (did you mean ONEDRIVE_LIST_DRIVES?)`},
		{"old doc comment action", wrapDef(req, `[{"id": "folder", "type": "onedrive_action", "input": {"action": "onedrive.createFolder", "input": {"name": "x"}}}]`),
			"steps[0].input.action", `unknown action "onedrive.createFolder"`},
		{"misspelled input", wrapDef(req, `[{"id": "folder", "type": "onedrive_action", "input": {"action": "ONEDRIVE_CREATE_FOLDER", "input": {"folderName": "x"}}}]`),
			"steps[0].input.input.folderName", `"folderName" is not an input of ONEDRIVE_CREATE_FOLDER (it takes conflictBehavior, driveId, name, parentId, siteId)`},
		{"missing required with no input", wrapDef(req, `[{"id": "folder", "type": "onedrive_action", "input": {"action": "ONEDRIVE_CREATE_FOLDER"}}]`),
			"steps[0].input.input.name", `is required by ONEDRIVE_CREATE_FOLDER`},
		{"missing required", wrapDef(fc, `[{"id": "getFile", "type": "onedrive_action", "input": {"action": "ONEDRIVE_GET_FILE_BY_ID", "input": {}}}]`),
			"steps[0].input.input.fileId", "is required by ONEDRIVE_GET_FILE_BY_ID"},
		{"wrong literal type", wrapDef(req, `[{"id": "list", "type": "onedrive_action", "input": {"action": "ONEDRIVE_LIST_CONTENTS", "input": {"pageSize": "ten"}}}]`),
			"steps[0].input.input.pageSize", "ONEDRIVE_LIST_CONTENTS takes an integer here, not a string"},
		{"enum", wrapDef(req, `[{"id": "folder", "type": "onedrive_action", "input": {"action": "ONEDRIVE_CREATE_FOLDER", "input": {"name": "x", "conflictBehavior": "overwrite"}}}]`),
			"steps[0].input.input.conflictBehavior", `takes one of "fail", "replace", "rename", not "overwrite"`},
		{"expression type", wrapDef(fc, save(`{"name": "{{ steps.getFile.output.size }}", "content": "x"}`)),
			"steps[1].input.input.name", `"{{ steps.getFile.output.size }}" yields an integer, but ONEDRIVE_SAVE_FILE takes a string here`},
		{"no such output field", wrapDef(fc, save(`{"name": "{{ steps.getFile.output.nosuch }}.txt", "content": "x"}`)),
			"steps[1].input.input.name", `the output of step "getFile" has no field "nosuch" (it has `},
		{"no such nested trigger field", wrapDef(fc, save(`{"name": "{{ trigger.item.filename }}", "content": "x"}`)),
			"steps[1].input.input.name", `trigger.item has no field "filename"`},
		{"no such request trigger field", wrapDef(req, `[{"id": "r", "type": "response", "input": {"body": "{{ trigger.bdy.x }}"}}]`),
			"steps[0].input.body", `trigger has no field "bdy" (it has body, headers, query)`},
		{"step field other than output", wrapDef(fc, save(`{"name": "{{ steps.getFile.name }}", "content": "x"}`)),
			"steps[1].input.input.name", `steps.getFile has no field "name"`},
		{"later step", wrapDef(fc, `[{"id": "save", "type": "onedrive_action", "input": {"action": "ONEDRIVE_SAVE_FILE", "input": {"name": "{{ steps.getFile.output.name }}", "content": "x"}}}, `+getFile("getFile")+`]`),
			"steps[0].input.input.name", `step "getFile" (steps[1]) does not run before this one`},
		{"branch step without ?.", wrapDef(fc, `[{"id": "check", "type": "conditional", "input": {"condition": "{{ trigger.item.size > 10 }}"},
			"then": [`+getFile("big")+`]}, {"id": "r", "type": "response", "input": {"body": "{{ steps.big.output.name }}"}}]`),
			"steps[1].input.body", `step "big" runs only in a branch of "check"`},
		{"other branch", wrapDef(fc, `[{"id": "check", "type": "conditional", "input": {"condition": "{{ true }}"},
			"then": [`+getFile("big")+`], "else": [{"id": "r", "type": "response", "input": {"body": "{{ steps.big?.output }}"}}]}]`),
			"steps[0].else[0].input.body", `step "big" (steps[0].then[0]) does not run before this one`},
		{"fan out item field", wrapDef(req, `[{"id": "list", "type": "onedrive_action", "input": {"action": "ONEDRIVE_LIST_CONTENTS"}},
			{"id": "each", "type": "fan_out", "input": {"items": "{{ steps.list.output.items }}"},
			 "steps": [{"id": "del", "type": "onedrive_action", "input": {"action": "ONEDRIVE_DELETE_FILE", "input": {"fileId": "{{ item.itemId }}"}}}]}]`),
			"steps[1].steps[0].input.input.fileId", `item has no field "itemId"`},
		{"onedrive_request method", wrapDef(req, `[{"id": "g", "type": "onedrive_request", "input": {"method": "FETCH", "path": "me/drive"}}]`),
			"steps[0].input.method", `takes one of "GET", "POST", "PUT", "PATCH", "DELETE", not "FETCH"`},
		{"onedrive_request unknown key", wrapDef(req, `[{"id": "g", "type": "onedrive_request", "input": {"method": "GET", "path": "me/drive", "params": {}}}]`),
			"steps[0].input.params", `"params" is not an input of a onedrive_request step`},
		{"response unknown key", wrapDef(req, `[{"id": "r", "type": "response", "input": {"stauts": 201}}]`),
			"steps[0].input.stauts", `"stauts" is not an input of a response step`},
		{"action step unknown key", wrapDef(req, `[{"id": "folder", "type": "onedrive_action", "input": {"action": "ONEDRIVE_CREATE_FOLDER", "name": "x"}}]`),
			"steps[0].input.name", `"name" is not an input of a onedrive_action step`},
		{"template action", wrapDef(req, `[{"id": "a", "type": "onedrive_action", "input": {"action": "{{ trigger.body.action }}"}}]`),
			"steps[0].input.action", "must be the name of an action"},
		{"pattern", wrapDef(req, `[{"id": "s", "type": "onedrive_action", "input": {"action": "ONEDRIVE_SAVE_FILE", "input": {"path": "Reports/a.txt", "content": "x"}}}]`),
			"steps[0].input.input.path", `does not match ONEDRIVE_SAVE_FILE's pattern ^/`},
		{"schedule trigger field", wrapDef(`{"type": "schedule", "cron": "0 3 * * *"}`, `[{"id": "r", "type": "response", "input": {"body": "{{ trigger.body }}"}}]`),
			"steps[0].input.body", `trigger has no field "body" (it has scheduledAt)`},
		{"builtin result type", wrapDef(req, `[{"id": "list", "type": "onedrive_action", "input": {"action": "ONEDRIVE_LIST_CONTENTS", "input": {"pageSize": "{{ upper(trigger.body.n) }}"}}}]`),
			"steps[0].input.input.pageSize", `"{{ upper(trigger.body.n) }}" yields a string, but ONEDRIVE_LIST_CONTENTS takes an integer here`},
		{"comparison type", wrapDef(req, `[{"id": "f", "type": "onedrive_action", "input": {"action": "ONEDRIVE_CREATE_FOLDER", "input": {"name": "{{ trigger.body.n > 3 }}"}}}]`),
			"steps[0].input.input.name", `yields a boolean, but ONEDRIVE_CREATE_FOLDER takes a string here`},
		{"field inside a builtin's argument", wrapDef(fc, save(`{"name": "{{ lower(steps.getFile.output.title) }}", "content": "x"}`)),
			"steps[1].input.input.name", `the output of step "getFile" has no field "title"`},
		{"fan out of an object", wrapDef(fc, `[{"id": "each", "type": "fan_out", "input": {"items": "{{ trigger.item }}"}, "steps": [{"id": "r", "type": "delay", "input": {"duration": "1s"}}]}]`),
			"steps[0].input.items", `yields an object, but a fan_out step takes an array here`},
		{"optional object", wrapDef(fc, `[{"id": "r", "type": "response", "input": {"body": "{{ trigger.previous.name }}"}}]`),
			"steps[0].input.body", `trigger.previous is not always set, so reading a field of it can fail: read it with ?.`},
		{"continueOnError output", wrapDef(req, `[{"id": "dl", "type": "onedrive_action", "continueOnError": true, "input": {"action": "ONEDRIVE_DOWNLOAD_FILE", "input": {"path": "/a.txt"}}},
			{"id": "r", "type": "response", "input": {"body": "{{ steps.dl.output.file.name }}"}}]`),
			"steps[1].input.body", `the output of step "dl" (steps.dl.output.file) is not always set`},
		{"unknown variable", wrapDef(req, `[{"id": "r", "type": "response", "input": {"body": "{{ trigers.body }}"}}]`),
			"steps[0].input.body", `unknown variable "trigers" (the variables are trigger, steps, user, secrets)`},
		{"item outside a fan out", wrapDef(req, `[{"id": "r", "type": "response", "input": {"body": "{{ item.name }}"}}]`),
			"steps[0].input.body", `item exists only inside a fan_out step's steps`},
		{"not an object", wrapDef(fc, `[{"id": "r", "type": "response", "input": {"body": "{{ trigger.item.name.first }}"}}]`),
			"steps[0].input.body", `trigger.item.name is a string, which has no field "first"`},
	}
}

func TestValidateRefuses(t *testing.T) {
	t.Parallel()
	reg := catalogueRegistry(t)
	for _, tc := range BadDefinitions() {
		def, err := workflow.Parse([]byte(tc.def))
		if err != nil {
			t.Fatalf("%s: parse: %v", tc.name, err)
		}
		err = reg.Validate(def)
		var de *driveway.Error
		if !errors.As(err, &de) || de.Code != driveway.EINVALID || de.Field != tc.field || !strings.Contains(de.Message, tc.msg) {
			t.Errorf("%s: error %v, want EINVALID at %s containing %q", tc.name, err, tc.field, tc.msg)
		}
	}
}

// TestValidateAccepts: what runs, saves: the seed's chain, typed
// expressions, branch steps read with ?., fan out items typed by the
// listing, open shapes (an App Event payload, a Request body).
func TestValidateAccepts(t *testing.T) {
	t.Parallel()
	reg := catalogueRegistry(t)
	good := []string{
		SeedChain,
		wrapDef(`{"type": "request"}`, `[{"id": "list", "type": "onedrive_action", "input": {"action": "ONEDRIVE_LIST_CONTENTS", "input": {"pageSize": "{{ trigger.body.n }}"}}},
			{"id": "each", "type": "fan_out", "input": {"items": "{{ filter(steps.list.output.items, !.isFolder) }}", "parallelism": 2},
			 "steps": [{"id": "ren", "type": "onedrive_action", "input": {"action": "ONEDRIVE_RENAME_ITEM", "input": {"itemId": "{{ item.id }}", "name": "{{ index }}-{{ item.name }}"}}}]},
			{"id": "r", "type": "response", "input": {"status": 201, "body": {"n": "{{ len(steps.each.output) }}", "q": "{{ trigger.query.q }}", "any": "{{ trigger.body.deep.x }}"}}}]`),
		wrapDef(`{"type": "file_change"}`, `[{"id": "check", "type": "conditional", "input": {"condition": "{{ trigger.item.size > 10 }}"},
			"then": [`+getFile("big")+`]},
			{"id": "r", "type": "response", "input": {"body": "{{ steps.big?.output?.name ?? trigger.previous?.name ?? '' }}"}}]`),
		wrapDef(`{"type": "file_change"}`, `[`+getFile("getFile")+`, {"id": "f", "type": "onedrive_action", "input": {"action": "ONEDRIVE_CREATE_FOLDER",
			"input": {"name": "{{ string(steps.getFile.output.size) }}", "parentId": "{{ steps.getFile.output.parentId ?? 'root' }}", "conflictBehavior": "{{ trigger.type == 'created' ? 'fail' : 'replace' }}"}}}]`),
		wrapDef(`{"type": "file_change"}`, `[{"id": "dl", "type": "onedrive_action", "input": {"action": "ONEDRIVE_DOWNLOAD_FILE", "input": {"fileId": "{{ trigger.item.id }}"}}},
			{"id": "r", "type": "response", "input": {"body": {"was": "{{ trigger.previous?.name ?? '' }}", "n": "{{ steps.dl.output.file.name }}", "q": "{{ len(trigger.item.name) }}"}}}]`),
		wrapDef(`{"type": "app_event", "event": "x"}`, `[{"id": "f", "type": "onedrive_action", "input": {"action": "ONEDRIVE_CREATE_FOLDER", "input": {"name": "{{ trigger.anything.at.all }}"}}}]`),
		wrapDef(`{"type": "request"}`, `[{"id": "g", "type": "onedrive_request", "continueOnError": true, "input": {"method": "GET", "path": "me/drive", "query": {"$select": "quota"}}},
			{"id": "r", "type": "response", "input": {"body": {"used": "{{ steps.g.output.body.quota.used }}", "err": "{{ steps.g.output.error ?? '' }}", "s": "{{ steps.g.output.status + 1 }}"}}}]`),
	}
	for i, g := range good {
		def, err := workflow.Parse([]byte(g))
		if err == nil {
			err = reg.Validate(def)
		}
		if err != nil {
			t.Errorf("definition %d: %v", i, err)
		}
	}
}

// TestFileChangeTriggerSchema: the File Change trigger's schema names
// every field of a real change payload with its type, so validation
// neither refuses a real field nor lets a wrong one through.
func TestFileChangeTriggerSchema(t *testing.T) {
	t.Parallel()
	c := &filechange.Change{ID: "chg_1", ProjectID: "p", UserID: "u", CredentialID: "c", DriveID: "d", Type: filechange.Renamed,
		Item: filechange.Item{ID: "i", Name: "a.txt", Path: "/a.txt", ParentID: "r", Size: 3, MimeType: "text/plain",
			QuickXorHash: "q", SHA1Hash: "s1", SHA256Hash: "s2", ETag: "e", CTag: "c", ModifiedBy: "Ann",
			ModifiedAt: time.Now(), WebURL: "https://x"},
		Previous: &filechange.Previous{Name: "b.txt", ParentID: "r", Path: "/b.txt"}}
	payload := c.Payload()
	payload["credentialId"] = c.CredentialID
	raw, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	schemaCovers(t, "trigger", doc, workflow.TriggerSchema(workflow.Trigger{Type: workflow.TriggerFileChange}))
}

// schemaCovers fails unless every key of v is a property of s with v's
// JSON type, and every property of s is set in v (the test value sets
// every field).
func schemaCovers(t *testing.T, path string, v any, s map[string]any) {
	t.Helper()
	want, _ := s["type"].(string)
	got := ""
	switch x := v.(type) {
	case map[string]any:
		got = "object"
		props, _ := s["properties"].(map[string]any)
		for k, e := range x {
			sub, ok := props[k].(map[string]any)
			if !ok {
				t.Errorf("%s.%s is in the payload, not in the schema", path, k)
				continue
			}
			schemaCovers(t, path+"."+k, e, sub)
		}
		for k := range props {
			if _, ok := x[k]; !ok {
				t.Errorf("%s.%s is in the schema, not in the payload", path, k)
			}
		}
	case string:
		got = "string"
	case float64:
		got = "integer"
	case bool:
		got = "boolean"
	}
	if want != "" && want != got {
		t.Errorf("%s is a %s in the payload, a %s in the schema", path, got, want)
	}
}

// BenchmarkValidate compares save-time validation of the seed's chain
// with the action catalogue (action inputs checked against their schemas,
// outputs typed) and without it (templates typed by the trigger only),
// side by side.
func BenchmarkValidate(b *testing.B) {
	def, err := workflow.Parse([]byte(SeedChain))
	if err != nil {
		b.Fatal(err)
	}
	cat, err := action.NewCatalogue()
	if err != nil {
		b.Fatal(err)
	}
	typed := workflow.NewRegistry(nil, nil)
	typed.SetActions(cat)
	for _, bc := range []struct {
		name string
		reg  *workflow.Registry
	}{{"no-catalogue", workflow.NewRegistry(nil, nil)}, {"catalogue", typed}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if err := bc.reg.Validate(def); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestDocCommentExample validates the example of Definition's doc comment
// (it once named an action that does not exist).
func TestDocCommentExample(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("definition.go")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(src), "// Definition is a workflow")
	comment, _, _ := strings.Cut(rest, "type Definition struct")
	var example strings.Builder
	for _, line := range strings.Split(comment, "\n") {
		if code, ok := strings.CutPrefix(line, "//\t"); ok {
			example.WriteString(code + "\n")
		}
	}
	def, err := workflow.Parse([]byte(example.String()))
	if err != nil {
		t.Fatalf("the doc comment's example: %v\n%s", err, example.String())
	}
	if err := catalogueRegistry(t).Validate(def); err != nil {
		t.Fatalf("the doc comment's example is refused: %v", err)
	}
}
