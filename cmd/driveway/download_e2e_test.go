package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestDevDownloadLeavesNoFileBytes: in driveway dev, a workflow runs the
// real ONEDRIVE_DOWNLOAD_FILE on a file of the connected (emulated) drive
// and saves a copy from the downloaded content with ONEDRIVE_SAVE_FILE.
// The copy arrives whole, and afterwards no table of the database holds
// the file's bytes in any form looked for.
func TestDevDownloadLeavesNoFileBytes(t *testing.T) {
	t.Parallel()
	r, info, dir := startDev(t)
	d := newDevClient(t, r, info, dir, "u-download")
	pid := info.ProjectID
	d.connect()
	content := make([]byte, 6000)
	_, _ = rand.Read(content)
	b64 := base64.StdEncoding.EncodeToString(content)
	emu := strings.Replace(info.PublicURL, "127.0.0.1", "localhost", 1) + "/_ms/_emulator"
	body, _ := json.Marshal(map[string]string{"path": "/private.bin", "contentBase64": b64})
	resp, err := http.Post(emu+"/users/"+info.DemoUser+"/files", "application/json", strings.NewReader(string(body)))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("write the file as the user: %v %v", err, resp)
	}
	resp.Body.Close()
	def := `{"name": "Copy", "trigger": {"type": "request"}, "steps": [
		{"id": "dl", "type": "onedrive_action", "input": {"action": "ONEDRIVE_DOWNLOAD_FILE", "input": {"path": "/private.bin"}}},
		{"id": "put", "type": "onedrive_action", "input": {"action": "ONEDRIVE_SAVE_FILE",
			"input": {"path": "/copy.bin", "contentBase64": "{{ steps.dl.output.contentBase64 }}"}}},
		{"id": "reply", "type": "response", "input": {"body": {"size": "{{ steps.put.output.size }}"}}}]}`
	if s, out := d.admin("PUT", "/api/v1/projects/"+pid+"/workflows/copy", def); s != 200 && s != 201 {
		t.Fatalf("save the workflow: %d %s", s, out)
	}
	if s, out := d.user("POST", "/projects/"+pid+"/sdk/triggers/copy", `{}`); s != 200 || !strings.Contains(out, "6000") {
		t.Fatalf("run the workflow: %d %s", s, out)
	}
	s, runs := d.admin("GET", "/api/v1/projects/"+pid+"/runs", "")
	if s != 200 || !strings.Contains(runs, `"succeeded"`) {
		t.Fatalf("runs: %d %s", s, runs)
	}
	hexForm := hex.EncodeToString(content)
	forms := map[string]string{"raw": string(content[100:164]), "base64": b64, "base64 run": b64[3000:3040],
		"base64url run": base64.RawURLEncoding.EncodeToString(content)[3000:3040], "hex run": hexForm[5000:5080]}
	for name, form := range forms {
		if left := tablesNaming(t, dir, form); len(left) > 0 {
			t.Errorf("the file's bytes (%s) are at rest in %.300v", name, left)
		}
	}
}
