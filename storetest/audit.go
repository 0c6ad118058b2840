package storetest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
)

// testAPIKeyScopes: role, surfaces and expiry round-trip; a key stored
// without a role reads back as admin for every surface (how keys made before
// roles existed keep their power).
func testAPIKeyScopes(t *testing.T, b *bundle) {
	ctx := context.Background()
	p := newProject(t, b.s, "prj_a")
	k := &driveway.APIKey{ID: "key_scoped", ProjectID: p.ID, Name: "ci", Hash: []byte{1, 2}, Role: driveway.KeyRead,
		Surfaces: []string{"runs", "workflows"}, CreatedAt: at(time.Second), ExpiresAt: at(time.Hour)}
	ok(t, "CreateAPIKey scoped", b.s.CreateAPIKey(ctx, k))
	got, err := b.s.GetAPIKey(ctx, k.ID)
	ok(t, "GetAPIKey scoped", err)
	eq(t, "GetAPIKey scoped", got, k)
	if !got.Active(at(time.Hour-time.Microsecond)) || got.Active(at(time.Hour)) {
		t.Fatalf("key expiring at %v: active just before and not at expiry expected", got.ExpiresAt)
	}
	legacy := &driveway.APIKey{ID: "key_legacy", Name: "old", Hash: []byte{3}, CreatedAt: at(time.Second)}
	ok(t, "CreateAPIKey without role", b.s.CreateAPIKey(ctx, legacy))
	got, err = b.s.GetAPIKey(ctx, legacy.ID)
	ok(t, "GetAPIKey legacy", err)
	if got.Role != driveway.KeyAdmin || got.Surfaces != nil || !got.ExpiresAt.IsZero() {
		t.Fatalf("key without role read back as role %q surfaces %v expiry %v; want admin, all, never", got.Role, got.Surfaces, got.ExpiresAt)
	}
}

// testAPIKeyCascade: revoking a key revokes the keys it made, and theirs,
// and no other key.
func testAPIKeyCascade(t *testing.T, b *bundle) {
	ctx := context.Background()
	p := newProject(t, b.s, "prj_a")
	mk := func(id, parent string) {
		ok(t, "CreateAPIKey "+id, b.s.CreateAPIKey(ctx, &driveway.APIKey{ID: id, ProjectID: p.ID, Hash: []byte{1},
			Role: driveway.KeyAdmin, ParentID: parent, CreatedAt: at(time.Second)}))
	}
	mk("key_root", "")
	mk("key_child", "key_root")
	mk("key_grandchild", "key_child")
	mk("key_sibling", "")
	mk("key_old_child", "key_child")
	ok(t, "RevokeAPIKey old child", b.s.RevokeAPIKey(ctx, p.ID, "key_old_child", at(time.Minute)))
	ok(t, "RevokeAPIKey root", b.s.RevokeAPIKey(ctx, p.ID, "key_root", at(time.Hour)))
	want := map[string]time.Time{"key_root": at(time.Hour), "key_child": at(time.Hour), "key_grandchild": at(time.Hour),
		"key_sibling": {}, "key_old_child": at(time.Minute)}
	for id, revoked := range want {
		k, err := b.s.GetAPIKey(ctx, id)
		ok(t, "GetAPIKey "+id, err)
		if !k.RevokedAt.Equal(revoked) {
			t.Errorf("%s: revoked at %v, want %v", id, k.RevokedAt, revoked)
		}
	}
	got, _ := b.s.GetAPIKey(ctx, "key_child")
	eq(t, "ParentID", got.ParentID, "key_root")
}

func auditEntry(i int, project string) *driveway.AuditEntry {
	return &driveway.AuditEntry{At: at(time.Duration(i) * time.Second), ActorType: "key", ActorID: fmt.Sprintf("key_%d", i%3),
		ProjectID: project, Action: fmt.Sprintf("thing.%d", i%2), Target: fmt.Sprintf("t%d", i),
		Before: `{"a":1}`, After: `{"a":2}`, RequestID: "req_1", Address: "192.0.2.1"}
}

// testAudit: appends chain, lists filter and page in seq order, retention
// deletes the oldest.
func testAudit(t *testing.T, b *bundle) {
	ctx := context.Background()
	for i := 1; i <= 6; i++ {
		ok(t, "AppendAudit", b.s.AppendAudit(ctx, auditEntry(i, []string{"prj_a", "prj_b", ""}[i%3])))
	}
	all, err := b.s.ListAudit(ctx, driveway.AuditFilter{}, 100)
	ok(t, "ListAudit", err)
	if len(all) != 6 {
		t.Fatalf("ListAudit: %d entries, want 6", len(all))
	}
	checkChain(t, all)
	want := auditEntry(1, "prj_b")
	want.Seq, want.PrevHash, want.Hash = 1, []byte{}, all[0].Hash
	eq(t, "first entry", all[0], want)

	page, err := b.s.ListAudit(ctx, driveway.AuditFilter{After: 2}, 2)
	ok(t, "ListAudit page", err)
	eq(t, "ListAudit page", page, all[2:4])
	byProject, err := b.s.ListAudit(ctx, driveway.AuditFilter{ProjectID: "prj_a"}, 100)
	ok(t, "ListAudit project", err)
	eq(t, "ListAudit project", byProject, []*driveway.AuditEntry{all[2], all[5]})
	filtered, err := b.s.ListAudit(ctx, driveway.AuditFilter{Action: "thing.", Since: at(3 * time.Second), Until: at(5 * time.Second)}, 100)
	ok(t, "ListAudit action prefix and times", err)
	eq(t, "ListAudit action prefix and times", filtered, all[2:4])
	filtered, err = b.s.ListAudit(ctx, driveway.AuditFilter{Action: "thing.1", ActorID: "key_1"}, 100)
	ok(t, "ListAudit action and actor", err)
	eq(t, "ListAudit action and actor", filtered, all[:1])

	newest, err := b.s.ListAudit(ctx, driveway.AuditFilter{Newest: true, Before: 6}, 2)
	ok(t, "ListAudit newest before", err)
	eq(t, "ListAudit newest before", newest, []*driveway.AuditEntry{all[4], all[3]})

	n, err := b.s.DeleteAuditBefore(ctx, at(3*time.Second))
	ok(t, "DeleteAuditBefore", err)
	if n != 2 {
		t.Fatalf("DeleteAuditBefore: %d deleted, want 2", n)
	}
	rest, err := b.s.ListAudit(ctx, driveway.AuditFilter{}, 100)
	ok(t, "ListAudit after retention", err)
	eq(t, "ListAudit after retention", rest, all[2:])

	// Retention never deletes the head: the chain and seq continue.
	n, err = b.s.DeleteAuditBefore(ctx, at(time.Hour))
	ok(t, "DeleteAuditBefore everything", err)
	if n != 3 {
		t.Fatalf("DeleteAuditBefore everything: %d deleted, want 3 (the head stays)", n)
	}
	next := auditEntry(7, "prj_a")
	ok(t, "AppendAudit after retention", b.s.AppendAudit(ctx, next))
	if next.Seq != 7 || !bytes.Equal(next.PrevHash, all[5].Hash) {
		t.Fatalf("after retention emptied the trail: seq %d, linked to the head %v", next.Seq, bytes.Equal(next.PrevHash, all[5].Hash))
	}

	seq, err := b.s.AuditCursor(ctx, "siem")
	ok(t, "AuditCursor unset", err)
	eq(t, "AuditCursor unset", seq, int64(0))
	ok(t, "SetAuditCursor", b.s.SetAuditCursor(ctx, "siem", 4))
	ok(t, "SetAuditCursor again", b.s.SetAuditCursor(ctx, "siem", 6))
	ok(t, "SetAuditCursor back", b.s.SetAuditCursor(ctx, "siem", 2))
	seq, err = b.s.AuditCursor(ctx, "siem")
	ok(t, "AuditCursor", err)
	eq(t, "AuditCursor never moves back", seq, int64(6))
}

// testAuditConcurrent: appenders racing (on Postgres: separate
// connections, as separate nodes would) still form one unbroken chain.
func testAuditConcurrent(t *testing.T, b *bundle) {
	ctx := context.Background()
	const writers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				errs <- b.s.AppendAudit(ctx, auditEntry(w*each+i, "prj_a"))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		ok(t, "AppendAudit concurrent", err)
	}
	all, err := b.s.ListAudit(ctx, driveway.AuditFilter{}, 1000)
	ok(t, "ListAudit", err)
	if len(all) != writers*each {
		t.Fatalf("%d entries after %d appends", len(all), writers*each)
	}
	checkChain(t, all)
}

func checkChain(t *testing.T, es []*driveway.AuditEntry) {
	t.Helper()
	for i, e := range es {
		if e.Seq != int64(i+1) {
			t.Fatalf("entry %d has seq %d", i, e.Seq)
		}
		if !bytes.Equal(e.Hash, e.ChainHash()) {
			t.Fatalf("entry %d: stored hash is not its chain hash", e.Seq)
		}
		if i > 0 && !bytes.Equal(e.PrevHash, es[i-1].Hash) {
			t.Fatalf("entry %d does not link to entry %d", e.Seq, es[i-1].Seq)
		}
	}
}
