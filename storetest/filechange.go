package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
)

// RunFileChange runs the File Change part of the suite (drive watches, the
// drive item index, trigger subscriptions) against stores made by newStore.
func RunFileChange(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b *bundle)
	}{
		{"DriveWatches", testDriveWatches},
		{"DriveItems", testDriveItems},
		{"TriggerSubscriptions", testTriggerSubscriptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, setup(t, newStore))
		})
	}
}

func newWatch(t *testing.T, q driveway.Queries, projectID, credentialID, sub string) *driveway.DriveWatch {
	t.Helper()
	w := &driveway.DriveWatch{ProjectID: projectID, CredentialID: credentialID, UserID: "u1", SubscriptionID: sub,
		ClientState: "state-" + credentialID, Status: driveway.WatchActive, ExpiresAt: at(40 * time.Hour),
		RenewAt: at(30 * time.Hour), DeltaLink: "https://graph/delta?token=" + credentialID,
		CreatedAt: at(time.Second)}
	ok(t, "CreateDriveWatch", q.CreateDriveWatch(context.Background(), w))
	return w
}

func testDriveWatches(t *testing.T, b *bundle) {
	ctx := context.Background()
	s := b.s
	newProject(t, s, "p1")
	newProject(t, s, "p2")
	newUser(t, s, "p1", "u1")
	newUser(t, s, "p2", "u1")
	newCredential(t, s, "p1", "u1", "c1", "a")
	newCredential(t, s, "p1", "u1", "c2", "b")
	newCredential(t, s, "p2", "u1", "c1", "c")
	code(t, "watch of a missing credential", s.CreateDriveWatch(ctx, &driveway.DriveWatch{ProjectID: "p1",
		CredentialID: "nope", Status: driveway.WatchPending}), driveway.ENOTFOUND)
	w := newWatch(t, s, "p1", "c1", "sub-1")
	code(t, "second watch", s.CreateDriveWatch(ctx, &driveway.DriveWatch{ProjectID: "p1", CredentialID: "c1"}), driveway.ECONFLICT)
	newWatch(t, s, "p1", "c2", "")
	newWatch(t, s, "p2", "c1", "sub-3")
	got, err := s.GetDriveWatch(ctx, "p1", "c1")
	ok(t, "GetDriveWatch", err)
	eq(t, "watch", got, w)
	found, err := s.FindDriveWatch(ctx, "sub-3")
	ok(t, "FindDriveWatch", err)
	eq(t, "found project", found.ProjectID, "p2")
	_, err = s.FindDriveWatch(ctx, "")
	code(t, "find empty id", err, driveway.ENOTFOUND)
	_, err = s.GetDriveWatch(ctx, "p2", "c2")
	code(t, "other project", err, driveway.ENOTFOUND)

	all, err := s.ListDriveWatches(ctx, "")
	ok(t, "ListDriveWatches all", err)
	eq(t, "all watches", len(all), 3)
	p1, err := s.ListDriveWatches(ctx, "p1")
	ok(t, "ListDriveWatches p1", err)
	eq(t, "p1 watches", len(p1), 2)
	due, err := s.ListDriveWatchesToRenew(ctx, at(31*time.Hour), 2)
	ok(t, "ListDriveWatchesToRenew", err)
	eq(t, "due", len(due), 2)
	due, err = s.ListDriveWatchesToRenew(ctx, at(29*time.Hour), 10)
	ok(t, "ListDriveWatchesToRenew none", err)
	eq(t, "not due", len(due), 0)

	owed, err := s.BumpDriveWatch(ctx, "p1", "c1")
	ok(t, "Bump", err)
	eq(t, "owed before the first bump", owed, false)
	owed, err = s.BumpDriveWatch(ctx, "p1", "c1")
	ok(t, "Bump", err)
	eq(t, "owed before the second bump", owed, true)
	_, err = s.BumpDriveWatch(ctx, "p1", "nope")
	code(t, "bump missing", err, driveway.ENOTFOUND)
	stale := *got
	got.Status, got.Reason, got.DoneSeq, got.ClientState = driveway.WatchFailed, "gone", 2, "new-state"
	ok(t, "UpdateDriveWatch", s.UpdateDriveWatch(ctx, got))
	eq(t, "version", got.Version, int64(2))
	code(t, "stale update", s.UpdateDriveWatch(ctx, &stale), driveway.ECONFLICT)
	again, err := s.GetDriveWatch(ctx, "p1", "c1")
	ok(t, "GetDriveWatch again", err)
	eq(t, "notify seq kept by update", again.NotifySeq, int64(2))
	eq(t, "client state", again.ClientState, "new-state")
	eq(t, "status", again.Status, driveway.WatchFailed)

	sealed, err := s.ListSealed(ctx, driveway.SealedRef{}, 1000)
	ok(t, "ListSealed", err)
	n := 0
	for _, v := range sealed {
		if v.Ref.Table == "drive_watches" && v.Ref.Column == "client_state" {
			n++
			plain, err := b.sealer.Open(v.Ciphertext, v.Ref)
			ok(t, "open sealed client state", err)
			if v.Ref.Row == "p1/c1" {
				eq(t, "sealed client state", string(plain), "new-state")
			}
		}
	}
	eq(t, "sealed client states listed for rotation", n, 3) // p1/c1, p1/c2, p2/c1
	ok(t, "PutDriveItems", s.PutDriveItems(ctx, []*driveway.DriveItemEntry{{ProjectID: "p1", CredentialID: "c1", ItemID: "i1"}}))
	ok(t, "DeleteCredential", s.DeleteCredential(ctx, "p1", "c1"))
	_, err = s.GetDriveWatch(ctx, "p1", "c1")
	code(t, "watch deleted with its credential", err, driveway.ENOTFOUND)
	ok(t, "DeleteDriveWatch", s.DeleteDriveWatch(ctx, "p1", "c2"))
	code(t, "delete twice", s.DeleteDriveWatch(ctx, "p1", "c2"), driveway.ENOTFOUND)
}

func testDriveItems(t *testing.T, b *bundle) {
	ctx := context.Background()
	s := b.s
	newProject(t, s, "p1")
	newUser(t, s, "p1", "u1")
	newCredential(t, s, "p1", "u1", "c1", "a")
	newCredential(t, s, "p1", "u1", "c2", "b")
	newWatch(t, s, "p1", "c1", "")
	newWatch(t, s, "p1", "c2", "")
	items := []*driveway.DriveItemEntry{
		{ProjectID: "p1", CredentialID: "c1", ItemID: "root", Folder: true, Root: true, ETag: "e0"},
		{ProjectID: "p1", CredentialID: "c1", ItemID: "a", ParentID: "root", Name: "A", Folder: true, ETag: "e1", CTag: "c1"},
		{ProjectID: "p1", CredentialID: "c1", ItemID: "b", ParentID: "a", Name: "b.txt", ETag: "e2", CTag: "c2"},
	}
	err := s.WithTx(ctx, func(tx driveway.Tx) error { return tx.PutDriveItems(ctx, items) })
	ok(t, "PutDriveItems", err)
	ok(t, "PutDriveItems other", s.PutDriveItems(ctx, []*driveway.DriveItemEntry{{ProjectID: "p1", CredentialID: "c2", ItemID: "x"}}))
	got, err := s.ListDriveItems(ctx, "p1", "c1")
	ok(t, "ListDriveItems", err)
	eq(t, "items", got, []*driveway.DriveItemEntry{items[1], items[2], items[0]})
	got, err = s.GetDriveItems(ctx, "p1", "c1", []string{"root", "b", "x", "missing"})
	ok(t, "GetDriveItems", err)
	eq(t, "items by id (another credential's x left out)", got, []*driveway.DriveItemEntry{items[2], items[0]})
	got, err = s.GetDriveItems(ctx, "p1", "c1", nil)
	ok(t, "GetDriveItems of none", err)
	eq(t, "items of no id", len(got), 0)
	got, err = s.ListDriveItemChildren(ctx, "p1", "c1", []string{"root", "a", "x"})
	ok(t, "ListDriveItemChildren", err)
	eq(t, "children of root and a", got, []*driveway.DriveItemEntry{items[1], items[2]})
	got, err = s.ListDriveItemChildren(ctx, "p1", "c2", []string{"root"})
	ok(t, "ListDriveItemChildren of another credential", err)
	eq(t, "children in c2", len(got), 0)
	moved := *items[2]
	moved.ParentID, moved.Name, moved.ETag = "root", "c.txt", "e3"
	ok(t, "replace", s.PutDriveItems(ctx, []*driveway.DriveItemEntry{&moved}))
	ok(t, "delete", s.DeleteDriveItems(ctx, "p1", "c1", []string{"a"}))
	got, err = s.ListDriveItems(ctx, "p1", "c1")
	ok(t, "ListDriveItems after", err)
	eq(t, "items after", got, []*driveway.DriveItemEntry{&moved, items[0]})
	code(t, "items without a watch", s.PutDriveItems(ctx, []*driveway.DriveItemEntry{{ProjectID: "p1", CredentialID: "nope", ItemID: "x"}}), driveway.ENOTFOUND)
}

func testTriggerSubscriptions(t *testing.T, b *bundle) {
	ctx := context.Background()
	s := b.s
	newProject(t, s, "p1")
	newProject(t, s, "p2")
	ts := &driveway.TriggerSubscription{ProjectID: "p1", ID: "tsub_1", Trigger: driveway.TriggerFileChange,
		PathPrefix: "/Documents", ItemType: "file", NamePattern: "*.pdf", ChangeTypes: []string{"created"}, CreatedAt: at(time.Second),
		FileTypes: []string{"pdf", "docx"}, DriveID: "b!library"}
	ok(t, "Create", s.CreateTriggerSubscription(ctx, ts))
	code(t, "Create twice", s.CreateTriggerSubscription(ctx, ts), driveway.ECONFLICT)
	ok(t, "Create second", s.CreateTriggerSubscription(ctx, &driveway.TriggerSubscription{ProjectID: "p1", ID: "tsub_2",
		Trigger: driveway.TriggerFileChange, UserID: "u1", CreatedAt: at(2 * time.Second)}))
	got, err := s.GetTriggerSubscription(ctx, "p1", "tsub_1")
	ok(t, "Get", err)
	eq(t, "got", got, ts)
	_, err = s.GetTriggerSubscription(ctx, "p2", "tsub_1")
	code(t, "other project", err, driveway.ENOTFOUND)
	list, err := s.ListTriggerSubscriptions(ctx, "p1")
	ok(t, "List", err)
	eq(t, "list len", len(list), 2)
	eq(t, "list order", list[0].ID, "tsub_1")
	ts.ChangeTypes, ts.NamePattern = []string{"deleted", "moved"}, ""
	ts.FileTypes, ts.DriveID = []string{}, "" // both filters can be cleared
	ok(t, "Update", s.UpdateTriggerSubscription(ctx, ts))
	got, err = s.GetTriggerSubscription(ctx, "p1", "tsub_1")
	ok(t, "Get after update", err)
	eq(t, "updated", got, ts)
	code(t, "Update other project", s.UpdateTriggerSubscription(ctx, &driveway.TriggerSubscription{ProjectID: "p2", ID: "tsub_1"}), driveway.ENOTFOUND)
	ok(t, "Delete", s.DeleteTriggerSubscription(ctx, "p1", "tsub_1"))
	code(t, "Delete twice", s.DeleteTriggerSubscription(ctx, "p1", "tsub_1"), driveway.ENOTFOUND)
}
