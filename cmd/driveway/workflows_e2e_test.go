package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDevRunsTheGuideWorkflow applies the first example of
// docs/workflows.md (Create Folder → Save File → List Files → Response) to
// driveway dev with `workflows apply`, connects a user to the emulator and
// calls the Request trigger: the answer is the listing.
func TestDevRunsTheGuideWorkflow(t *testing.T) {
	t.Parallel()
	r, info, dir := startDev(t)
	applyGuideWorkflow(t, info, dir)

	_, tokOut, _ := run(t, nil, "token", "--sub", "u-guide", "--data-dir", dir)
	tok := strings.TrimSpace(tokOut)
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
	if err := json.Unmarshal([]byte(body), &built); err != nil {
		t.Fatalf("build-oauth: %s", body)
	}
	_, _, hdr := do("GET", built.RedirectURL, "")
	status, page, _ := do("GET", hdr.Get("Location"), "")
	if status != 200 {
		t.Fatalf("callback: %d %s", status, page)
	}
	if status, out := finishSignIn(t, r.base, info.ProjectID, tok, page); status != 200 {
		t.Fatalf("finish the sign-in: %d %s", status, out)
	}

	status, body, hdr = do("POST", r.base+"/projects/"+info.ProjectID+"/sdk/triggers/save-report",
		`{"folder": "Reports", "file": "q1.txt", "content": "hello"}`)
	if status != 200 || hdr.Get("X-Driveway-Run-Id") == "" {
		t.Fatalf("trigger: %d %s", status, body)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("trigger answer is not JSON: %s", body)
	}
	if diff := cmp.Diff(map[string]any{"saved": "q1.txt", "files": []any{"q1.txt"}}, got); diff != "" {
		t.Fatalf("the Response step's output (-want +got):\n%s", diff)
	}
}

// applyGuideWorkflow applies the first example of docs/workflows.md (its
// Request trigger is save-report) to the dev project with `workflows apply`.
func applyGuideWorkflow(t *testing.T, info *devInfo, dir string) {
	t.Helper()
	keys, err := devSecretKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "workflows.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(doc), "```json\n")
	example, _, _ := strings.Cut(rest, "```")
	wfDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(wfDir, "guide.json"), []byte(example), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DRIVEWAY_DATA_DIR": dir, "DRIVEWAY_SECRET_KEYS": keys}
	var out, errb syncBuffer
	m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
	if err := m.workflowsCmd(t.Context(), []string{"apply", "--project", info.ProjectID, wfDir}); err != nil {
		t.Fatalf("apply: %v\n%s%s", err, out.String(), errb.String())
	}
}
