package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAdminRequiresAValidAPIKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	path := "/api/v1/projects/" + b.projA.ID
	for _, key := range []string{"", "nonsense", "dwk_abc.def", b.keyA + "x", strings.Replace(b.keyA, "dwk_", "dwk_0", 1)} {
		status, body := b.call(key, "GET", path, nil)
		if status != http.StatusUnauthorized {
			t.Errorf("key %q: status %d, want 401", key, status)
		}
		if code, _ := errField(body); code != "unauthorized" {
			t.Errorf("key %q: code %q", key, code)
		}
	}
	if status, _ := b.call(b.keyA, "GET", path, nil); status != http.StatusOK {
		t.Fatalf("valid key: status %d", status)
	}
	_, keys := b.call(b.instance, "GET", "/api/v1/projects/"+b.projA.ID+"/api-keys", nil)
	id := keys["data"].([]any)[0].(map[string]any)["id"].(string)
	if status, _ := b.call(b.instance, "DELETE", "/api/v1/projects/"+b.projA.ID+"/api-keys/"+id, nil); status != http.StatusNoContent {
		t.Fatalf("revoke: %d", status)
	}
	if status, _ := b.call(b.keyA, "GET", path, nil); status != http.StatusUnauthorized {
		t.Fatalf("revoked key: status %d, want 401", status)
	}
}

// TestProjectKeySeesOtherProjectsAs404 sweeps every project route with
// project B's key against project A.
func TestProjectKeySeesOtherProjectsAs404(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := b.projA.ID
	routes := []struct{ method, path, body string }{
		{"GET", "/api/v1/projects/" + a, ""},
		{"PATCH", "/api/v1/projects/" + a, `{"name":"stolen"}`},
		{"DELETE", "/api/v1/projects/" + a, ""},
		{"GET", "/api/v1/projects/" + a + "/allowed-origins", ""},
		{"PUT", "/api/v1/projects/" + a + "/allowed-origins", `{"allowedOrigins":["https://evil.example.com"]}`},
		{"GET", "/api/v1/projects/" + a + "/integrations/onedrive", ""},
		{"PUT", "/api/v1/projects/" + a + "/integrations/onedrive", `{"clientId":"x"}`},
		{"GET", "/api/v1/projects/" + a + "/signing-keys", ""},
		{"POST", "/api/v1/projects/" + a + "/signing-keys/generate", `{}`},
		{"DELETE", "/api/v1/projects/" + a + "/signing-keys/k1", ""},
		{"GET", "/api/v1/projects/" + a + "/api-keys", ""},
		{"POST", "/api/v1/projects/" + a + "/api-keys", `{"name":"x"}`},
		{"DELETE", "/api/v1/projects/" + a + "/api-keys/key_x", ""},
	}
	for _, r := range routes {
		var body any
		if r.body != "" {
			body = r.body
		}
		if status, _ := b.call(b.keyB, r.method, r.path, body); status != http.StatusNotFound {
			t.Errorf("%s %s with project B's key: status %d, want 404", r.method, r.path, status)
		}
	}
	_, list := b.call(b.keyB, "GET", "/api/v1/projects", nil)
	if got := len(list["data"].([]any)); got != 1 {
		t.Errorf("project B's key lists %d projects, want 1", got)
	}
	if status, _ := b.call(b.keyB, "POST", "/api/v1/projects", `{"name":"new"}`); status != http.StatusForbidden {
		t.Errorf("project key creating a project: %d, want 403", status)
	}
	_, p := b.call(b.instance, "GET", "/api/v1/projects/"+a, nil)
	if p["name"] != "A" {
		t.Fatalf("project A changed through B's key: %v", p["name"])
	}
}

func TestOneDriveSettingsRoundTripNeverShowsTheSecret(t *testing.T) {
	t.Parallel()
	b := setup(t)
	path := "/api/v1/projects/" + b.projA.ID + "/integrations/onedrive"
	const canary = "CANARY-secret-value-9f3k"
	exp := time.Now().Add(10 * 24 * time.Hour).UTC().Truncate(time.Second)
	in := map[string]any{
		"clientId":      "11111111-2222-3333-4444-555555555555",
		"clientSecrets": []any{map[string]any{"value": canary, "expiresAt": exp}},
		"scopes":        []string{"files.readwrite.all", "User.Read"},
		"tenant":        "organizations",
	}
	status, put := b.call(b.keyA, "PUT", path, in)
	if status != http.StatusOK {
		t.Fatalf("PUT: %d %v", status, put["_raw"])
	}
	status, got := b.call(b.keyA, "GET", path, nil)
	if status != http.StatusOK {
		t.Fatalf("GET: %d", status)
	}
	for _, body := range []map[string]any{put, got} {
		if strings.Contains(body["_raw"].(string), canary[:12]) {
			t.Fatalf("the secret came back: %s", body["_raw"])
		}
	}
	secrets := got["clientSecrets"].([]any)
	s0 := secrets[0].(map[string]any)
	if s0["hint"] != canary[len(canary)-4:] || s0["daysLeft"].(float64) < 9 || s0["daysLeft"].(float64) > 10 {
		t.Fatalf("secret view = %v", s0)
	}
	if fmt.Sprint(got["scopes"]) != "[offline_access User.Read Files.ReadWrite.All]" {
		t.Errorf("scopes = %v (want canonical spelling with offline_access)", got["scopes"])
	}
	if got["redirectUrl"] != "https://driveway.example.com/oauth" || got["tenant"] != "organizations" || got["cloud"] != "global" {
		t.Errorf("settings = %v", got)
	}
	if w := got["warnings"].([]any); len(w) != 1 || !strings.Contains(w[0].(string), "expires in") {
		t.Errorf("warnings = %v, want one expiry warning", w)
	}
	// Keep the secret by id and add a second one: rotation.
	id := s0["id"].(string)
	in["clientSecrets"] = []any{map[string]any{"id": id}, map[string]any{"value": "second-secret-value", "expiresAt": exp.AddDate(1, 0, 0)}}
	if status, body := b.call(b.keyA, "PUT", path, in); status != http.StatusOK || len(body["clientSecrets"].([]any)) != 2 {
		t.Fatalf("rotation PUT: %d %v", status, body["_raw"])
	}
	// Omitting clientSecrets keeps them.
	delete(in, "clientSecrets")
	if _, body := b.call(b.keyA, "PUT", path, in); len(body["clientSecrets"].([]any)) != 2 {
		t.Fatalf("secrets not kept: %v", body["_raw"])
	}
	// accountAuth: off by default, on when asked, kept when omitted.
	if got["allowAccountAuth"] != false {
		t.Fatalf("allowAccountAuth by default = %v, want false", got["allowAccountAuth"])
	}
	in["allowAccountAuth"] = true
	if _, body := b.call(b.keyA, "PUT", path, in); body["allowAccountAuth"] != true {
		t.Fatalf("allowAccountAuth after turning it on: %v", body["_raw"])
	}
	delete(in, "allowAccountAuth")
	if _, body := b.call(b.keyA, "PUT", path, in); body["allowAccountAuth"] != true {
		t.Fatalf("allowAccountAuth not kept when omitted: %v", body["_raw"])
	}
}

func TestMalformedInputIs400NamingTheField(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := "/api/v1/projects/" + b.projA.ID
	future := time.Now().Add(48 * time.Hour).Format(time.RFC3339)
	past := time.Now().Add(-48 * time.Hour).Format(time.RFC3339)
	cases := []struct{ method, path, body, field string }{
		{"PUT", p + "/integrations/onedrive", `{"clientId":"c","scopes":["Files.ReadWrite All"]}`, "scopes"},
		{"PUT", p + "/integrations/onedrive", `{"clientId":"c","tenant":"not a tenant!"}`, "tenant"},
		{"PUT", p + "/integrations/onedrive", `{"clientId":"c","cloud":"mars"}`, "cloud"},
		{"PUT", p + "/integrations/onedrive", `{"clientId":""}`, "clientId"},
		{"PUT", p + "/integrations/onedrive", `{"clientId":"c","clientSecrets":[{"value":"abcdefghij","expiresAt":"` + past + `"}]}`, "clientSecrets[0].expiresAt"},
		{"PUT", p + "/integrations/onedrive", `{"clientId":"c","clientSecrets":[{"value":"abcdefghij"}]}`, "clientSecrets[0].expiresAt"},
		{"PUT", p + "/integrations/onedrive", `{"clientId":"c","clientSecrets":[{"value":"a","expiresAt":"` + future + `"},{"value":"b","expiresAt":"` + future + `"},{"value":"c","expiresAt":"` + future + `"}]}`, "clientSecrets"},
		{"PUT", p + "/integrations/onedrive", `{"clientId":"c","clientSecrets":[{"id":"sec_unknown"}]}`, "clientSecrets[0].id"},
		{"PUT", p + "/integrations/onedrive", `{"clientId":"c","clientSecrets":[{"value":"abcdefghij","expiresAt":"tomorrow"}]}`, "body"},
		{"PUT", p + "/integrations/onedrive", `{"clientId":"c","color":"red"}`, "color"},
		{"PUT", p + "/integrations/onedrive", `{"clientId":"c"`, "body"},
		{"PUT", p + "/integrations/onedrive", `{"clientId":"c"}{"clientId":"d"}`, "body"},
		{"PUT", p + "/integrations/onedrive", ``, "body"},
		{"POST", p + "/signing-keys", `{"pem":"-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----"}`, "pem"},
		{"POST", p + "/signing-keys", `{"pem":"hello"}`, "pem"},
		{"POST", p + "/signing-keys", `{}`, "pem"},
		{"POST", p + "/signing-keys", `{"jwk":{"kty":"oct","k":"c2VjcmV0"}}`, "jwk"},
		{"POST", p + "/signing-keys/generate", `{"alg":"HS256"}`, "alg"},
		{"PUT", p + "/allowed-origins", `{"allowedOrigins":["https://app.example.com/path"]}`, "allowedOrigins[0]"},
		{"PUT", p + "/allowed-origins", `{"allowedOrigins":["http://app.example.com"]}`, "allowedOrigins[0]"},
		{"PUT", p + "/allowed-origins", `{"allowedOrigins":["javascript:alert(1)"]}`, "allowedOrigins[0]"},
		{"PATCH", p, `{"name":"   "}`, "name"},
		{"POST", "/api/v1/projects", `{"name":["x"]}`, "name"},
	}
	for _, c := range cases {
		key := b.keyA
		if c.path == "/api/v1/projects" {
			key = b.instance
		}
		status, body := b.call(key, c.method, c.path, c.body)
		code, field := errField(body)
		if status != http.StatusBadRequest || code != "invalid" || field != c.field {
			t.Errorf("%s %s %s: status %d code %q field %q, want 400 invalid %q (%s)", c.method, c.path, c.body, status, code, field, c.field, body["_raw"])
		}
	}
}

func TestSigningKeysAndAPIKeys(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := "/api/v1/projects/" + b.projA.ID
	status, gen := b.call(b.keyA, "POST", p+"/signing-keys/generate", `{"alg":"RS256"}`)
	if status != http.StatusCreated || !strings.Contains(gen["privateKey"].(string), "PRIVATE KEY") || gen["alg"] != "RS256" {
		t.Fatalf("generate: %d %v", status, gen["_raw"])
	}
	_, list := b.call(b.keyA, "GET", p+"/signing-keys", nil)
	if strings.Contains(list["_raw"].(string), "PRIVATE") {
		t.Fatal("a private key is listed")
	}
	pub := gen["publicKey"].(string)
	if status, body := b.call(b.keyA, "POST", p+"/signing-keys", map[string]any{"pem": pub, "id": gen["id"]}); status != http.StatusBadRequest {
		t.Fatalf("duplicate kid: %d %v", status, body["_raw"])
	}
	if status, _ := b.call(b.keyA, "POST", p+"/signing-keys", map[string]any{"pem": pub, "id": "second", "alg": "ES256"}); status != http.StatusBadRequest {
		t.Fatalf("alg mismatch accepted: %d", status)
	}
	if status, _ := b.call(b.keyA, "POST", p+"/signing-keys", map[string]any{"pem": pub, "id": "second"}); status != http.StatusCreated {
		t.Fatalf("second key: %d", status)
	}
	if status, _ := b.call(b.keyA, "DELETE", p+"/signing-keys/second", nil); status != http.StatusNoContent {
		t.Fatalf("delete: %d", status)
	}
	if status, _ := b.call(b.keyA, "DELETE", p+"/signing-keys/second", nil); status != http.StatusNotFound {
		t.Fatalf("delete again: %d", status)
	}
	status, created := b.call(b.keyA, "POST", p+"/api-keys", `{"name":"ci"}`)
	if status != http.StatusCreated {
		t.Fatalf("create key: %d", status)
	}
	secret := created["secret"].(string)
	if status, _ := b.call(secret, "GET", p, nil); status != http.StatusOK {
		t.Fatalf("new key does not work: %d", status)
	}
	_, keys := b.call(b.keyA, "GET", p+"/api-keys", nil)
	if strings.Contains(keys["_raw"].(string), secret[len(secret)-10:]) {
		t.Fatal("an API key secret is listed")
	}
}

func TestHealthReadyAndMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if status, _ := b.call("", "GET", "/healthz", nil); status != 200 {
		t.Fatalf("healthz %d", status)
	}
	if status, _ := b.call("", "GET", "/readyz", nil); status != 200 {
		t.Fatalf("readyz %d", status)
	}
	b.ready = fmt.Errorf("database down")
	if status, _ := b.call("", "GET", "/readyz", nil); status != http.StatusServiceUnavailable {
		t.Fatalf("readyz while not ready: %d", status)
	}
	b.call(b.keyA, "GET", "/api/v1/projects/"+b.projA.ID, nil)
	_, m := b.call("", "GET", "/metrics", nil)
	if !strings.Contains(m["_raw"].(string), `driveway_http_requests_total{route="GET /api/v1/projects/{pid}",status="200"} 1`) {
		t.Fatalf("metrics lack the request: %s", m["_raw"])
	}
}

func TestRequestIDsAndUnknownRoutes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	req, _ := http.NewRequest("GET", b.srv.URL+"/api/v1/nothing", nil)
	req.Header.Set("X-Request-Id", "client-supplied-1234")
	resp, err := b.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || resp.Header.Get("X-Request-Id") != "client-supplied-1234" {
		t.Fatalf("status %d, request id %q", resp.StatusCode, resp.Header.Get("X-Request-Id"))
	}
	req.Header.Set("X-Request-Id", "bad id with spaces!")
	resp, err = b.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-Id"); !strings.HasPrefix(got, "req_") {
		t.Fatalf("hostile request id kept: %q", got)
	}
}
