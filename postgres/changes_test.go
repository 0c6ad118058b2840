package postgres_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/authcache"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/storetest"
)

// TestWatchChangesHearsOtherWriters: a write by another connection (as by
// another node) reaches a watching feed through migration 0012's
// triggers; a write in another schema of the same database does not.
func TestWatchChangesHearsOtherWriters(t *testing.T) {
	t.Parallel()
	ring := testRing(t)
	url, _ := storetest.PostgresSchema(t)
	writer, watcher, other := openURL(t, url, ring), openURL(t, url, ring), open(t, ring)
	feed := authcache.NewFeed(false)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { watcher.WatchChanges(ctx, feed, slog.New(slog.DiscardHandler)); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "the feed to go live", feed.Live)

	for _, s := range []*postgres.Store{writer, other.Store} {
		if err := s.CreateProject(ctx, &driveway.Project{ID: "prj_w", Name: "p"}); err != nil {
			t.Fatal(err)
		}
	}
	project, user := feed.Stamp("prj_w", ""), feed.Stamp("prj_w", "u1")
	mustOK(t, other.UpdateProject(ctx, &driveway.Project{ID: "prj_w", Name: "other schema"}))
	mustOK(t, writer.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: "prj_w", ID: "u1"}))
	mustOK(t, writer.DeleteConnectedUser(ctx, "prj_w", "u1"))
	waitFor(t, "the user's removal", func() bool { return feed.Stamp("prj_w", "u1") != user })
	if feed.Stamp("prj_w", "") != project {
		t.Fatal("a write in another schema (or to a user) changed the project's stamp")
	}
	mustOK(t, writer.UpdateProject(ctx, &driveway.Project{ID: "prj_w", Name: "new", AllowedOrigins: []string{"https://a.example"}}))
	waitFor(t, "the project's change", func() bool { return feed.Stamp("prj_w", "") != project })
}

func openURL(t *testing.T, url string, ring driveway.Sealer) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), url, ring)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	mustOK(t, s.Migrate(t.Context()))
	return s
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30 s for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
