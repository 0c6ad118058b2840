package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestDevFileChangeReachesTheApp connects the demo account in driveway dev,
// subscribes to File Change, and has the user add a file in the (emulated)
// OneDrive app: Graph notifies Driveway, Driveway reads delta, and the app
// receives a signed onedrive.file.created webhook.
func TestDevFileChangeReachesTheApp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := start(t, nil, "dev", "--addr", "127.0.0.1:0", "--data-dir", dir, "--emulator-auto-consent")
	info, err := readDevInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	hooks := make(chan string, 64)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		hooks <- string(b)
	}))
	defer receiver.Close()
	admin := func(method, path, body string) int {
		req, _ := http.NewRequest(method, r.base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+info.APIKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := admin("POST", "/api/v1/projects/"+info.ProjectID+"/webhook-endpoints", `{"url":"`+receiver.URL+`/hooks"}`); s != 201 {
		t.Fatalf("webhook endpoint: %d", s)
	}
	_, out, _ := run(t, nil, "token", "--sub", "u-files", "--data-dir", dir)
	tok := strings.TrimSpace(out)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, u, body string) (int, string, http.Header) {
		req, _ := http.NewRequest(method, u, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	if s, body, _ := do("POST", r.base+"/projects/"+info.ProjectID+"/trigger-subscriptions", `{"pathPrefix":"/Documents"}`); s != 201 {
		t.Fatalf("trigger subscription: %d %s", s, body)
	}
	q := url.Values{"action": {"onedrive"}, "userToken": {tok}, "oauthMetaKeyId": {"s"}, "originForPostMessage": {info.PublicURL}}
	_, body, _ := do("GET", r.base+"/v2/projects/"+info.ProjectID+"/sdk/actions/build-oauth?"+q.Encode(), "")
	var built struct{ RedirectURL string }
	json.Unmarshal([]byte(body), &built)
	_, _, hdr := do("GET", built.RedirectURL, "")
	if s, body, _ := do("GET", hdr.Get("Location"), ""); s != 200 {
		t.Fatalf("callback: %d %s", s, body)
	}
	// Wait until the watch has its baseline, then change a file as the user.
	emu := strings.Replace(info.PublicURL, "127.0.0.1", "localhost", 1) + "/_ms/_emulator"
	var credID string
	_, body, _ = do("GET", r.base+"/projects/"+info.ProjectID+"/sdk/credentials?integration=onedrive", "")
	var cred struct{ ID string }
	json.Unmarshal([]byte(body), &cred)
	credID = cred.ID
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, st, _ := do("GET", r.base+"/projects/"+info.ProjectID+"/trigger-subscriptions/status/"+credID, "")
		if strings.Contains(st, `"active"`) && strings.Contains(st, `"lastDeltaAt"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the watch did not become active with a baseline: %s", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Post(emu+"/users/"+info.DemoUser+"/files", "application/json",
		strings.NewReader(`{"path":"/Documents/Invoice 42.pdf","content":"%PDF-1.7"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("write a file as the user: %v %v", err, resp)
	}
	resp.Body.Close()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case b := <-hooks:
			if strings.Contains(b, "onedrive.file.created") && strings.Contains(b, "Invoice 42.pdf") {
				return
			}
		case <-timeout:
			t.Fatal("no onedrive.file.created webhook within 60 s")
		}
	}
}
