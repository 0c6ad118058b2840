package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// inboxChain is docs/workflows.md's File Change example, the seed's chain
// behind a guard: File Change → (a file created under /Inbox) → Get File
// by the event's item id → Save File into /Archive with a name built from
// templates.
func inboxChain(t *testing.T) string {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "workflows.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```json\n{\"id\": \"archive-inbox\"")
	block, _, _ := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("docs/workflows.md has no archive-inbox example")
	}
	return `{"id": "archive-inbox"` + block
}

// TestSeedChainRuns: what save accepts runs. The seed's chain (the docs'
// example), saved through the admin API of driveway dev, runs when the
// user adds a file through the emulated OneDrive, and its Save File step
// writes the file named from the Get File step's output.
func TestSeedChainRuns(t *testing.T) {
	t.Parallel()
	r, info, dir := startDev(t)
	d := newDevClient(t, r, info, dir, "u-seed")
	if s, body := d.admin("PUT", "/api/v1/projects/"+info.ProjectID+"/workflows/archive-inbox", inboxChain(t)); s != 201 {
		t.Fatalf("save the chain: %d %s", s, body)
	}
	credID := d.connect()
	status := "/projects/" + info.ProjectID + "/trigger-subscriptions/status/" + credID
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, st := d.user("GET", status, "")
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
	emu := strings.Replace(info.PublicURL, "127.0.0.1", "localhost", 1) + "/_ms/_emulator"
	resp, err := http.Post(emu+"/users/"+info.DemoUser+"/files", "application/json",
		strings.NewReader(`{"path":"/Inbox/report.txt","content":"hello"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("write a file as the user: %v %v", err, resp)
	}
	resp.Body.Close()
	run := waitRunSaved(t, d, info.ProjectID)
	saved, _ := run["output"].(map[string]any)
	if saved["name"] != "created-report.txt" || saved["parentPath"] != "/drive/root:/Archive" {
		t.Fatalf("the Save File step's output: %v", run)
	}
}

// waitRunSaved waits for a run of archive-inbox whose save step succeeded
// (Graph's notification may be retried a minute later on a loaded
// machine) and returns that step.
func waitRunSaved(t *testing.T, d *devClient, project string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(150 * time.Second)
	base := "/api/v1/projects/" + project + "/runs"
	for {
		_, body := d.admin("GET", base+"?workflowId=archive-inbox", "")
		var list struct{ Data []struct{ ID, Status string } }
		json.Unmarshal([]byte(body), &list)
		for _, r := range list.Data {
			_, detail := d.admin("GET", base+"/"+r.ID, "")
			var run struct {
				Steps []map[string]any
			}
			json.Unmarshal([]byte(detail), &run)
			for _, s := range run.Steps {
				if s["stepId"] == "save" && s["status"] == "succeeded" {
					return s
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no run saved the file within 150 s: %s", body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
