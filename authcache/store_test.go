package authcache_test

import (
	"context"
	"errors"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/authcache"
	"github.com/drivewayhq/driveway/internal/testdb"
)

// TestWritesChangeStamps: every write a cache depends on changes the
// stamp of its project (or user) as soon as it returns; a write inside a
// transaction only once the transaction is over, so that nothing read
// before the commit is kept with the new stamp.
func TestWritesChangeStamps(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	feed := authcache.NewFeed(true)
	s := authcache.Wrap(testdb.SQLite(t), feed)
	const pid = "prj_1"
	must(t, s.CreateProject(ctx, &driveway.Project{ID: pid, Name: "p"}))
	u := &driveway.ConnectedUser{ProjectID: pid, ID: "u1"}
	cred := &driveway.Credential{ID: "c1", ProjectID: pid, UserID: "u1", Integration: driveway.IntegrationOneDrive, Status: driveway.CredentialValid}
	writes := []struct {
		name string
		user string // "" when the write concerns the whole project
		do   func(q driveway.Queries) error
	}{
		{"upsert user", "u1", func(q driveway.Queries) error { return q.UpsertConnectedUser(ctx, u) }},
		{"create credential", "u1", func(q driveway.Queries) error { return q.CreateCredential(ctx, cred) }},
		{"update credential", "u1", func(q driveway.Queries) error { return q.UpdateCredential(ctx, cred) }},
		{"delete credential", "", func(q driveway.Queries) error { return q.DeleteCredential(ctx, pid, "c1") }},
		{"delete user", "u1", func(q driveway.Queries) error { return q.DeleteConnectedUser(ctx, pid, "u1") }},
		{"add key", "", func(q driveway.Queries) error {
			return q.CreateSigningKey(ctx, &driveway.SigningKey{ProjectID: pid, ID: "k1", Alg: driveway.AlgES256, PublicKey: "x"})
		}},
		{"delete key", "", func(q driveway.Queries) error { return q.DeleteSigningKey(ctx, pid, "k1") }},
		{"update project", "", func(q driveway.Queries) error {
			return q.UpdateProject(ctx, &driveway.Project{ID: pid, Name: "p", AllowedOrigins: []string{"https://a.example"}})
		}},
		{"put integration", "", func(q driveway.Queries) error {
			return q.PutIntegration(ctx, &driveway.Integration{ProjectID: pid, ClientID: "c", Tenant: driveway.TenantCommon, Cloud: driveway.CloudGlobal})
		}},
		{"delete project", "", func(q driveway.Queries) error { return q.DeleteProject(ctx, pid) }},
	}
	for _, w := range writes {
		before, beforeProject := feed.Stamp(pid, "u1"), feed.Stamp(pid, "")
		must(t, w.do(s))
		if feed.Stamp(pid, "u1") == before {
			t.Fatalf("%s did not change the user's stamp", w.name)
		}
		if w.user == "" && feed.Stamp(pid, "") == beforeProject {
			t.Fatalf("%s did not change the project's stamp", w.name)
		}
	}
	checkTxBumpsAfterCommit(ctx, t, s, feed)
}

func checkTxBumpsAfterCommit(ctx context.Context, t *testing.T, s *authcache.Store, feed *authcache.Feed) {
	must(t, s.CreateProject(ctx, &driveway.Project{ID: "prj_2", Name: "p"}))
	before := feed.Stamp("prj_2", "")
	var inside uint64
	must(t, s.WithTx(ctx, func(tx driveway.Tx) error {
		if err := tx.UpdateProject(ctx, &driveway.Project{ID: "prj_2", Name: "q"}); err != nil {
			return err
		}
		inside = feed.Stamp("prj_2", "")
		return nil
	}))
	if inside != before || feed.Stamp("prj_2", "") == before {
		t.Fatalf("stamps: before %d, inside the transaction %d (want unchanged), after %d (want changed)", before, inside, feed.Stamp("prj_2", ""))
	}
	before = feed.Stamp("prj_2", "")
	boom := errors.New("boom")
	err := s.WithTx(ctx, func(tx driveway.Tx) error {
		_ = tx.DeleteProject(ctx, "prj_2")
		return boom
	})
	if !errors.Is(err, boom) || feed.Stamp("prj_2", "") == before {
		t.Fatalf("a rolled-back write: %v, stamp unchanged (a bump is never wrong, a missing one is)", err)
	}
}

// TestFeedNotLiveCachesNothing: while changes may be missed, nothing is
// kept; once live again, what was kept before is dropped.
func TestFeedNotLiveCachesNothing(t *testing.T) {
	t.Parallel()
	feed := authcache.NewFeed(true)
	var c authcache.Cache[string]
	c.Put("k", feed.Stamp("p", ""), "v")
	if v, ok := c.Get("k", feed.Stamp("p", "")); !ok || v != "v" {
		t.Fatalf("live: %q %v", v, ok)
	}
	feed.SetLive(false)
	if s := feed.Stamp("p", ""); s != 0 {
		t.Fatalf("not live: stamp %d, want 0", s)
	}
	c.Put("k2", feed.Stamp("p", ""), "v2")
	if _, ok := c.Get("k2", 0); ok {
		t.Fatal("a value put while not live was kept")
	}
	feed.SetLive(true)
	if _, ok := c.Get("k", feed.Stamp("p", "")); ok {
		t.Fatal("a value kept before the feed went down survived it")
	}
	var nilFeed *authcache.Feed
	if nilFeed.Stamp("p", "u") != 0 || nilFeed.Live() {
		t.Fatal("a nil feed gives stamps")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
