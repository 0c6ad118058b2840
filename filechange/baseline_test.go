package filechange

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
)

// renewalDuringBaseline is the store with a hook: the first time a delta
// round reads the whole item index (the baseline, after its enumeration
// and before its commit), during runs once.
type renewalDuringBaseline struct {
	driveway.Store
	once   sync.Once
	during func()
}

func (s *renewalDuringBaseline) ListDriveItems(ctx context.Context, projectID, credentialID string) ([]*driveway.DriveItemEntry, error) {
	s.once.Do(s.during)
	return s.Store.ListDriveItems(ctx, projectID, credentialID)
}

// TestBaselineKeepsItsStartAcrossARenewal: a renewal that commits while the
// baseline runs changes the watch (its version) but not its delta link.
// The baseline then commits what it read instead of reading the drive
// again from a later token; before, the second read indexed a file written
// in between, and the file never became an event (the dev File Change
// test's lost webhook).
func TestBaselineKeepsItsStartAcrossARenewal(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		e := newEnv(t, db, Options{})
		ctx := t.Context()
		must(t, db.store.CreateDriveWatch(ctx, &driveway.DriveWatch{ProjectID: pid, CredentialID: cred, UserID: "u1",
			Status: driveway.WatchPending, NotifySeq: 1, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}))
		hooked := &renewalDuringBaseline{Store: db.store, during: func() {
			if _, err := e.emu.WriteFile(e.user.ID, "/during.txt", []byte("x")); err != nil {
				t.Error(err)
			}
			w := e.watch()
			w.SubscriptionID, w.Status = "sub-renewed", driveway.WatchActive // what a renewal commits
			if err := db.store.UpdateDriveWatch(ctx, w); err != nil {
				t.Error(err)
			}
		}}
		emu := strings.TrimSuffix(e.emu.GraphURL(), "/v1.0")
		svc, err := New(Options{Store: hooked, Queue: e.queue, Tokens: e.tokens, PublicURL: e.intake.URL, AllowHTTP: true,
			Resolver: microsoft.Resolver{Override: &microsoft.Endpoints{Login: emu, Graph: emu}}, Now: e.clock.Now, Logger: quiet(t)})
		must(t, err)
		if _, err := svc.Sync(ctx, pid, cred); err != nil {
			t.Fatalf("baseline: %v", err)
		}
		if _, err := svc.Sync(ctx, pid, cred); err != nil {
			t.Fatalf("round after the baseline: %v", err)
		}
		want := seen{"onedrive.file.created", "/during.txt"}
		if got := e.events(); !slices.Contains(got, want) {
			t.Fatalf("events after the baseline and one round: %v; want %v", got, want)
		}
	})
}
