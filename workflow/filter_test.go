package workflow

import (
	"errors"
	"testing"

	"github.com/drivewayhq/driveway"
)

// TestFileChangeFilterSave: a file_change trigger takes filters; what it
// cannot honour (driveId, siteId) or cannot read is refused at save with
// the field named, and a filter on another trigger type is refused.
func TestFileChangeFilterSave(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		n := startNode(t, db, newSteps(), jobs0(), Config{})
		project(t, db.store, "prj_1", "u1")
		def := func(trigger string) []byte {
			return []byte(`{"id": "f", "name": "F", "trigger": ` + trigger + `, "steps": [{"id": "s", "type": "echo"}]}`)
		}
		for trigger, field := range map[string]string{
			`{"type": "file_change", "filter": {"driveId": "b!library"}}`:                     "trigger.filter.driveId",
			`{"type": "file_change", "filter": {"siteId": "contoso.sharepoint.com,1,2"}}`:     "trigger.filter.siteId",
			`{"type": "file_change", "filter": {"fileTypes": ["p/df"]}}`:                      "trigger.filter.fileTypes",
			`{"type": "file_change", "filter": {"changeTypes": ["touched"]}}`:                 "trigger.filter.changeTypes",
			`{"type": "file_change", "filter": {"pathPrefix": "Docs"}}`:                       "trigger.filter.pathPrefix",
			`{"type": "file_change", "filter": {"itemType": "folder", "fileTypes": ["pdf"]}}`: "trigger.filter.fileTypes",
			`{"type": "request", "filter": {"pathPrefix": "/Docs"}}`:                          "trigger.filter",
		} {
			_, err := n.engine.SaveWorkflow(t.Context(), "prj_1", def(trigger))
			var de *driveway.Error
			if driveway.ErrorCode(err) != driveway.EINVALID || !errors.As(err, &de) || de.Field != field {
				t.Fatalf("save %s: %v, want EINVALID on %s", trigger, err, field)
			}
		}
		if _, err := n.engine.SaveWorkflow(t.Context(), "prj_1", def(`{"type": "file_change", "filter": {"folder": "/x"}}`)); driveway.ErrorCode(err) != driveway.EINVALID {
			t.Fatalf("an unknown filter field: %v, want EINVALID", err)
		}
	})
}

// TestFileChangeFilterRuns: only the workflows whose filter passes a
// change start for it.
func TestFileChangeFilterRuns(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		n := startNode(t, db, newSteps(), jobs0(), Config{})
		project(t, db.store, "prj_1", "u1")
		for id, filter := range map[string]string{
			"all":      ``,
			"invoices": `, "filter": {"pathPrefix": "/Invoices", "fileTypes": [".PDF"], "changeTypes": ["created", "updated"]}`,
			"folders":  `, "filter": {"itemType": "folder"}`,
			"moved":    `, "filter": {"changeTypes": ["moved"], "pathPrefix": "/Invoices"}`,
		} {
			save(t, n.engine, "prj_1", `{"id": "`+id+`", "name": "N", "trigger": {"type": "file_change"`+filter+`},
				"steps": [{"id": "s", "type": "echo"}]}`)
		}
		for _, tc := range []struct {
			change map[string]any
			want   int // runs started
		}{
			{map[string]any{"type": "created", "item": map[string]any{"name": "a.pdf", "path": "/Invoices/2026/a.pdf"}}, 2},
			{map[string]any{"type": "created", "item": map[string]any{"name": "a.txt", "path": "/Invoices/a.txt"}}, 1},
			{map[string]any{"type": "deleted", "item": map[string]any{"name": "a.pdf", "path": "/invoices/a.pdf"}}, 1},
			{map[string]any{"type": "created", "item": map[string]any{"name": "Invoices", "path": "/Invoices", "folder": true}}, 2},
			{map[string]any{"type": "moved", "item": map[string]any{"name": "a.pdf", "path": "/Archive/a.pdf"},
				"previous": map[string]any{"path": "/Invoices/a.pdf"}}, 2},
		} {
			ids, err := n.engine.FileChange(t.Context(), FileChangeEvent{ProjectID: "prj_1", UserID: "u1", CredentialID: "cred_1", Change: tc.change})
			if err != nil || len(ids) != tc.want {
				t.Fatalf("FileChange(%v) started %d runs (%v), want %d", tc.change, len(ids), err, tc.want)
			}
		}
	})
}
