package gosdk_test

import (
	"encoding/json"
	"testing"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"
	"github.com/microsoftgraph/msgraph-sdk-go/drives"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/drivewayhq/driveway/microsoft/emulator"
)

func (e *env) mkdir(parentID, name, behavior string) (models.DriveItemable, error) {
	f := models.NewDriveItem()
	f.SetName(ptr(name))
	f.SetFolder(models.NewFolder())
	if behavior != "" {
		f.SetAdditionalData(map[string]any{"@microsoft.graph.conflictBehavior": behavior})
	}
	return e.item(parentID).Children().Post(e.ctx, f, nil)
}

func (e *env) mustMkdir(parentID, name string) models.DriveItemable {
	e.t.Helper()
	f, err := e.mkdir(parentID, name, "fail")
	if err != nil {
		e.t.Fatalf("create folder %s: %v", name, describe(err))
	}
	return f
}

func (e *env) mustPut(parentID, name, text string) models.DriveItemable {
	e.t.Helper()
	f, err := e.content(parentID, name).Put(e.ctx, []byte(text), nil)
	if err != nil {
		e.t.Fatalf("put %s: %v", name, describe(err))
	}
	return f
}

func TestCreateFolderConflictBehaviors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	docs, err := e.mkdir(e.rootID, "Docs", "fail")
	if err != nil {
		t.Fatalf("create: %v", describe(err))
	}
	if deref(docs.GetFolder().GetChildCount()) != 0 || deref(docs.GetParentReference().GetId()) != e.rootID {
		t.Fatalf("new folder: childCount %d parent %s", deref(docs.GetFolder().GetChildCount()), deref(docs.GetParentReference().GetId()))
	}
	_, err = e.mkdir(e.rootID, "docs", "fail")
	if status, code := graphError(t, err); status != 409 || code != "nameAlreadyExists" {
		t.Fatalf("fail on an existing name (other case): %d %s, want 409 nameAlreadyExists", status, code)
	}
	renamed, err := e.mkdir(e.rootID, "Docs", "rename")
	if err != nil {
		t.Fatalf("rename: %v", describe(err))
	}
	if got := deref(renamed.GetName()); got != "Docs 1" {
		t.Fatalf("rename gave %q, want %q", got, "Docs 1")
	}
	replaced, err := e.mkdir(e.rootID, "Docs", "replace")
	if err != nil {
		t.Fatalf("replace: %v", describe(err))
	}
	if deref(replaced.GetName()) != "Docs" || replaced.GetFolder() == nil {
		t.Fatalf("replace gave %q folder=%v", deref(replaced.GetName()), replaced.GetFolder() != nil)
	}
}

func TestRenameMoveDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	a := e.mustMkdir(e.rootID, "a")
	b := e.mustMkdir(e.rootID, "b")
	file := e.mustPut(*a.GetId(), "note.txt", "note")

	patch := models.NewDriveItem()
	patch.SetName(ptr("renamed.txt"))
	renamed, err := e.item(*file.GetId()).Patch(e.ctx, patch, nil)
	if err != nil {
		t.Fatalf("rename: %v", describe(err))
	}
	if *renamed.GetId() != *file.GetId() || deref(renamed.GetName()) != "renamed.txt" {
		t.Fatalf("rename gave id %s name %s", deref(renamed.GetId()), deref(renamed.GetName()))
	}
	if deref(renamed.GetETag()) == deref(file.GetETag()) || deref(renamed.GetCTag()) != deref(file.GetCTag()) {
		t.Fatal("rename must change the eTag and keep the cTag")
	}

	move := models.NewDriveItem()
	ref := models.NewItemReference()
	ref.SetId(b.GetId())
	move.SetParentReference(ref)
	moved, err := e.item(*file.GetId()).Patch(e.ctx, move, nil)
	if err != nil {
		t.Fatalf("move: %v", describe(err))
	}
	if deref(moved.GetParentReference().GetId()) != *b.GetId() {
		t.Fatalf("moved under %s, want %s", deref(moved.GetParentReference().GetId()), *b.GetId())
	}

	// Path addressing in the SDK's "{id}:/{path}:" form, case-insensitive.
	byPath, err := e.byPath(*b.GetId(), "RENAMED.txt").Get(e.ctx, nil)
	if err != nil {
		t.Fatalf("get by path: %v", describe(err))
	}
	if *byPath.GetId() != *file.GetId() {
		t.Fatalf("path lookup found %s, want %s", *byPath.GetId(), *file.GetId())
	}

	stale := models.NewDriveItem()
	stale.SetName(ptr("x.txt"))
	h := abstractions.NewRequestHeaders()
	h.Add("If-Match", deref(file.GetETag()))
	_, err = e.item(*file.GetId()).Patch(e.ctx, stale, &drives.ItemItemsDriveItemItemRequestBuilderPatchRequestConfiguration{Headers: h})
	if status, _ := graphError(t, err); status != 412 {
		t.Fatalf("If-Match with an old eTag: %d, want 412", status)
	}

	if err := e.item(*file.GetId()).Delete(e.ctx, nil); err != nil {
		t.Fatalf("delete: %v", describe(err))
	}
	_, err = e.item(*file.GetId()).Get(e.ctx, nil)
	if status, code := graphError(t, err); status != 404 || code != "itemNotFound" {
		t.Fatalf("get after delete: %d %s, want 404 itemNotFound", status, code)
	}
}

// monitorStatus is the body of a copy monitor.
type monitorStatus struct {
	Status             string  `json:"status"`
	ResourceID         string  `json:"resourceId"`
	PercentageComplete float64 `json:"percentageComplete"`
}

func TestCopyWithMonitor(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	src := e.mustPut(e.rootID, "copy-src.txt", "copy me")
	dest := e.mustMkdir(e.rootID, "copies")

	body := drives.NewItemItemsItemCopyPostRequestBody()
	ref := models.NewItemReference()
	ref.SetDriveId(ptr(e.driveID))
	ref.SetId(dest.GetId())
	body.SetParentReference(ref)
	body.SetName(ptr("copied.txt"))
	inspect := khttp.NewHeadersInspectionOptions()
	inspect.InspectResponseHeaders = true
	h := abstractions.NewRequestHeaders()
	h.Add("Prefer", "respond-async")
	_, err := e.item(*src.GetId()).Copy().Post(e.ctx, body, &drives.ItemItemsItemCopyRequestBuilderPostRequestConfiguration{
		Headers: h, Options: []abstractions.RequestOption{inspect}})
	if err != nil {
		t.Fatalf("copy: %v", describe(err))
	}
	loc := inspect.GetResponseHeaders().Get("Location")
	if len(loc) != 1 {
		t.Fatalf("copy answered Location %v, want one monitor URL", loc)
	}

	// Poll the monitor through the SDK's own pipeline; it is not a Graph
	// host, so no token is attached.
	var st monitorStatus
	polls := 0
	eventually(t, "the copy to complete", func() bool {
		polls++
		req := abstractions.NewRequestInformation()
		req.Method = abstractions.GET
		req.UrlTemplate = loc[0]
		raw, err := e.adapter.SendPrimitive(e.ctx, req, "[]byte", errorMappings)
		if err != nil {
			t.Fatalf("poll monitor: %v", describe(err))
		}
		if err := json.Unmarshal(raw.([]byte), &st); err != nil {
			t.Fatalf("monitor body %q: %v", raw, err)
		}
		if st.Status == "failed" {
			t.Fatalf("copy failed: %+v", st)
		}
		return st.Status == "completed"
	})
	if polls < 2 || st.ResourceID == "" {
		t.Fatalf("completed after %d polls with resourceId %q; want progress first and a resourceId", polls, st.ResourceID)
	}
	cp, err := e.item(st.ResourceID).Get(e.ctx, nil)
	if err != nil {
		t.Fatalf("get copy: %v", describe(err))
	}
	if deref(cp.GetName()) != "copied.txt" || deref(cp.GetParentReference().GetId()) != *dest.GetId() {
		t.Fatalf("copy is %s under %s", deref(cp.GetName()), deref(cp.GetParentReference().GetId()))
	}
	if deref(cp.GetFile().GetHashes().GetQuickXorHash()) != deref(src.GetFile().GetHashes().GetQuickXorHash()) {
		t.Fatal("copy has other content than its source")
	}
}

func TestSearch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	dir := e.mustMkdir(e.rootID, "search")
	e.mustPut(*dir.GetId(), "needle report.txt", "a")
	e.mustPut(*dir.GetId(), "hay.txt", "b")
	var names []string
	eventually(t, "search to find the file", func() bool {
		res, err := e.item(e.rootID).SearchWithQ(ptr("needle")).GetAsSearchWithQGetResponse(e.ctx, nil)
		if err != nil {
			t.Fatalf("search: %v", describe(err))
		}
		names = names[:0]
		for _, it := range res.GetValue() {
			names = append(names, deref(it.GetName()))
		}
		return len(names) > 0
	})
	if len(names) != 1 || names[0] != "needle report.txt" {
		t.Fatalf("search found %q, want [needle report.txt]", names)
	}
}
