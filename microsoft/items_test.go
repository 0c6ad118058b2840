package microsoft_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
)

func TestGetByIDAndPath(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, mode, emulator.Options{}, microsoft.DriveOptions{})
			name := "a b'+&=;,@!$ é.txt"
			if mode == emulator.ModePersonal {
				name = "50% #1 a b'+&.txt" // '#' and '%' are allowed on personal drives only
			}
			info := f.write(t, "/Docs/Sub/"+name, "hello")
			folder := f.mkdir(t, "/Docs")
			ctx := t.Context()
			byPath, err := f.c.Get(ctx, microsoft.ByPath("/Docs/Sub/"+name), nil, "")
			if err != nil {
				t.Fatalf("get by path: %v", err)
			}
			if byPath.ID != info.ID || byPath.Name != name || byPath.Size != 5 || byPath.File == nil {
				t.Fatalf("by path = %+v, want id %s name %q", byPath, info.ID, name)
			}
			byID, err := f.c.Get(ctx, microsoft.ByID(info.ID), &microsoft.Query{Select: []string{"id", "name"}}, "")
			if err != nil {
				t.Fatalf("get by id: %v", err)
			}
			if byID.ID != info.ID || byID.Name != name || byID.Size != 0 {
				t.Fatalf("by id with $select = %+v", byID)
			}
			rel, err := f.c.Get(ctx, microsoft.ItemRef{ID: folder.ID, Path: "sub/" + name}, nil, "")
			if err != nil || rel.ID != info.ID {
				t.Fatalf("get by id + relative path = %+v, %v", rel, err)
			}
			if _, err := f.c.Get(ctx, microsoft.ByID(info.ID), nil, byPath.ETag); !errors.Is(err, microsoft.ErrNotModified) {
				t.Fatalf("If-None-Match with the current eTag: %v, want ErrNotModified", err)
			}
			root, err := f.c.Get(ctx, microsoft.ItemRef{}, nil, "")
			if err != nil || root.Root == nil || !root.IsFolder() {
				t.Fatalf("root = %+v, %v", root, err)
			}
			_, err = f.c.Get(ctx, microsoft.ByPath("/Docs/missing.txt"), nil, "")
			if !microsoft.IsNotFound(err) {
				t.Fatalf("missing path: %v, want not found", err)
			}
			if _, err := f.c.Get(ctx, microsoft.ByPath("/Docs/../x"), nil, ""); err == nil {
				t.Fatal("a dot-dot path was accepted")
			}
		})
	}
}

func TestListChildrenPaging(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, mode, emulator.Options{PageSize: 3}, microsoft.DriveOptions{})
			var want []string
			for _, n := range []string{"a", "b", "c", "d", "e", "f", "g"} {
				f.write(t, "/Many/"+n+".txt", n)
				want = append(want, n+".txt")
			}
			ctx := t.Context()
			var got []string
			for it, err := range f.c.Children(ctx, microsoft.ByPath("/Many"), nil) {
				if err != nil {
					t.Fatalf("children: %v", err)
				}
				got = append(got, it.Name)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("children = %v, want %v", got, want)
			}
			pg, err := f.c.ListChildren(ctx, microsoft.ByPath("/Many"), &microsoft.Query{Top: 2, Select: []string{"id", "name"}, OrderBy: "name"})
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			if len(pg.Items) != 2 || pg.NextLink == "" || pg.Items[0].Name != "a.txt" {
				t.Fatalf("first page = %d items, next %q, first %+v", len(pg.Items), pg.NextLink, pg.Items)
			}
			next, err := f.c.NextPage(ctx, pg.NextLink)
			if err != nil || len(next.Items) != 2 || next.Items[0].Name != "c.txt" {
				t.Fatalf("second page = %+v, %v", next, err)
			}
			if _, err := f.c.NextPage(ctx, "http://attacker.test/v1.0/me/drive/root/children"); err == nil {
				t.Fatal("a next link off the Graph base was followed")
			}
			_, err = f.c.ListChildren(ctx, microsoft.ByPath("/Nope"), nil)
			if !microsoft.IsNotFound(err) {
				t.Fatalf("children of a missing folder: %v, want not found", err)
			}
		})
	}
}

func TestSearch(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, mode, emulator.Options{}, microsoft.DriveOptions{})
			info := f.write(t, "/Reports/o'neil report.txt", "x")
			f.write(t, "/Reports/other.txt", "y")
			pg, err := f.c.Search(t.Context(), microsoft.ItemRef{}, "o'neil", nil)
			if err != nil {
				t.Fatalf("search: %v", err)
			}
			if len(pg.Items) != 1 || pg.Items[0].ID != info.ID {
				t.Fatalf("search found %+v, want only %s", pg.Items, info.ID)
			}
			pg, err = f.c.Search(t.Context(), microsoft.ByPath("/Reports"), "nothing-matches", nil)
			if err != nil || len(pg.Items) != 0 {
				t.Fatalf("empty search = %+v, %v", pg, err)
			}
		})
	}
}

func TestCreateFolderConflicts(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, mode, emulator.Options{CreateFolderQuirk: true}, microsoft.DriveOptions{})
			ctx := t.Context()
			parent := microsoft.ItemRef{}
			first, existed, err := f.c.CreateFolder(ctx, parent, "Projects", microsoft.ConflictFail)
			if err != nil || existed || first.Folder == nil || first.Name != "Projects" {
				t.Fatalf("create = %+v, existed %v, %v", first, existed, err)
			}
			_, _, err = f.c.CreateFolder(ctx, parent, "Projects", microsoft.ConflictFail)
			if !microsoft.IsConflict(err) {
				t.Fatalf("fail on an existing name: %v, want a conflict", err)
			}
			renamed, existed, err := f.c.CreateFolder(ctx, parent, "Projects", microsoft.ConflictRename)
			if err != nil || existed || renamed.Name != "Projects 1" {
				t.Fatalf("rename = %+v, existed %v, %v", renamed, existed, err)
			}
			replaced, existed, err := f.c.CreateFolder(ctx, parent, "Projects", microsoft.ConflictReplace)
			if err != nil || existed || replaced.ID == first.ID {
				t.Fatalf("replace = %+v, existed %v, %v (old id %s)", replaced, existed, err, first.ID)
			}
			// No behaviour: personal (with the quirk) answers 200 with the
			// existing folder, business 409.
			again, existed, err := f.c.CreateFolder(ctx, parent, "Projects", "")
			if mode == emulator.ModePersonal {
				if err != nil || !existed || again.ID != replaced.ID {
					t.Fatalf("quirk = %+v, existed %v, %v, want the existing folder %s", again, existed, err, replaced.ID)
				}
			} else if !microsoft.IsConflict(err) {
				t.Fatalf("business without behaviour: %v, want a conflict", err)
			}
			f.write(t, "/file-not-folder", "x")
			if _, _, err := f.c.CreateFolder(ctx, parent, "file-not-folder", ""); err == nil {
				t.Fatal("a file with the folder's name was accepted as the folder")
			}
			if _, _, err := f.c.CreateFolder(ctx, microsoft.ByPath("/missing"), "x", ""); !microsoft.IsNotFound(err) {
				t.Fatalf("missing parent: %v, want not found", err)
			}
			if _, _, err := f.c.CreateFolder(ctx, parent, "x", "overwrite"); err == nil {
				t.Fatal("an unknown conflict behaviour was accepted")
			}
		})
	}
}

func TestRenameMoveDelete(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, mode, emulator.Options{}, microsoft.DriveOptions{})
			ctx := t.Context()
			file := f.write(t, "/A/report.txt", "r")
			dest := f.mkdir(t, "/B")
			f.write(t, "/B/taken.txt", "t")
			it, err := f.c.Rename(ctx, microsoft.ByID(file.ID), "renamed.txt")
			if err != nil || it.Name != "renamed.txt" || it.ID != file.ID {
				t.Fatalf("rename = %+v, %v", it, err)
			}
			_, err = f.c.Update(ctx, microsoft.ByID(file.ID), microsoft.ItemUpdate{Name: "x.txt", IfMatch: file.ETag})
			if !microsoft.IsPreconditionFailed(err) {
				t.Fatalf("stale If-Match: %v, want 412", err)
			}
			moved, err := f.c.Move(ctx, microsoft.ByID(file.ID), dest.ID, "")
			if err != nil || moved.ParentReference == nil || moved.ParentReference.ID != dest.ID {
				t.Fatalf("move = %+v, %v", moved, err)
			}
			if _, err := f.c.Get(ctx, microsoft.ByPath("/B/renamed.txt"), nil, ""); err != nil {
				t.Fatalf("moved file not at its new path: %v", err)
			}
			_, err = f.c.Rename(ctx, microsoft.ByID(file.ID), "taken.txt")
			if !microsoft.IsConflict(err) {
				t.Fatalf("rename onto an existing name: %v, want a conflict", err)
			}
			if _, err := f.c.Rename(ctx, microsoft.ByID("no-such-id"), "x"); !microsoft.IsNotFound(err) {
				t.Fatalf("rename missing: %v, want not found", err)
			}
			if err := f.c.Delete(ctx, microsoft.ByID(file.ID), "\"stale\""); !microsoft.IsPreconditionFailed(err) {
				t.Fatalf("delete with a stale If-Match: %v, want 412", err)
			}
			if err := f.c.Delete(ctx, microsoft.ByID(file.ID), ""); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if _, err := f.c.Get(ctx, microsoft.ByID(file.ID), nil, ""); !microsoft.IsNotFound(err) {
				t.Fatalf("get after delete: %v, want not found", err)
			}
			if err := f.c.Delete(ctx, microsoft.ByID(file.ID), ""); !microsoft.IsNotFound(err) {
				t.Fatalf("second delete: %v, want not found", err)
			}
			other := f.write(t, "/B/gone.txt", "g")
			err = f.c.PermanentDelete(ctx, microsoft.ByID(other.ID))
			if mode == emulator.ModeBusiness && err != nil {
				t.Fatalf("permanent delete: %v", err)
			}
			if ge := microsoft.AsGraphError(err); mode == emulator.ModePersonal && (ge == nil || ge.Status != 400) {
				t.Fatalf("permanent delete on personal: %v, want 400 notSupported", err)
			}
		})
	}
}

func TestDrivesAndSharePointAddressing(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, mode, emulator.Options{}, microsoft.DriveOptions{})
			ctx := t.Context()
			me, err := f.c.GetDrive(ctx, microsoft.DriveRef{})
			if err != nil || me.DriveType != mode || me.Quota == nil || me.Quota.Total == 0 {
				t.Fatalf("me/drive = %+v, %v", me, err)
			}
			drives, err := f.c.ListDrives(ctx, microsoft.DriveRef{})
			if err != nil || len(drives) != 1 || drives[0].ID != f.user.DriveID {
				t.Fatalf("me/drives = %+v, %v", drives, err)
			}
			// A document library is addressed by drive id, or by the site
			// that holds it (the emulator lets a site id name the drive).
			for _, d := range []microsoft.DriveRef{{DriveID: f.user.DriveID}, {SiteID: f.user.DriveID}} {
				info := f.write(t, "/Shared/lib.txt", "lib")
				it, err := f.c.Get(ctx, d.Path("/Shared/lib.txt"), nil, "")
				if err != nil || it.ID != info.ID {
					t.Fatalf("%+v get = %+v, %v", d, it, err)
				}
				folder, _, err := f.c.CreateFolder(ctx, d.Path("/Shared"), "made", microsoft.ConflictRename)
				if err != nil {
					t.Fatalf("%+v create folder: %v", d, err)
				}
				if err := f.c.Delete(ctx, d.Item(folder.ID), ""); err != nil {
					t.Fatalf("%+v delete: %v", d, err)
				}
				if _, err := f.c.Get(ctx, d.Item("missing"), nil, ""); !microsoft.IsNotFound(err) {
					t.Fatalf("%+v missing: %v", d, err)
				}
			}
			if _, err := f.c.GetDrive(ctx, microsoft.DriveRef{DriveID: "b!nope"}); !microsoft.IsNotFound(err) {
				t.Fatalf("unknown drive: %v, want not found", err)
			}
			if _, err := f.c.Get(ctx, microsoft.ItemRef{Drive: microsoft.DriveRef{DriveID: "a", SiteID: "b"}}, nil, ""); err == nil {
				t.Fatal("a drive ref with two ids was accepted")
			}
		})
	}
}
