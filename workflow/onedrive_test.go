package workflow

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// emulatorActions is a small ActionRunner for tests: three OneDrive
// actions on the emulator's Graph through microsoft's DriveClient, for one
// emulator user whatever the principal. The actions catalogue replaces it.
type emulatorActions struct {
	client *microsoft.DriveClient
}

func newEmulatorActions(t *testing.T) (*emulatorActions, *emulator.Server) {
	t.Helper()
	srv := emulator.StartTest(t, emulator.Options{})
	demo, err := srv.SeedDemo("http://127.0.0.1/callback")
	if err != nil {
		t.Fatalf("SeedDemo: %v", err)
	}
	user := demo.Work.UPN
	client, err := microsoft.NewDriveClient(microsoft.DriveOptions{BaseURL: srv.BaseURL + "/v1.0",
		Token: func(ctx context.Context) (string, error) {
			return srv.IssueAccessToken(user, emulator.DemoClientID, "Files.ReadWrite.All")
		}})
	if err != nil {
		t.Fatalf("NewDriveClient: %v", err)
	}
	return &emulatorActions{client: client}, srv
}

func (a *emulatorActions) Run(ctx context.Context, p *driveway.Principal, credentialID, action string, in map[string]any) (any, error) {
	switch action {
	case "onedrive.createFolder":
		it, _, err := a.client.CreateFolder(ctx, microsoft.ByPath(str(in["parent"])), str(in["name"]), "replace")
		if err != nil {
			return nil, err
		}
		return map[string]any{"id": it.ID, "name": it.Name}, nil
	case "onedrive.downloadFile":
		return a.download(ctx, str(in["path"]))
	case "onedrive.saveFile":
		content := []byte(str(in["content"]))
		if b64, ok := in["contentBase64"].(string); ok {
			var err error
			if content, err = base64.StdEncoding.DecodeString(b64); err != nil {
				return nil, driveway.Invalid("contentBase64", "not base64")
			}
		}
		it, err := a.client.Upload(ctx, microsoft.ByPath(str(in["path"])), bytes.NewReader(content), int64(len(content)), nil)
		if err != nil {
			return nil, err
		}
		return map[string]any{"id": it.ID, "name": it.Name, "size": it.Size}, nil
	case "onedrive.listFiles":
		page, err := a.client.ListChildren(ctx, microsoft.ByPath(str(in["path"])), nil)
		if err != nil {
			return nil, err
		}
		var names []any
		for _, it := range page.Items {
			names = append(names, map[string]any{"id": it.ID, "name": it.Name})
		}
		return map[string]any{"value": names}, nil
	case "onedrive.failQuoting":
		// An action whose error quotes its input, as a Graph error quoting a
		// name or the executor's "there is no action called %q" do.
		return nil, driveway.Invalid("input", "cannot use %q", str(in["value"]))
	case RequestAction:
		return nil, driveway.Errorf(driveway.EUNAVAILABLE, "not in this test runner")
	}
	return nil, driveway.Invalid("action", "unknown action %q", action)
}

// TestOneDriveWorkflow: the issue's check against the emulator: Create
// Folder → Save File (content from the request) → List Files → Fan Out
// over the files → Response returns the listing.
func TestOneDriveWorkflow(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		actions, emu := newEmulatorActions(t)
		st := newSteps()
		n := startNodeWith(t, db, st, actions)
		project(t, db.store, "prj_1", "u1")
		save(t, n.engine, "prj_1", `{"id": "report", "name": "Report", "trigger": {"type": "request"}, "steps": [
			{"id": "folder", "type": "onedrive_action", "input": {"action": "onedrive.createFolder",
				"input": {"parent": "/", "name": "{{ trigger.body.folder }}"}}},
			{"id": "save", "type": "onedrive_action", "input": {"action": "onedrive.saveFile",
				"input": {"path": "/{{ steps.folder.output.name }}/{{ trigger.body.file }}", "content": "{{ trigger.body.content }}"}}},
			{"id": "extra", "type": "onedrive_action", "input": {"action": "onedrive.saveFile",
				"input": {"path": "/{{ steps.folder.output.name }}/notes.txt", "content": "n"}}},
			{"id": "list", "type": "onedrive_action", "input": {"action": "onedrive.listFiles",
				"input": {"path": "/{{ steps.folder.output.name }}"}}},
			{"id": "each", "type": "fan_out", "input": {"items": "{{ steps.list.output.value }}"},
				"steps": [{"id": "seen", "type": "record", "input": {"name": "{{ item.name }}"}}]},
			{"id": "reply", "type": "response", "input": {"body": {"files": "{{ map(steps.list.output.value, .name) }}",
				"saved": "{{ steps.save.output.size }}"}}}]}`)
		srv := server(t, n.engine)
		status, got := call(t, "POST", srv.URL+"/projects/prj_1/sdk/triggers/report", "u1",
			map[string]any{"folder": "Reports", "file": "q1.txt", "content": "hello world"})
		want := map[string]any{"files": []any{"notes.txt", "q1.txt"}, "saved": 11.0}
		if status != 200 {
			t.Fatalf("status %d, body %v", status, got)
		}
		if diff := cmp.Diff(want, sortFiles(got)); diff != "" {
			t.Fatalf("response (-want +got):\n%s", diff)
		}
		st.mu.Lock()
		items := sorted(st.items)
		st.mu.Unlock()
		if diff := cmp.Diff([]string{"notes.txt", "q1.txt"}, items); diff != "" {
			t.Fatalf("fan out ran for (-want +got):\n%s", diff)
		}
		b, err := emu.ReadFile("adele@contoso.onmicrosoft.com", "/Reports/q1.txt")
		if err != nil || string(b) != "hello world" {
			t.Fatalf("file in the drive: %q, %v", b, err)
		}
	})
}

func sortFiles(m map[string]any) map[string]any {
	if files, ok := m["files"].([]any); ok {
		s := make([]string, len(files))
		for i, f := range files {
			s[i] = fmt.Sprint(f)
		}
		out := make([]any, len(s))
		for i, f := range sorted(s) {
			out[i] = f
		}
		m["files"] = out
	}
	return m
}

// download returns what ONEDRIVE_DOWNLOAD_FILE returns for a small file:
// the item's metadata and its bytes as base64.
func (a *emulatorActions) download(ctx context.Context, path string) (any, error) {
	it, err := a.client.Get(ctx, microsoft.ByPath(path), nil, "")
	if err != nil {
		return nil, err
	}
	d, err := a.client.Download(ctx, microsoft.ByPath(path), nil)
	if err != nil {
		return nil, err
	}
	defer d.Body.Close()
	b, err := io.ReadAll(d.Body)
	if err != nil {
		return nil, err
	}
	return map[string]any{"file": map[string]any{"id": it.ID, "name": it.Name, "size": it.Size},
		"contentBase64": base64.StdEncoding.EncodeToString(b)}, nil
}
