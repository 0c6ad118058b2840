package connect_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/connect"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/sqlite"
)

// TestPurgeJobDeletesExpiredStates runs the purge through a real River
// queue on the store's SQLite database.
func TestPurgeJobDeletesExpiredStates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	now := time.Now().UTC()
	for i, exp := range []time.Time{now.Add(-time.Minute), now.Add(time.Hour)} {
		s := &driveway.OAuthState{ID: randHex(32), ProjectID: e.project.ID, UserID: "u", Verifier: "v", RedirectURI: e.url + "/oauth",
			Origin: appOrigin, SessionID: "s" + string(rune('a'+i)), CreatedAt: now.Add(-time.Hour), ExpiresAt: exp}
		if err := e.store.CreateOAuthState(ctx, s); err != nil {
			t.Fatal(err)
		}
		defer func(id string, live bool) {
			_, err := e.store.ConsumeOAuthState(ctx, id)
			if live != (err == nil) {
				t.Errorf("state expiring %v: consume after purge = %v", exp, err)
			}
		}(s.ID, exp.After(now))
	}
	q, err := jobs.NewSQLite(e.store.(*sqlite.Store).WriterDB(), jobs.Config{FastPoll: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := connect.RegisterJobs(q, e.handler); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Insert(ctx, connect.PurgeArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(ctx)
	// Poll (with a deadline) for the job's log line; the deferred checks
	// then find the expired state gone and the live one still there.
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(e.logs.String(), "purged expired sign-ins and install sessions") {
		if time.Now().After(deadline) {
			t.Fatalf("the purge job did not run within 20 s; logs:\n%s", e.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
