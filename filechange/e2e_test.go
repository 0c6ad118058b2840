package filechange

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// step is one thing the user does in OneDrive and the events it must cause.
type step struct {
	name string
	do   func(e *env) error
	want []seen
}

func TestEndToEndLifecycle(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		e := newEnv(t, db, Options{})
		u := e.user.ID
		if _, err := e.emu.WriteFile(u, "/before.txt", []byte("old")); err != nil {
			t.Fatal(err)
		}
		e.watchReady()
		if got := e.events(); len(got) != 0 {
			t.Fatalf("baseline recorded events: %v", got)
		}
		steps := []step{
			{"make folder", func(e *env) error { _, err := e.emu.MakeFolder(u, "/A"); return err },
				[]seen{{"onedrive.folder.created", "/A"}}},
			{"make nested folder", func(e *env) error { _, err := e.emu.MakeFolder(u, "/A/B"); return err },
				[]seen{{"onedrive.folder.created", "/A/B"}}},
			{"create file", func(e *env) error { _, err := e.emu.WriteFile(u, "/A/B/f.txt", []byte("one")); return err },
				[]seen{{"onedrive.file.created", "/A/B/f.txt"}}},
			{"edit file", func(e *env) error { _, err := e.emu.WriteFile(u, "/A/B/f.txt", []byte("two")); return err },
				[]seen{{"onedrive.file.updated", "/A/B/f.txt"}}},
			{"rename file", func(e *env) error { _, err := e.emu.RenameItem(u, "/A/B/f.txt", "g.txt"); return err },
				[]seen{{"onedrive.file.renamed", "/A/B/g.txt"}}},
			{"move file", func(e *env) error { _, err := e.emu.MoveItem(u, "/A/B/g.txt", "/A"); return err },
				[]seen{{"onedrive.file.moved", "/A/g.txt"}}},
			{"rename folder", func(e *env) error { _, err := e.emu.RenameItem(u, "/A/B", "B2"); return err },
				[]seen{{"onedrive.folder.renamed", "/A/B2"}}},
			{"move folder", func(e *env) error { _, err := e.emu.MoveItem(u, "/A/B2", "/"); return err },
				[]seen{{"onedrive.folder.moved", "/B2"}}},
			{"file in moved folder", func(e *env) error { _, err := e.emu.WriteFile(u, "/B2/x.txt", []byte("x")); return err },
				[]seen{{"onedrive.file.created", "/B2/x.txt"}}},
			{"delete file", func(e *env) error { return e.emu.DeleteItem(u, "/A/g.txt") },
				[]seen{{"onedrive.file.deleted", "/A/g.txt"}}},
			{"delete folder with a file", func(e *env) error { return e.emu.DeleteItem(u, "/B2") },
				[]seen{{"onedrive.folder.deleted", "/B2"}, {"onedrive.file.deleted", "/B2/x.txt"}}},
		}
		var want []seen
		for _, s := range steps {
			if err := s.do(e); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			before := len(want)
			want = append(want, s.want...)
			got := e.waitEvents(len(want))
			// One step's events are distinct items; only their order per
			// item is defined, so a step's own events compare as a set.
			sortSeen(want[before:])
			sortSeen(got[before:])
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("after %s: events (-want +got):\n%s", s.name, d)
			}
		}
		settled := e.settle()
		sortSeen(settled[len(settled)-2:])
		if d := cmp.Diff(want, settled); d != "" {
			t.Fatalf("a further delta round changed the events (-want +got):\n%s", d)
		}
		waitFor(t, "hook calls", 20*time.Second, func() bool { return e.hook.count() >= len(want) })
		if got := e.hook.distinct(); got != len(want) {
			t.Fatalf("hook heard %d distinct changes, want %d", got, len(want))
		}
	})
}

func sortSeen(s []seen) {
	slices.SortFunc(s, func(a, b seen) int { return strings.Compare(a.Kind+a.Path, b.Kind+b.Path) })
}
