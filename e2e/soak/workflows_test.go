package soak

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// archiveWorkflow copies each file created under /soak into the user's
// /archive folder, named after the item id: a copy that runs twice (a
// step repeated after a kill) meets the first copy's name and fails
// instead of making a second copy.
const archiveWorkflow = `{"id": "archive", "name": "Archive new files", "trigger": {"type": "file_change"},
 "steps": [{"id": "check", "type": "conditional",
   "input": {"condition": "{{ trigger.type == 'created' && trigger.item.path startsWith '/soak/' }}"},
   "then": [
     {"id": "dest", "type": "onedrive_action", "input": {"action": "ONEDRIVE_GET_ITEM_BY_PATH", "input": {"path": "/archive"}}},
     {"id": "copy", "type": "onedrive_action", "input": {"action": "ONEDRIVE_COPY_ITEM",
       "input": {"itemId": "{{ trigger.item.id }}", "destinationFolderId": "{{ steps.dest.output.id }}", "newName": "{{ trigger.item.id }}.txt"}}}]}]}`

// pingWorkflow is the Request-triggered workflow the workload calls
// through the SDK route: it reads the user's /soak folder and answers.
const pingWorkflow = `{"id": "ping", "name": "Ping", "trigger": {"type": "request"},
 "steps": [
   {"id": "soak", "type": "onedrive_action", "input": {"action": "ONEDRIVE_GET_ITEM_BY_PATH", "input": {"path": "/soak"}}},
   {"id": "reply", "type": "response", "input": {"status": 200, "body": {"id": "{{ steps.soak.output.id }}"}}}]}`

// saveWorkflows saves both workflows through the admin API.
func (w *world) saveWorkflows() {
	for id, def := range map[string]string{"archive": archiveWorkflow, "ping": pingWorkflow} {
		var v any
		w.must(json.Unmarshal([]byte(def), &v))
		w.must(w.call("PUT", w.public+"/api/v1/projects/"+w.projectID+"/workflows/"+id, w.apiKey, v, nil))
	}
}

// requestTally counts the answers of the Request-triggered workflow.
type requestTally struct {
	mu       sync.Mutex
	byStatus map[int]int
}

// callPing runs the Request-triggered workflow for u.
func (w *world) callPing(u *user, t *requestTally) {
	req, _ := http.NewRequest("POST", w.public+"/projects/"+w.projectID+"/sdk/triggers/ping", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer "+u.Token)
	req.Header.Set("Content-Type", "application/json")
	status := 0
	if resp, err := w.http.Do(req); err == nil {
		resp.Body.Close()
		status = resp.StatusCode
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.byStatus[status]++
}

// run is one workflow run as the task history lists it.
type run struct {
	ID         string `json:"id"`
	WorkflowID string `json:"workflowId"`
	Status     string `json:"status"`
	Error      string `json:"error"`
}

// runs lists every run of the project through the task history.
func (w *world) runs() ([]run, error) {
	var all []run
	cursor := ""
	for {
		q := url.Values{"limit": {"200"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Data       []json.RawMessage `json:"data"`
			NextCursor string            `json:"nextCursor"`
		}
		if err := w.call("GET", w.public+"/api/v1/projects/"+w.projectID+"/runs?"+q.Encode(), w.apiKey, nil, &page); err != nil {
			return all, err
		}
		for _, raw := range page.Data {
			var r run
			if err := json.Unmarshal(raw, &r); err != nil {
				return all, err
			}
			all = append(all, r)
		}
		if page.NextCursor == "" {
			return all, nil
		}
		cursor = page.NextCursor
	}
}

// archived lists the names in u's /archive folder, through Graph with a
// token the emulator mints.
func (w *world) archived(u *user) (map[string]int, error) {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err := w.control("POST", "/tokens", map[string]any{"User": u.EmuID, "ClientID": w.clientID, "Scopes": []string{"Files.Read"}}, &tok)
	if err != nil {
		return nil, err
	}
	names := map[string]int{}
	next := w.emuBase + "/v1.0/me/drive/root:/archive:/children?$top=200"
	for next != "" {
		var page struct {
			Value []struct{ Name string }
			Next  string `json:"@odata.nextLink"`
		}
		if err := w.call("GET", next, tok.AccessToken, nil, &page); err != nil {
			return names, err
		}
		for _, it := range page.Value {
			names[it.Name]++
		}
		next = page.Next
	}
	return names, nil
}

// checkWorkflows: every run finished (succeeded, or failed with a recorded
// error); the archive holds at most one copy of each file created under
// /soak, and exactly one when its run succeeded.
func (w *world) checkWorkflows(v *verdict, changes []change) string {
	runs, err := w.finishedRuns(3 * time.Minute)
	if err != nil {
		v.Other = append(v.Other, "task history: "+err.Error())
		return ""
	}
	n := map[string]int{}
	for _, r := range runs {
		n[r.WorkflowID+" "+r.Status]++
		switch {
		case r.Status == "queued" || r.Status == "running":
			v.Other = append(v.Other, fmt.Sprintf("run %s (%s) still %s after the drain", r.ID, r.WorkflowID, r.Status))
		case r.Status == "failed" && r.Error == "":
			v.Other = append(v.Other, fmt.Sprintf("run %s (%s) failed without a recorded reason", r.ID, r.WorkflowID))
		}
	}
	copies, missing := 0, 0
	lastOf := map[string]change{}
	for _, c := range changes {
		lastOf[c.ItemID] = c
	}
	for _, u := range w.users {
		names, err := w.archived(u)
		if err != nil {
			v.Other = append(v.Other, fmt.Sprintf("archive of %s: %v", u.Sub, err))
			continue
		}
		for id, c := range lastOf {
			if c.User == u.Sub && c.Type != "deleted" && names[id+".txt"] == 0 {
				missing++ // a file that still exists has no copy: its run must have failed
			}
		}
		for name, c := range names {
			copies += c
			if c > 1 || !strings.HasSuffix(name, ".txt") || strings.Contains(name, " ") {
				v.Other = append(v.Other, fmt.Sprintf("archive of %s: %q %d times (a second copy)", u.Sub, name, c))
			}
		}
	}
	if failed := n["archive failed"]; missing > failed {
		v.Other = append(v.Other, fmt.Sprintf("%d existing files have no archive copy, but only %d archive runs failed", missing, failed))
	}
	return fmt.Sprintf("workflow runs %d: %v; archive copies %d; existing files without a copy %d", len(runs), n, copies, missing)
}

// finishedRuns lists the runs once none is queued or running, or at the
// deadline.
func (w *world) finishedRuns(within time.Duration) ([]run, error) {
	deadline := time.Now().Add(within)
	for {
		runs, err := w.runs()
		if err != nil {
			return nil, err
		}
		busy := slices.ContainsFunc(runs, func(r run) bool { return r.Status == "queued" || r.Status == "running" })
		if !busy || time.Now().After(deadline) {
			return runs, nil
		}
		time.Sleep(5 * time.Second) // poll interval
	}
}
