package gosdk_test

import (
	"fmt"
	"net/url"
	"testing"

	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/drives"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// deltaRound runs one delta round from first with the SDK's PageIterator and
// returns the last state of each item and the deltaLink.
func deltaRound(t *testing.T, e *env, first drives.ItemItemsItemDeltaGetResponseable) (map[string]models.DriveItemable, string) {
	t.Helper()
	it, err := msgraphcore.NewPageIterator[models.DriveItemable](first, e.adapter, drives.CreateItemItemsItemDeltaGetResponseFromDiscriminatorValue)
	if err != nil {
		t.Fatalf("page iterator: %v", err)
	}
	items := map[string]models.DriveItemable{}
	err = it.Iterate(e.ctx, func(item models.DriveItemable) bool {
		items[deref(item.GetId())] = item
		return true
	})
	if err != nil {
		t.Fatalf("iterate delta: %v", describe(err))
	}
	link := it.GetOdataDeltaLink()
	if link == nil {
		t.Fatal("delta round ended without an @odata.deltaLink")
	}
	return items, *link
}

func (e *env) deltaFrom(rawURL string) drives.ItemItemsItemDeltaGetResponseable {
	e.t.Helper()
	res, err := e.item(e.rootID).Delta().WithUrl(rawURL).GetAsDeltaGetResponse(e.ctx, nil)
	if err != nil {
		e.t.Fatalf("delta %s: %v", rawURL, describe(err))
	}
	return res
}

func TestDelta(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	created := map[string]string{}
	var fileIDs []string
	for d := range 3 {
		dir := e.mustMkdir(e.rootID, fmt.Sprintf("d%d", d))
		created[*dir.GetId()] = *dir.GetName()
		for i := range 10 {
			f := e.mustPut(*dir.GetId(), fmt.Sprintf("file%d.txt", i), fmt.Sprint(d, i))
			created[*f.GetId()] = *f.GetName()
			fileIDs = append(fileIDs, *f.GetId())
		}
	}

	top := int32(7)
	first, err := e.item(e.rootID).Delta().GetAsDeltaGetResponse(e.ctx, &drives.ItemItemsItemDeltaRequestBuilderGetRequestConfiguration{
		QueryParameters: &drives.ItemItemsItemDeltaRequestBuilderGetQueryParameters{Top: &top}})
	if err != nil {
		t.Fatalf("delta: %v", describe(err))
	}
	if first.GetOdataNextLink() == nil || len(first.GetValue()) > 7 {
		t.Fatalf("first page: %d items, nextLink %v; want at most 7 and a nextLink", len(first.GetValue()), first.GetOdataNextLink() != nil)
	}
	items, link := deltaRound(t, e, first)
	for id, name := range created {
		if got := items[id]; got == nil || deref(got.GetName()) != name {
			t.Fatalf("full delta misses %s (%s)", name, id)
		}
	}
	for _, it := range items {
		if ref := it.GetParentReference(); ref != nil && ref.GetPath() != nil {
			t.Fatalf("delta item %s carries parentReference.path %q", deref(it.GetName()), *ref.GetPath())
		}
	}
	if u, err := url.Parse(link); err != nil || u.Query().Get("token") == "" {
		t.Fatalf("deltaLink %q has no token= query parameter", link)
	}

	// Changes since the deltaLink.
	fresh := e.mustPut(e.rootID, "new.txt", "new")
	patch := models.NewDriveItem()
	patch.SetName(ptr("renamed.txt"))
	if _, err := e.item(fileIDs[1]).Patch(e.ctx, patch, nil); err != nil {
		t.Fatalf("rename: %v", describe(err))
	}
	if err := e.item(fileIDs[2]).Delete(e.ctx, nil); err != nil {
		t.Fatalf("delete: %v", describe(err))
	}
	changes, next := deltaRound(t, e, e.deltaFrom(link))
	if got := changes[*fresh.GetId()]; got == nil || deref(got.GetName()) != "new.txt" {
		t.Fatal("incremental delta misses the new file")
	}
	if got := changes[fileIDs[1]]; got == nil || deref(got.GetName()) != "renamed.txt" {
		t.Fatal("incremental delta misses the rename")
	}
	if got := changes[fileIDs[2]]; got == nil || got.GetDeleted() == nil {
		t.Fatal("incremental delta misses the deleted facet")
	}
	if _, ok := changes[fileIDs[5]]; ok {
		t.Fatal("incremental delta reports an unchanged file")
	}
	again, _ := deltaRound(t, e, e.deltaFrom(next))
	for _, it := range again {
		if it.GetFolder() == nil && it.GetRoot() == nil {
			t.Fatalf("a delta with no changes reports file %s", deref(it.GetName()))
		}
	}
}

func TestDeltaLatest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	e.mustPut(e.rootID, "before.txt", "x")
	latest := e.deltaFrom(e.emu.GraphURL() + "/drives/" + e.driveID + "/root/delta?token=latest")
	if len(latest.GetValue()) != 0 || latest.GetOdataDeltaLink() == nil {
		t.Fatalf("token=latest: %d items, deltaLink %v; want none and a deltaLink", len(latest.GetValue()), latest.GetOdataDeltaLink() != nil)
	}
	later := e.mustPut(e.rootID, "later.txt", "y")
	items, _ := deltaRound(t, e, e.deltaFrom(*latest.GetOdataDeltaLink()))
	if items[*later.GetId()] == nil {
		t.Fatal("the latest deltaLink misses a later file")
	}
}
