package connect_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drivewayhq/driveway/connect"
	"github.com/drivewayhq/driveway/usertoken"
)

// TestUnauthorizedOnlyForBadTokens: every bad user token gets 401 in the
// NestJS shape; nothing else does.
func TestUnauthorizedOnlyForBadTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	pid := e.project.ID
	otherKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	foreign, _ := usertoken.Sign(otherKey, "k1", usertoken.Claims{Subject: "u", ExpiresAt: time.Now().Add(time.Hour)})
	expired, _ := usertoken.Sign(e.key, "k1", usertoken.Claims{Subject: "u", IssuedAt: time.Now().Add(-2 * time.Hour), ExpiresAt: time.Now().Add(-time.Hour)})
	other := e.newProject("Other", nil)
	cases := map[string]string{"none": "", "garbage": "not.a.jwt", "another key": foreign, "expired": expired}
	for name, tok := range cases {
		st, body, _ := e.call("GET", "/projects/"+pid+"/sdk/me", tok, nil)
		var eb struct {
			StatusCode int    `json:"statusCode"`
			Message    string `json:"message"`
			Code       string `json:"code"`
		}
		if err := json.Unmarshal(body, &eb); err != nil || st != 401 || eb.StatusCode != 401 || eb.Code != "unauthorized" || eb.Message == "" {
			t.Fatalf("%s: %d %s", name, st, body)
		}
	}
	// A valid token of this project is refused by the other project (its
	// keys differ), and the query parameter is not read on API routes.
	if st, _, _ := e.call("GET", "/projects/"+other.ID+"/sdk/me?userToken=x", "", nil); st != 401 {
		t.Fatalf("query token on /sdk/me = %d, want 401", st)
	}
	if st, _, _ := e.call("GET", "/projects/"+pid+"/sdk/me?userToken="+e.token("u"), "", nil); st != 401 {
		t.Fatalf("query token on /sdk/me = %d, want 401", st)
	}
	// Not 401: unknown project, unknown route, someone else's credential.
	tok := e.token("u")
	for path, want := range map[string]int{
		"/projects/prj_nope/sdk/me":                 404,
		"/projects/" + pid + "/sdk/nothing":         404,
		"/projects/" + pid + "/sdk/credentials/c_x": 404,
	} {
		if st, body, _ := e.call("GET", path, tok, nil); st != want {
			t.Fatalf("GET %s = %d %s, want %d", path, st, body, want)
		}
	}
}

// TestBootstrapShapes: /sdk/me and /sdk/integrations have what the SDK
// needs before any account is connected.
func TestBootstrapShapes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	pid := e.project.ID
	tok := e.token("user-1")
	var me map[string]any
	e.callJSON("GET", "/projects/"+pid+"/sdk/me", tok, nil, &me)
	od := me["integrations"].(map[string]any)["onedrive"].(map[string]any)
	if creds, ok := od["allCredentials"].([]any); !ok || len(creds) != 0 || od["enabled"] != false {
		t.Fatalf("onedrive = %v", od)
	}
	if _, err := e.store.GetConnectedUser(t.Context(), pid, "user-1"); err != nil {
		t.Fatalf("the connected user was not created: %v", err)
	}
	var list []map[string]any
	e.callJSON("GET", "/projects/"+pid+"/sdk/integrations", tok, nil, &list)
	if len(list) != 1 || list[0]["id"] != connect.IntegrationID(pid) || list[0]["type"] != "onedrive" || list[0]["isActive"] != true {
		t.Fatalf("integrations = %v", list)
	}
	values := list[0]["configs"].([]any)[0].(map[string]any)["values"].(map[string]any)
	if d := cmp.Diff(map[string]any{}, values["workflowMeta"]); d != "" {
		t.Fatalf("workflowMeta (-want +got):\n%s", d)
	}
	var again []map[string]any
	e.callJSON("GET", "/projects/"+pid+"/sdk/integrations", tok, nil, &again)
	if again[0]["id"] != list[0]["id"] || again[0]["configs"].([]any)[0].(map[string]any)["id"] != list[0]["configs"].([]any)[0].(map[string]any)["id"] {
		t.Fatal("integration ids are not stable")
	}
	e.callJSON("PATCH", "/projects/"+pid+"/sdk/me", tok, map[string]any{"meta": map[string]any{"name": "Ada", "EMAIL": "ada@example.com", "$driveway": "x"}}, &me)
	if d := cmp.Diff(map[string]any{"Name": "Ada", "Email": "ada@example.com"}, me["meta"]); d != "" {
		t.Fatalf("meta (-want +got):\n%s", d)
	}
}

// TestCORS: the allowed origin gets a full preflight answer and the
// response header; the headers list covers what the SDK sends.
func TestCORS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	pid := e.project.ID
	st, _, h := e.call("OPTIONS", "/projects/"+pid+"/sdk/credentials/x", "", nil, "Origin", appOrigin,
		"Access-Control-Request-Method", "PATCH", "Access-Control-Request-Headers", "authorization,content-type,x-paragon-credential")
	if st != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != appOrigin {
		t.Fatalf("preflight = %d, ACAO %q", st, h.Get("Access-Control-Allow-Origin"))
	}
	for _, want := range []string{"Authorization", "Content-Type", "Accept", "X-Paragon-SDK-Version", "X-Paragon-Credential",
		"X-Paragon-Configuration-Id", "X-Driveway-Credential"} {
		if !strings.Contains(h.Get("Access-Control-Allow-Headers"), want) {
			t.Fatalf("Access-Control-Allow-Headers %q lacks %s", h.Get("Access-Control-Allow-Headers"), want)
		}
	}
	if !strings.Contains(h.Get("Access-Control-Allow-Methods"), "PATCH") {
		t.Fatalf("methods = %q", h.Get("Access-Control-Allow-Methods"))
	}
	_, _, h = e.call("GET", "/projects/"+pid+"/sdk/me", e.token("u"), nil, "Origin", appOrigin)
	if h.Get("Access-Control-Allow-Origin") != appOrigin {
		t.Fatal("no Access-Control-Allow-Origin on an allowed origin's request")
	}
	_, _, h = e.call("GET", "/projects/"+pid+"/sdk/me", e.token("u"), nil, "Origin", "https://evil.com")
	if h.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("Access-Control-Allow-Origin for a foreign origin")
	}
}

// TestProxyPreflight: the Graph proxy, which sees every method of its path
// before the router, answers CORS preflights like every SDK route: the
// allowed origin gets them without a token, another origin gets 403.
func TestProxyPreflight(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{proxy: true})
	path := "/projects/" + e.project.ID + "/sdk/proxy/onedrive/me/drive/root/children"
	st, body, h := e.call("OPTIONS", path, "", nil, "Origin", appOrigin, "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "authorization,content-type,x-paragon-sdk-version")
	if st != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != appOrigin ||
		!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") {
		t.Fatalf("proxy preflight = %d %s, ACAO %q, methods %q", st, body, h.Get("Access-Control-Allow-Origin"),
			h.Get("Access-Control-Allow-Methods"))
	}
	st, _, h = e.call("OPTIONS", path, "", nil, "Origin", "https://evil.com", "Access-Control-Request-Method", "GET")
	if st != http.StatusForbidden || h.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("proxy preflight from a foreign origin = %d, ACAO %q; want 403 and none", st, h.Get("Access-Control-Allow-Origin"))
	}
	// A plain OPTIONS (no preflight) still needs a user token.
	if st, _, _ := e.call("OPTIONS", path, "", nil); st != http.StatusUnauthorized {
		t.Fatalf("OPTIONS without a token = %d, want 401", st)
	}
}

// TestPortalFrameAncestors: the portal may be framed by the project's
// allowed origins only.
func TestPortalFrameAncestors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{origins: []string{"http://localhost:5173"}})
	_, _, h := e.call("GET", "/connect/?projectId="+e.project.ID, "", nil)
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors https://app.example.com http://localhost:5173") || h.Get("X-Frame-Options") != "" {
		t.Fatalf("CSP = %q", csp)
	}
	bare := e.newProject("Bare", nil)
	_, _, h = e.call("GET", "/connect/?projectId="+bare.ID, "", nil)
	if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("CSP without origins = %q", h.Get("Content-Security-Policy"))
	}
	if st, _, _ := e.call("GET", "/connect/?projectId=prj_none", "", nil); st != 404 {
		t.Fatalf("portal of an unknown project = %d", st)
	}
}

// TestBuildOAuthRequest: the authorize URL carries a 256-bit state, S256
// PKCE, the configured scopes plus the OpenID ones, and the configured
// redirect URI; a disabled integration starts nothing.
func TestBuildOAuthRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	u := e.buildOAuth(e.project, e.token("u"), "s1", "")
	q := query(t, u)
	if !strings.HasPrefix(u, e.emu.BaseURL+"/common/oauth2/v2.0/authorize?") {
		t.Fatalf("authorize URL = %s", u)
	}
	state := q.Get("state")
	if !strings.HasPrefix(state, e.project.ID+".") || len(state)-len(e.project.ID)-1 != 43 {
		t.Fatalf("state = %q", state)
	}
	for k, want := range map[string]string{"code_challenge_method": "S256", "redirect_uri": e.url + "/oauth", "client_id": e.app.ClientID,
		"scope": "offline_access User.Read Files.ReadWrite openid profile"} {
		if q.Get(k) != want {
			t.Fatalf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	if len(q.Get("code_challenge")) != 43 {
		t.Fatalf("code_challenge = %q", q.Get("code_challenge"))
	}
	in, _ := e.store.GetIntegration(t.Context(), e.project.ID)
	in.Enabled = false
	if err := e.store.PutIntegration(t.Context(), in); err != nil {
		t.Fatalf("put integration: %v", err)
	}
	if st, _, _ := e.call("GET", "/v2/projects/"+e.project.ID+"/sdk/actions/build-oauth?originForPostMessage="+appOrigin, e.token("u"), nil); st != 400 {
		t.Fatalf("build-oauth with OneDrive disabled = %d, want 400", st)
	}
}
