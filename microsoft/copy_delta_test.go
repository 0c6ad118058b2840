package microsoft_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
)

func TestCopy(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		for _, seeOther := range []bool{false, true} {
			name := mode + "/200"
			if seeOther {
				name = mode + "/303"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, mode, emulator.Options{CopyPolls: 2, CopySeeOther: seeOther}, microsoft.DriveOptions{})
				ctx := t.Context()
				src := f.write(t, "/src/a.txt", "copy me")
				dst := f.mkdir(t, "/dst")
				mon, err := f.c.Copy(ctx, microsoft.ByID(src.ID), microsoft.CopyTarget{ParentID: dst.ID, Name: "b.txt"}, "")
				if err != nil {
					t.Fatalf("copy: %v", err)
				}
				st, err := f.c.WaitCopy(ctx, mon)
				if err != nil || !st.Succeeded() || st.ResourceID == "" {
					t.Fatalf("wait copy = %+v, %v", st, err)
				}
				it, err := f.c.Get(ctx, microsoft.ByID(st.ResourceID), nil, "")
				if err != nil || it.Name != "b.txt" || it.ParentReference.ID != dst.ID {
					t.Fatalf("copied item = %+v, %v", it, err)
				}
				polls := 0
				for _, r := range f.tap.requests() {
					if strings.Contains(r.path, "/_preauth/monitor/") {
						polls++
						if r.auth {
							t.Fatal("the monitor poll carried Authorization")
						}
					}
				}
				if polls != 3 {
					t.Fatalf("%d monitor polls, want 3 (two inProgress, then done)", polls)
				}
				// A clash Graph sees at once is a 409.
				_, err = f.c.Copy(ctx, microsoft.ByID(src.ID), microsoft.CopyTarget{ParentID: dst.ID, Name: "b.txt"}, "")
				if !microsoft.IsConflict(err) {
					t.Fatalf("copy onto an existing name: %v, want a conflict", err)
				}
				if _, err := f.c.Copy(ctx, microsoft.ByID("nope"), microsoft.CopyTarget{ParentID: dst.ID}, ""); !microsoft.IsNotFound(err) {
					t.Fatalf("copy missing: %v, want not found", err)
				}
			})
		}
	}
}

func TestCopyFailsThroughTheMonitor(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.ModeBusiness, emulator.Options{CopyPolls: 1}, microsoft.DriveOptions{})
	ctx := t.Context()
	src := f.write(t, "/src/a.txt", "x")
	dst := f.mkdir(t, "/dst")
	mon, err := f.c.Copy(ctx, microsoft.ByID(src.ID), microsoft.CopyTarget{ParentID: dst.ID}, "")
	if err != nil {
		t.Fatal(err)
	}
	f.write(t, "/dst/a.txt", "arrived first") // the clash appears while the copy runs
	_, err = f.c.WaitCopy(ctx, mon)
	var cf *microsoft.CopyFailedError
	if !errors.As(err, &cf) || cf.ErrorCode == "" {
		t.Fatalf("wait copy: %v, want a CopyFailedError", err)
	}
}

func TestDelta(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, mode, emulator.Options{PageSize: 2}, microsoft.DriveOptions{})
			ctx := t.Context()
			for _, p := range []string{"/d/a.txt", "/d/b.txt", "/e/c.txt"} {
				f.write(t, p, p)
			}
			seen := map[string]bool{}
			pages := 0
			link, err := f.c.DeltaAll(ctx, microsoft.DriveRef{}, "", nil, func(items []microsoft.Item) error {
				pages++
				for _, it := range items {
					seen[it.Name] = true
				}
				return nil
			})
			if err != nil || link == "" {
				t.Fatalf("full delta: %q, %v", link, err)
			}
			for _, n := range []string{"a.txt", "b.txt", "c.txt", "d", "e"} {
				if !seen[n] {
					t.Fatalf("full delta did not list %s (saw %v)", n, seen)
				}
			}
			if pages < 2 {
				t.Fatalf("%d pages, want several with a page size of 2", pages)
			}
			gone := f.write(t, "/d/gone.txt", "g")
			if err := f.s.DeleteItem(f.user.ID, "/d/gone.txt"); err != nil {
				t.Fatal(err)
			}
			f.write(t, "/e/new.txt", "n")
			changed := map[string]*microsoft.Item{}
			link2, err := f.c.DeltaAll(ctx, microsoft.DriveRef{}, link, nil, func(items []microsoft.Item) error {
				for i := range items {
					changed[items[i].ID] = &items[i]
				}
				return nil
			})
			if err != nil || link2 == "" {
				t.Fatalf("delta from link: %v", err)
			}
			if it := changed[gone.ID]; it == nil || it.Deleted == nil {
				t.Fatalf("deleted file in delta = %+v, want the deleted facet", it)
			}
			newSeen := false
			for _, it := range changed {
				newSeen = newSeen || it.Name == "new.txt"
			}
			if !newSeen {
				t.Fatalf("delta from link missed new.txt: %+v", changed)
			}
			latest, err := f.c.DeltaLatest(ctx, microsoft.DriveRef{})
			if err != nil || latest == "" {
				t.Fatalf("delta latest: %q, %v", latest, err)
			}
			if err := f.s.InvalidateDeltaTokens(f.user.DriveID); err != nil {
				t.Fatal(err)
			}
			_, err = f.c.Delta(ctx, microsoft.DriveRef{}, link2, nil)
			if !microsoft.IsResyncRequired(err) {
				t.Fatalf("delta with an invalidated link: %v, want resync required", err)
			}
			if _, err := f.c.Delta(ctx, microsoft.DriveRef{}, "http://elsewhere.test/v1.0/me/drive/root/delta?token=x", nil); err == nil {
				t.Fatal("a delta link off the Graph base was followed")
			}
		})
	}
}
