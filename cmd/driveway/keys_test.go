package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/webhook"
)

// apiCall sends a JSON admin API request with key and returns the status
// and body.
func apiCall(t *testing.T, base, key, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestKeysCreateBootstrapsServe scripts a fresh `serve` from nothing: the
// CLI mints an instance key straight in the database (and the SIEM stream
// sends that entry at start), the key creates a project over HTTP, the CLI mints a read-only project key that the server
// holds to its role; a keyring that cannot open the database's secrets is
// refused; the audit trail has it all and verifies.
func TestKeysCreateBootstrapsServe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"DRIVEWAY_DATA_DIR": dir, "DRIVEWAY_SECRET_KEYS": mustKey(t), "USER": "ops"}
	if code, _, errs := run(t, env, "migrate"); code != 0 {
		t.Fatalf("migrate: %d %s", code, errs)
	}
	code, out, errs := run(t, env, "keys", "create", "--name", "bootstrap")
	instance := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(instance, "dwk_") || strings.Contains(errs, instance) {
		t.Fatalf("keys create: %d %q %s", code, out, errs)
	}
	got := make(chan string, 16)
	siem := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("webhook-signature") != "" {
			got <- string(b)
		}
	}))
	t.Cleanup(siem.Close)
	env["DRIVEWAY_AUDIT_WEBHOOK_URL"], env["DRIVEWAY_AUDIT_WEBHOOK_SECRET"] = siem.URL, webhook.GenerateSecret()
	r := start(t, env, "serve", "--addr", "127.0.0.1:0")
	select {
	case batch := <-got:
		if !strings.Contains(batch, `"action":"api_key.create"`) || strings.Contains(batch, strings.SplitN(instance, ".", 2)[1]) {
			t.Fatalf("SIEM batch: %s", batch)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the SIEM stream sent nothing within 30 s of start")
	}
	status, body := apiCall(t, r.base, instance, "POST", "/api/v1/projects", `{"name":"Scripted"}`)
	if status != http.StatusCreated {
		t.Fatalf("create project with the CLI's key: %d %s", status, body)
	}
	var p struct{ ID string }
	_ = json.Unmarshal([]byte(body), &p)
	if status, body := apiCall(t, r.base, instance, "PUT", "/api/v1/projects/"+p.ID+"/secrets/CANARY", `{"value":"sealed-now"}`); status != http.StatusOK && status != http.StatusNoContent {
		t.Fatalf("put a project secret: %d %s", status, body)
	}
	code, out, errs = run(t, env, "keys", "create", "--project", p.ID, "--role", "read", "--expires-in", "24h")
	reader := strings.TrimSpace(out)
	if code != 0 {
		t.Fatalf("keys create --role read: %d %s", code, errs)
	}
	if status, _ := apiCall(t, r.base, reader, "GET", "/api/v1/projects/"+p.ID, ""); status != http.StatusOK {
		t.Fatalf("read key reading its project: %d", status)
	}
	if status, _ := apiCall(t, r.base, reader, "PATCH", "/api/v1/projects/"+p.ID, `{"name":"x"}`); status != http.StatusForbidden {
		t.Fatalf("read key changing its project: %d, want 403", status)
	}

	wrong := map[string]string{"DRIVEWAY_DATA_DIR": dir, "DRIVEWAY_SECRET_KEYS": mustKey(t)}
	if code, out, errs := run(t, wrong, "keys", "create"); code != exitConfig || out != "" || !strings.Contains(errs, "DRIVEWAY_SECRET_KEYS") {
		t.Fatalf("keys create with a foreign keyring: %d %q %s", code, out, errs)
	}
	code, out, _ = run(t, env, "keys", "list")
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, "bootstrap") {
		t.Fatalf("keys list: %d %q (one instance key expected)", code, out)
	}

	code, out, errs = run(t, env, "audit", "export")
	if code != 0 || !strings.Contains(out, `"action":"api_key.create"`) || !strings.Contains(out, `"actor":{"type":"cli","id":"ops"}`) ||
		!strings.Contains(out, `"action":"project.create"`) || strings.Contains(out, "sealed-now") ||
		strings.Contains(out, strings.SplitN(instance, ".", 2)[1]) {
		t.Fatalf("audit export: %d %s %s", code, out, errs)
	}
	if code, out, errs := run(t, env, "audit", "verify"); code != 0 || !strings.Contains(out, `"ok":true`) {
		t.Fatalf("audit verify: %d %s %s", code, out, errs)
	}
}

// TestAuditWebhookSettingsAreChecked: a stream without a valid secret, or
// to a URL with credentials in it, stops start-up naming the variable.
func TestAuditWebhookSettingsAreChecked(t *testing.T) {
	t.Parallel()
	base := map[string]string{"DRIVEWAY_DATA_DIR": t.TempDir(), "DRIVEWAY_SECRET_KEYS": mustKey(t)}
	cases := map[string]map[string]string{
		"DRIVEWAY_AUDIT_WEBHOOK_SECRET": {"DRIVEWAY_AUDIT_WEBHOOK_URL": "https://siem.example.com/in", "DRIVEWAY_AUDIT_WEBHOOK_SECRET": "short"},
		"DRIVEWAY_AUDIT_WEBHOOK_URL":    {"DRIVEWAY_AUDIT_WEBHOOK_URL": "https://u:p@siem.example.com/in", "DRIVEWAY_AUDIT_WEBHOOK_SECRET": webhook.GenerateSecret()},
		"DRIVEWAY_AUDIT_RETENTION":      {"DRIVEWAY_AUDIT_RETENTION": "-1h"},
	}
	for name, extra := range cases {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for k, v := range extra {
			env[k] = v
		}
		code, _, errs := run(t, env, "serve", "--addr", "127.0.0.1:0")
		if code != exitConfig || !strings.Contains(errs, name) || strings.Contains(errs, "short") {
			t.Errorf("%s: exit %d, %q", name, code, errs)
		}
	}
}
