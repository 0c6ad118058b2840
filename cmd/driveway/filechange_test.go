package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
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
	r, info, dir := startDev(t)
	hooks := make(chan string, 64)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		hooks <- string(b)
	}))
	defer receiver.Close()
	d := newDevClient(t, r, info, dir, "u-files")
	if s, _ := d.admin("POST", "/api/v1/projects/"+info.ProjectID+"/webhook-endpoints", `{"url":"`+receiver.URL+`/hooks"}`); s != 201 {
		t.Fatalf("webhook endpoint: %d", s)
	}
	if s, body := d.user("POST", "/projects/"+info.ProjectID+"/trigger-subscriptions", `{"pathPrefix":"/Documents"}`); s != 201 {
		t.Fatalf("trigger subscription: %d %s", s, body)
	}
	credID := d.connect()
	// Wait until the watch has its subscription and its baseline (a
	// lastDeltaAt), then change a file as the user. (This used to look for
	// the key "lastDeltaAt", which the status always had, with year 1 until
	// the baseline: the file could be written during the baseline.)
	emu := strings.Replace(info.PublicURL, "127.0.0.1", "localhost", 1) + "/_ms/_emulator"
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, st := d.user("GET", "/projects/"+info.ProjectID+"/trigger-subscriptions/status/"+credID, "")
		var w struct {
			Status      string
			LastDeltaAt *time.Time
		}
		if json.Unmarshal([]byte(st), &w) == nil && w.Status == "active" && w.LastDeltaAt != nil {
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
	// Graph (and the emulator) waits 3 s for the intake's answer and retries
	// a minute later: on a loaded machine (the race run) the first
	// notification may miss, so the wait covers one retry.
	timeout := time.After(150 * time.Second)
	for {
		select {
		case b := <-hooks:
			if strings.Contains(b, "onedrive.file.created") && strings.Contains(b, "Invoice 42.pdf") {
				return
			}
		case <-timeout:
			// What the next reader needs to tell a lost notification from a
			// lost delta round or a lost delivery.
			_, st := d.user("GET", "/projects/"+info.ProjectID+"/trigger-subscriptions/status/"+credID, "")
			_, deliveries := d.admin("GET", "/api/v1/projects/"+info.ProjectID+"/webhook-deliveries", "")
			_, counters := get(t, emu+"/counters")
			t.Fatalf("no onedrive.file.created webhook within 150 s\nwatch: %s\ndeliveries: %.2000s\nemulator: %.3000s\njobs:\n%s\nserver log:\n%s",
				st, deliveries, counters, jobTable(t, dir), r.stderr.String())
		}
	}
}

// TestFileChangeWorkflowWatchesConnectedDrives: a File Change workflow
// saved after a user connected watches the user's drive (no reconnect);
// the user disabling it, or the workflow's deletion, stops the watch.
func TestFileChangeWorkflowWatchesConnectedDrives(t *testing.T) {
	t.Parallel()
	r, info, dir := startDev(t)
	d := newDevClient(t, r, info, dir, "u-late")
	credID := d.connect()
	status := "/projects/" + info.ProjectID + "/trigger-subscriptions/status/" + credID
	waitStatus := func(what string, want int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			s, body := d.user("GET", status, "")
			if s == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: watch status %d %s, want %d", what, s, body, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if s, body := d.user("GET", status, ""); s != 404 {
		t.Fatalf("watch status with nothing consuming changes: %d %s, want 404", s, body)
	}

	wf := "/api/v1/projects/" + info.ProjectID + "/workflows/on-change"
	def := `{"name": "On change", "trigger": {"type": "file_change"},
		"steps": [{"id": "wait", "type": "delay", "input": {"duration": "1s"}}]}`
	if s, body := d.admin("PUT", wf, def); s != 200 && s != 201 {
		t.Fatalf("save the File Change workflow: %d %s", s, body)
	}
	waitStatus("after the workflow was saved", 200)
	userWF := "/projects/" + info.ProjectID + "/sdk/workflows/on-change"
	if s, body := d.user("DELETE", userWF, ""); s != 200 {
		t.Fatalf("disable for the user: %d %s", s, body)
	}
	waitStatus("after the user disabled it", 404)
	if s, body := d.user("POST", userWF, ""); s != 200 {
		t.Fatalf("enable for the user: %d %s", s, body)
	}
	waitStatus("after the user enabled it again", 200)
	if s, body := d.admin("DELETE", wf, ""); s != 204 {
		t.Fatalf("delete the workflow: %d %s", s, body)
	}
	waitStatus("after the workflow was deleted", 404)
}

// startDev runs driveway dev (the emulator consenting on its own) in a new
// data directory, and returns it with the dev info it wrote.
func startDev(t *testing.T) (*running, *devInfo, string) {
	t.Helper()
	dir := t.TempDir()
	r := start(t, nil, "dev", "--addr", "127.0.0.1:0", "--data-dir", dir, "--emulator-auto-consent")
	info, err := readDevInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r, info, dir
}

// devClient calls a driveway dev server as its admin (the dev API key) and
// as one user (a user token).
type devClient struct {
	t      *testing.T
	r      *running
	info   *devInfo
	tok    string
	client *http.Client
}

func newDevClient(t *testing.T, r *running, info *devInfo, dataDir, sub string) *devClient {
	_, out, _ := run(t, nil, "token", "--sub", sub, "--data-dir", dataDir)
	return &devClient{t: t, r: r, info: info, tok: strings.TrimSpace(out),
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (d *devClient) do(method, u, auth, body string) (int, string, http.Header) {
	d.t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+auth)
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.client.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func (d *devClient) admin(method, path, body string) (int, string) {
	s, b, _ := d.do(method, d.r.base+path, d.info.APIKey, body)
	return s, b
}

func (d *devClient) user(method, path, body string) (int, string) {
	s, b, _ := d.do(method, d.r.base+path, d.tok, body)
	return s, b
}

// connect connects the demo account for the user through the SDK's install
// flow (the emulator consents on its own) and returns the credential id.
func (d *devClient) connect() string {
	d.t.Helper()
	q := url.Values{"action": {"onedrive"}, "userToken": {d.tok}, "oauthMetaKeyId": {"s"}, "originForPostMessage": {d.info.PublicURL}}
	_, body, _ := d.do("GET", d.r.base+"/v2/projects/"+d.info.ProjectID+"/sdk/actions/build-oauth?"+q.Encode(), d.tok, "")
	var built struct{ RedirectURL string }
	json.Unmarshal([]byte(body), &built)
	_, _, hdr := d.do("GET", built.RedirectURL, d.tok, "")
	s, page, _ := d.do("GET", hdr.Get("Location"), d.tok, "")
	if s != 200 {
		d.t.Fatalf("callback: %d %s", s, page)
	}
	if s, out := finishSignIn(d.t, d.r.base, d.info.ProjectID, d.tok, page); s != 200 {
		d.t.Fatalf("finish the sign-in: %d %s", s, out)
	}
	_, body = d.user("GET", "/projects/"+d.info.ProjectID+"/sdk/credentials?integration=onedrive", "")
	var cred struct{ ID string }
	json.Unmarshal([]byte(body), &cred)
	if cred.ID == "" {
		d.t.Fatalf("no credential after connecting: %s", body)
	}
	return cred.ID
}

// jobTable lists the File Change and webhook jobs of a dev data directory
// (kind, state, attempts, errors), for a failure message.
func jobTable(t *testing.T, dir string) string {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "driveway.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return err.Error()
	}
	defer db.Close()
	rows, err := db.QueryContext(t.Context(), `SELECT id, kind, state, attempt, max_attempts, scheduled_at, COALESCE(errors, '')
		FROM river_job WHERE kind LIKE 'filechange.%' OR kind LIKE 'webhook.%' ORDER BY id`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, attempt, maxAttempts int64
		var kind, state, at, errs string
		if err := rows.Scan(&id, &kind, &state, &attempt, &maxAttempts, &at, &errs); err != nil {
			return b.String() + err.Error()
		}
		fmt.Fprintf(&b, "%d %s %s attempt %d/%d at %s %.500s\n", id, kind, state, attempt, maxAttempts, at, errs)
	}
	return b.String()
}
