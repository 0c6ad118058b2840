package credential_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/credential"
	"github.com/drivewayhq/driveway/jobs"
)

// idleEnv has two fresh-token credentials on a frozen clock: one last
// refreshed 8 days ago, one an hour ago.
func idleEnv(t *testing.T, store driveway.Store) (e *env, m *credential.Manager, idle, recent *driveway.Credential) {
	t.Helper()
	e = newEnv(t, store)
	now := time.Now().UTC().Truncate(time.Microsecond)
	m = e.manager(nil)
	m.Now = func() time.Time { return now }
	set := func(c *driveway.Credential, last time.Duration) *driveway.Credential {
		c.LastRefreshAt, c.AccessTokenExpiresAt = now.Add(-last), now.Add(time.Hour)
		must(t, store.UpdateCredential(context.Background(), c))
		return c
	}
	idle = set(e.get(), 8*24*time.Hour)
	recent = set(e.connect("user-2"), time.Hour)
	return e, m, idle, recent
}

func checkIdleRefreshed(t *testing.T, e *env, m *credential.Manager, idle, recent *driveway.Credential) {
	t.Helper()
	ctx := context.Background()
	gotIdle, err := e.store.GetCredential(ctx, e.project, idle.ID)
	must(t, err)
	if !gotIdle.LastRefreshAt.Equal(m.Now()) || gotIdle.RefreshToken == idle.RefreshToken {
		t.Fatalf("the 8-day idle credential was not refreshed (last refresh %v)", gotIdle.LastRefreshAt)
	}
	gotRecent, err := e.store.GetCredential(ctx, e.project, recent.ID)
	must(t, err)
	if gotRecent.Version != recent.Version || gotRecent.RefreshToken != recent.RefreshToken {
		t.Fatalf("the credential refreshed an hour ago was refreshed again")
	}
	if n := e.refreshCalls(); n != 1 {
		t.Fatalf("%d refresh calls, want 1", n)
	}
}

func TestRefreshIdle(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			var store driveway.Store
			if engine == "sqlite" {
				store = openSQLite(t)
			} else {
				store = openPostgres(t, 1)[0]
			}
			e, m, idle, recent := idleEnv(t, store)
			res, err := m.RefreshIdle(context.Background())
			must(t, err)
			if res != (credential.IdleResult{Refreshed: 1}) {
				t.Fatalf("RefreshIdle = %+v, want 1 refreshed", res)
			}
			checkIdleRefreshed(t, e, m, idle, recent)
			res, err = m.RefreshIdle(context.Background())
			must(t, err)
			if res != (credential.IdleResult{}) || e.refreshCalls() != 1 {
				t.Fatalf("second RefreshIdle = %+v, %d calls; want nothing to do", res, e.refreshCalls())
			}
		})
	}
}

// TestRefreshIdleJob runs the periodic job through the real queue.
func TestRefreshIdleJob(t *testing.T) {
	t.Parallel()
	store := openSQLite(t)
	e, m, idle, recent := idleEnv(t, store)
	q, err := jobs.NewSQLite(store.WriterDB(), jobs.Config{FastPoll: true, Logger: slog.New(slog.DiscardHandler)})
	must(t, err)
	must(t, q.Migrate(t.Context()))
	must(t, credential.RegisterJobs(q, m))
	must(t, q.Start(t.Context()))
	t.Cleanup(func() { q.Stop(context.Background()) })
	_, err = q.Insert(t.Context(), credential.RefreshIdleArgs{}, nil)
	must(t, err)
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		c, err := store.GetCredential(t.Context(), e.project, idle.ID)
		must(t, err)
		if c.LastRefreshAt.Equal(m.Now()) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the idle job did not refresh the idle credential within 20 s")
		}
	}
	checkIdleRefreshed(t, e, m, idle, recent)
}
