package action_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/action"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestListingIsJSONSchema2020 reads the listing over HTTP and compiles every
// parameters schema, and the output schemas, as draft 2020-12, checked
// against the draft's meta-schema.
func TestListingIsJSONSchema2020(t *testing.T) {
	t.Parallel()
	b := newBundle(t, emulator.ModePersonal, opts{})
	for _, path := range []string{"/projects/" + projectID + "/actions?format=json_schema&integrations=onedrive", "/projects/" + projectID + "/tools"} {
		status, _, raw := b.get(t, path, true)
		wantEqual(t, "status", status, 200)
		var listing struct {
			Actions map[string][]struct {
				Type     string `json:"type"`
				Function struct {
					Name       string `json:"name"`
					Parameters any    `json:"parameters"`
				} `json:"function"`
			} `json:"actions"`
			Errors []any `json:"errors"`
		}
		must(t, "decode listing", json.Unmarshal(raw, &listing))
		tools := listing.Actions["onedrive"]
		if len(tools) != 19 {
			t.Fatalf("%s: %d tools, want 19", path, len(tools))
		}
		for _, tool := range tools {
			wantEqual(t, "type", tool.Type, "function")
			compile2020(t, tool.Function.Name, tool.Function.Parameters)
			params := tool.Function.Parameters.(map[string]any)
			wantEqual(t, tool.Function.Name+" additionalProperties", params["additionalProperties"], false)
		}
	}
	cat, _ := action.NewCatalogue()
	for _, a := range cat.Actions() {
		raw, _ := json.Marshal(a.Output)
		var doc any
		must(t, "decode output schema", json.Unmarshal(raw, &doc))
		compile2020(t, a.Name+".output", doc)
	}
}

func compile2020(t *testing.T, name string, doc any) {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	raw, _ := json.Marshal(doc)
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
	must(t, "unmarshal "+name, err)
	if m, ok := v.(map[string]any); ok {
		m["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	}
	must(t, "add "+name, c.AddResource("urn:test:"+name, v))
	if _, err := c.Compile("urn:test:" + name); err != nil {
		t.Fatalf("%s does not compile as 2020-12: %v", name, err)
	}
}

func TestListingFilters(t *testing.T) {
	t.Parallel()
	b := newBundle(t, emulator.ModePersonal, opts{})
	count := func(path string) int {
		status, _, raw := b.get(t, path, true)
		wantEqual(t, "status of "+path, status, 200)
		var l action.Listing
		must(t, "decode", json.Unmarshal(raw, &l))
		return len(l.Actions["onedrive"])
	}
	base := "/projects/" + projectID + "/actions"
	wantEqual(t, "other integration", count(base+"?integrations=salesforce"), 0)
	wantEqual(t, "both", count(base+"?integrations=salesforce,onedrive"), 19)
	status, _, _ := b.get(t, base+"?format=paragon", true)
	wantEqual(t, "paragon format", status, 400)
	// bob has not connected OneDrive.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, b.front.URL+base, nil)
	req.Header.Set("Authorization", "Bearer user-token-bob")
	_, _, raw := do(t, req)
	if strings.Contains(string(raw), "ONEDRIVE_") {
		t.Fatalf("bob's listing %s shows OneDrive actions", raw)
	}
	req, _ = http.NewRequestWithContext(t.Context(), http.MethodGet, b.front.URL+base+"?limit_to_available=false", nil)
	req.Header.Set("Authorization", "Bearer user-token-bob")
	if _, _, raw = do(t, req); !strings.Contains(string(raw), "ONEDRIVE_SAVE_FILE") {
		t.Fatalf("limit_to_available=false: %s", raw)
	}
}

func TestRunOverHTTP(t *testing.T) {
	t.Parallel()
	b := newBundle(t, emulator.ModeBusiness, opts{})
	folder := b.mkdir(t, "/Reports")
	base := "/projects/" + projectID
	status, _, raw := b.post(t, base+"/actions", strings.NewReader(`{"action":"ONEDRIVE_LIST_CONTENTS","parameters":{"folderId":"`+folder.ID+`"}}`), "application/json", nil)
	wantEqual(t, "list status", status, 200)
	if !strings.Contains(string(raw), `"items":[]`) {
		t.Fatalf("list body %s", raw)
	}
	// Validation errors name the field.
	for body, field := range map[string]string{
		`{"action":"ONEDRIVE_CREATE_FOLDER","parameters":{}}`:                                "name",
		`{"action":"ONEDRIVE_CREATE_FOLDER","parameters":{"name":"x","colour":"red"}}`:       "colour",
		`{"action":"ONEDRIVE_CREATE_FOLDER","parameters":{"name":"x","conflictBehavior":1}}`: "conflictBehavior",
		`{"action":"ONEDRIVE_LIST_CONTENTS","parameters":{"pageSize":0}}`:                    "pageSize",
		`{"action":"ONEDRIVE_NOPE","parameters":{}}`:                                         "action",
	} {
		status, _, raw := b.post(t, base+"/tools", strings.NewReader(body), "application/json", nil)
		var e action.Body
		must(t, "decode error", json.Unmarshal(raw, &e))
		if status != 400 || e.Field != field || e.Code != driveway.EINVALID || e.Message == "" {
			t.Fatalf("%s: %d %s, want 400 naming %s", body, status, raw, field)
		}
	}
	// A second credential: the header picks one; without it, 400.
	second := b.addCredential(t, "alice", driveway.CredentialValid)
	body := `{"action":"ONEDRIVE_GET_FOLDER_BY_ID","parameters":{"folderId":"` + folder.ID + `"}}`
	status, _, raw = b.post(t, base+"/actions", strings.NewReader(body), "application/json", nil)
	if status != 400 || !strings.Contains(string(raw), "X-Driveway-Credential") {
		t.Fatalf("two credentials without a header: %d %s", status, raw)
	}
	for _, h := range []string{"X-Paragon-Credential", "X-Driveway-Credential"} {
		status, _, raw = b.post(t, base+"/actions", strings.NewReader(body), "application/json", map[string]string{h: second.ID})
		wantEqual(t, h+" status", status, 200)
	}
	// Another user's credential is not found.
	bobs := b.addCredential(t, "bob", driveway.CredentialValid)
	status, _, _ = b.post(t, base+"/actions", strings.NewReader(body), "application/json", map[string]string{"X-Driveway-Credential": bobs.ID})
	wantEqual(t, "bob's credential", status, 404)
}

func TestThrottledOverHTTP(t *testing.T) {
	t.Parallel()
	b := newBundle(t, emulator.ModePersonal, opts{})
	b.emu.AddFault(emulator.Fault{Route: "graph", Status: 429, RetryAfter: 7})
	status, hdr, raw := b.post(t, "/projects/"+projectID+"/actions", strings.NewReader(`{"action":"ONEDRIVE_LIST_CONTENTS"}`), "application/json", nil)
	var e action.Body
	must(t, "decode", json.Unmarshal(raw, &e))
	if status != 429 || hdr.Get("Retry-After") != "7" || e.RetryAfter != 7 || e.Code != driveway.ETHROTTLED {
		t.Fatalf("throttled: %d Retry-After %q %s", status, hdr.Get("Retry-After"), raw)
	}
}

func TestQuotaIs507(t *testing.T) {
	t.Parallel()
	b := newBundle(t, emulator.ModeBusiness, opts{emu: emulator.Options{DriveQuota: 1 << 10}})
	_, err := b.run(t, "ONEDRIVE_SAVE_FILE", map[string]any{"name": "big.bin", "content": strings.Repeat("x", 4<<10)})
	ae := actionErr(t, err)
	if ae.Reason != action.ReasonQuota || ae.Status() != 507 {
		t.Fatalf("full drive: %v reason %q status %d", err, ae.Reason, ae.Status())
	}
}

func TestInvalidCredentialMustReconnect(t *testing.T) {
	t.Parallel()
	b := newBundle(t, emulator.ModePersonal, opts{})
	bad := b.addCredential(t, "carol", driveway.CredentialInvalid)
	_, err := b.exec.Run(t.Context(), &driveway.Principal{ProjectID: projectID, UserID: "carol"}, "", "ONEDRIVE_LIST_DRIVES", nil)
	if ae := actionErr(t, err); ae.Err.Code != driveway.EUNAUTHORIZED || ae.Reason != action.ReasonCredential {
		t.Fatalf("invalid credential: %v", err)
	}
	_, err = b.exec.Run(t.Context(), &driveway.Principal{ProjectID: projectID, UserID: "carol"}, bad.ID, "ONEDRIVE_LIST_DRIVES", nil)
	if ae := actionErr(t, err); ae.Err.Code != driveway.EUNAUTHORIZED {
		t.Fatalf("named invalid credential: %v", err)
	}
}

func TestWorkflowRequestAction(t *testing.T) {
	t.Parallel()
	b := newBundle(t, emulator.ModePersonal, opts{})
	out, err := b.exec.Run(t.Context(), b.alice, "", action.RequestAction, map[string]any{"method": "GET", "path": "me/drive"})
	must(t, "onedrive.request", err)
	m := asMap(t, out)
	wantEqual(t, "status", m["status"], 200.0)
	// The proxy's path rules apply.
	out, err = b.exec.Run(t.Context(), b.alice, "", action.RequestAction, map[string]any{"method": "GET", "path": "me/drive/../../admin"})
	must(t, "dot path", err)
	wantEqual(t, "dot path status", asMap(t, out)["status"], 400.0)
}
