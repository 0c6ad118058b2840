package filechange

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
)

// mapIndex is an index store in memory that counts the entries it hands
// out.
type mapIndex struct {
	m    map[string]*driveway.DriveItemEntry
	read int
}

func (x *mapIndex) ListDriveItems(context.Context, string, string) ([]*driveway.DriveItemEntry, error) {
	var out []*driveway.DriveItemEntry
	for _, e := range x.m {
		out = append(out, e)
	}
	x.read += len(out)
	return out, nil
}

func (x *mapIndex) GetDriveItems(_ context.Context, _, _ string, ids []string) ([]*driveway.DriveItemEntry, error) {
	var out []*driveway.DriveItemEntry
	for _, id := range ids {
		if e := x.m[id]; e != nil {
			out = append(out, e)
		}
	}
	x.read += len(out)
	return out, nil
}

func (x *mapIndex) ListDriveItemChildren(_ context.Context, _, _ string, parents []string) ([]*driveway.DriveItemEntry, error) {
	var out []*driveway.DriveItemEntry
	for _, e := range x.m {
		if slices.Contains(parents, e.ParentID) {
			out = append(out, e)
		}
	}
	x.read += len(out)
	return out, nil
}

// TestPartialIndexDiffsLikeTheWholeIndex: on random drives and random
// delta pages (creates, edits, renames, moves, deletes of files and of
// folders with or without their contents listed, items listed twice), the
// diff over the entries readIndex reads equals the diff over the whole
// index, and reads far fewer entries of a large drive.
func TestPartialIndexDiffsLikeTheWholeIndex(t *testing.T) {
	t.Parallel()
	w := &driveway.DriveWatch{ProjectID: "p", CredentialID: "c", UserID: "u"}
	var readPartial, readWhole int
	for round := range 2000 {
		rng := rand.New(rand.NewPCG(uint64(round), 11))
		index, folders := randomDrive(w, rng, 20+rng.IntN(300))
		items := randomDelta(index, folders, rng, 1+rng.IntN(12))
		want := diff(w, index, items, false)
		store := &mapIndex{m: index}
		partial, err := readIndex(t.Context(), store, w, items, false)
		if err != nil {
			t.Fatal(err)
		}
		got := diff(w, partial, items, false)
		if d := cmp.Diff(want, got, cmp.AllowUnexported(diffResult{})); d != "" {
			t.Fatalf("round %d: diff over the partial index differs (-whole +partial):\n%s", round, d)
		}
		readPartial += store.read
		readWhole += len(index)
	}
	if readPartial*4 > readWhole {
		t.Fatalf("the partial index read %d entries over the rounds, the whole index %d: want under a quarter", readPartial, readWhole)
	}
	t.Logf("entries read: %d partial, %d whole", readPartial, readWhole)
}

// randomDrive returns an index of n items under a root, and its folders.
func randomDrive(w *driveway.DriveWatch, rng *rand.Rand, n int) (map[string]*driveway.DriveItemEntry, []string) {
	index := map[string]*driveway.DriveItemEntry{"root": {ProjectID: w.ProjectID, CredentialID: w.CredentialID,
		ItemID: "root", Folder: true, Root: true, ETag: "r0"}}
	folders := []string{"root"}
	for i := range n {
		id := fmt.Sprintf("i%03d", i)
		folder := rng.IntN(4) == 0
		index[id] = &driveway.DriveItemEntry{ProjectID: w.ProjectID, CredentialID: w.CredentialID, ItemID: id,
			ParentID: folders[rng.IntN(len(folders))], Name: "n" + id, Folder: folder, ETag: "e0", CTag: "c0"}
		if folder {
			folders = append(folders, id)
		}
	}
	return index, folders
}

// randomDelta returns k delta items against index.
func randomDelta(index map[string]*driveway.DriveItemEntry, folders []string, rng *rand.Rand, k int) []microsoft.Item {
	ids := make([]string, 0, len(index))
	for id := range index {
		if id != "root" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	state := func(e *driveway.DriveItemEntry) microsoft.Item {
		it := microsoft.Item{ID: e.ItemID, Name: e.Name, ETag: e.ETag, CTag: e.CTag,
			ParentReference: &microsoft.ItemReference{ID: e.ParentID}}
		if e.Folder {
			it.Folder = &microsoft.FolderFacet{}
		} else {
			it.File = &microsoft.FileFacet{}
		}
		return it
	}
	var items []microsoft.Item
	for j := range k {
		e := index[ids[rng.IntN(len(ids))]]
		it := state(e)
		switch rng.IntN(7) {
		case 0: // created
			it = microsoft.Item{ID: fmt.Sprintf("new%d", j), Name: "created", ETag: "n", File: &microsoft.FileFacet{},
				ParentReference: &microsoft.ItemReference{ID: folders[rng.IntN(len(folders))]}}
		case 1: // edited
			it.ETag, it.CTag = "e1", "c1"
		case 2: // renamed
			it.Name, it.ETag = it.Name+"-renamed", "e2"
		case 3: // moved (maybe under itself: a page of delta may be odd)
			it.ParentReference = &microsoft.ItemReference{ID: folders[rng.IntN(len(folders))]}
			it.ETag = "e3"
		case 4, 5: // deleted, maybe with some of its children listed too
			it.Deleted = &microsoft.DeletedFacet{}
			for _, c := range ids {
				if index[c].ParentID == e.ItemID && rng.IntN(2) == 0 {
					del := state(index[c])
					del.Deleted = &microsoft.DeletedFacet{}
					items = append(items, del)
				}
			}
		default: // listed again, unchanged
		}
		items = append(items, it)
	}
	return items
}
