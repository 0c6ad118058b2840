package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDevConnectsOneDriveEndToEnd runs `driveway dev` with the emulator
// signing in without a page, and connects the demo account the way the
// SDK does: build-oauth, the emulator's authorize, the /oauth callback.
func TestDevConnectsOneDriveEndToEnd(t *testing.T) {
	t.Parallel()
	r, info, dir := startDev(t)
	code, out, errs := run(t, nil, "token", "--sub", "end-user-1", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("token: %s", errs)
	}
	tok := strings.TrimSpace(out)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	call := func(method, path string) (int, string, http.Header) {
		req, _ := http.NewRequest(method, path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	// A webhook endpoint of the customer's app (loopback: dev allows it).
	hooks := make(chan string, 16)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		if req.Header.Get("webhook-signature") != "" {
			hooks <- string(b)
		}
	}))
	defer receiver.Close()
	ep, _ := json.Marshal(map[string]any{"url": receiver.URL + "/hooks"})
	req, _ := http.NewRequest("POST", r.base+"/api/v1/projects/"+info.ProjectID+"/webhook-endpoints", strings.NewReader(string(ep)))
	req.Header.Set("Authorization", "Bearer "+info.APIKey)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 201 {
		t.Fatalf("create webhook endpoint: %v %v", err, resp)
	}
	sdk := r.base + "/projects/" + info.ProjectID + "/sdk"
	if status, body, _ := call("GET", sdk+"/me"); status != 200 || !strings.Contains(body, `"onedrive"`) {
		t.Fatalf("/sdk/me: %d %s", status, body)
	}
	q := url.Values{"action": {"onedrive"}, "userToken": {tok}, "oauthMetaKeyId": {"sess1"}, "originForPostMessage": {info.PublicURL}}
	status, body, _ := call("GET", r.base+"/v2/projects/"+info.ProjectID+"/sdk/actions/build-oauth?"+q.Encode())
	var built struct{ RedirectURL string }
	if err := json.Unmarshal([]byte(body), &built); status != 200 || err != nil || built.RedirectURL == "" {
		t.Fatalf("build-oauth: %d %s", status, body)
	}
	// The emulator signs the demo user in and redirects to /oauth.
	status, _, hdr := call("GET", built.RedirectURL)
	if status != http.StatusFound || !strings.HasPrefix(hdr.Get("Location"), info.PublicURL+"/oauth?") {
		t.Fatalf("authorize: %d → %q", status, hdr.Get("Location"))
	}
	if status, body, _ = call("GET", hdr.Get("Location")); status != 200 || !strings.Contains(body, "oauth_success_callback") {
		t.Fatalf("callback: %d %s", status, body)
	}
	if status, body = finishSignIn(t, r.base, info.ProjectID, tok, body); status != 200 {
		t.Fatalf("finish the sign-in: %d %s", status, body)
	}
	status, body, _ = call("GET", sdk+"/credentials?integration=onedrive")
	if status != 200 || !strings.Contains(body, `"VALID"`) || !strings.Contains(body, info.DemoUser) {
		t.Fatalf("credential after connecting: %d %s", status, body)
	}
	// The Graph proxy answers for the connected account: the seeded files,
	// and a file's bytes through the emulator's download redirect.
	status, body, _ = call("GET", sdk+"/proxy/onedrive/me/drive/root/children")
	if status != 200 || !strings.Contains(body, `"Documents"`) || !strings.Contains(body, `"Welcome.txt"`) {
		t.Fatalf("proxy list: %d %s", status, body)
	}
	status, body, _ = call("GET", sdk+"/proxy/onedrive/me/drive/root:/Welcome.txt:/content")
	if status != 200 || !strings.HasPrefix(body, "Hello from the emulated OneDrive") {
		t.Fatalf("proxy download: %d %q", status, body)
	}
	if status, _, _ = call("GET", sdk+"/proxy/onedrive/..%2F..%2Fadmin"); status < 400 {
		t.Fatalf("a hostile path was proxied: %d", status)
	}
	// After a disconnect, the proxy refuses at once (its cache is dropped).
	if status, body, _ = call("DELETE", sdk+"/integrations/onedrive"); status != http.StatusNoContent {
		t.Fatalf("disconnect: %d %s", status, body)
	}
	if status, body, _ = call("GET", sdk+"/proxy/onedrive/me/drive/root/children"); status < 400 {
		t.Fatalf("the proxy still answered after the disconnect: %d %s", status, body)
	}
	checkConnectAudited(t, r.base, info.APIKey, info.ProjectID)
	// The connection went out to the app as a signed webhook.
	deadline := time.After(30 * time.Second)
	for {
		select {
		case body := <-hooks:
			if strings.Contains(body, "credential.connected") {
				return
			}
		case <-deadline:
			t.Fatal("no credential.connected webhook within 30 s")
		}
	}
}

// TestDevActionsAPI runs an action through the Actions API of driveway dev
// for a connected account.
func TestDevActionsAPI(t *testing.T) {
	t.Parallel()
	r, info, dir := startDev(t)
	_, out, _ := run(t, nil, "token", "--sub", "u-actions", "--data-dir", dir)
	tok := strings.TrimSpace(out)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, u, body string) (int, string, http.Header) {
		req, _ := http.NewRequest(method, u, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	q := url.Values{"action": {"onedrive"}, "userToken": {tok}, "oauthMetaKeyId": {"s"}, "originForPostMessage": {info.PublicURL}}
	_, body, _ := do("GET", r.base+"/v2/projects/"+info.ProjectID+"/sdk/actions/build-oauth?"+q.Encode(), "")
	var built struct{ RedirectURL string }
	json.Unmarshal([]byte(body), &built)
	_, _, hdr := do("GET", built.RedirectURL, "")
	status, page, _ := do("GET", hdr.Get("Location"), "")
	if status != 200 {
		t.Fatalf("callback: %d %s", status, page)
	}
	if status, out := finishSignIn(t, r.base, info.ProjectID, tok, page); status != 200 {
		t.Fatalf("finish the sign-in: %d %s", status, out)
	}
	actions := r.base + "/projects/" + info.ProjectID + "/actions"
	status, body, _ = do("GET", actions+"?format=json_schema&integrations=onedrive", "")
	if status != 200 || !strings.Contains(body, "ONEDRIVE_SAVE_FILE") {
		t.Fatalf("list actions: %d %.300s", status, body)
	}
	status, body, _ = do("POST", actions, `{"action":"ONEDRIVE_CREATE_FOLDER","parameters":{"name":"From the Actions API"}}`)
	if status != 200 || !strings.Contains(body, "From the Actions API") {
		t.Fatalf("create folder: %d %s", status, body)
	}
	status, body, _ = do("POST", actions, `{"action":"ONEDRIVE_CREATE_FOLDER","parameters":{}}`)
	if status != 400 || !strings.Contains(body, "name") {
		t.Fatalf("missing parameter: %d %s", status, body)
	}
}

// checkConnectAudited: the connect and the disconnect are in the audit
// trail, by the end user, for the project.
func checkConnectAudited(t *testing.T, base, key, projectID string) {
	t.Helper()
	status, body := apiCall(t, base, key, "GET", "/api/v1/projects/"+projectID+"/audit-log?action=credential.", "")
	if status != 200 {
		t.Fatalf("audit export: %d %s", status, body)
	}
	for _, action := range []string{"credential.connect", "credential.disconnect"} {
		if !strings.Contains(body, `"action":"`+action+`"`) {
			t.Fatalf("no %s in the audit trail:\n%s", action, body)
		}
	}
	// The end user is the actor, by pseudonym: the trail never names them.
	if !regexp.MustCompile(`"actor":\{"type":"user","id":"u_[A-Za-z0-9_-]{22}"\}`).MatchString(body) || strings.Contains(body, "end-user-1") {
		t.Fatalf("the end user is not the actor of the connect or disconnect, by pseudonym:\n%s", body)
	}
}
