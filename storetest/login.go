package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
)

// RunLogin runs the dashboard login part of the suite (failed logins
// counted per client across nodes, revoked sessions) and the batched watch
// lookup of notification intake, against stores made by newStore.
func RunLogin(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b *bundle)
	}{
		{"LoginFailures", testLoginFailures},
		{"LoginFailuresConcurrent", testLoginFailuresConcurrent},
		{"RevokedSessions", testRevokedSessions},
		{"FindDriveWatches", testFindDriveWatches},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, setup(t, newStore))
		})
	}
}

func testLoginFailures(t *testing.T, b *bundle) {
	ctx, s, win := context.Background(), b.s, 15*time.Minute
	n, start, err := s.LoginFailures(ctx, "10.0.0.1", at(0), win)
	ok(t, "LoginFailures of a new client", err)
	eq(t, "failures of a new client", []any{n, start}, []any{0, time.Time{}})
	for i := 1; i <= 3; i++ {
		n, start, err = s.RecordLoginFailure(ctx, "10.0.0.1", at(time.Duration(i)*time.Minute), win)
		ok(t, "RecordLoginFailure", err)
		eq(t, "failures after a record", []any{n, start}, []any{i, at(time.Minute)})
	}
	_, _, err = s.RecordLoginFailure(ctx, "10.0.0.2", at(time.Minute), win)
	ok(t, "RecordLoginFailure of another client", err)
	n, start, err = s.LoginFailures(ctx, "10.0.0.1", at(10*time.Minute), win)
	ok(t, "LoginFailures", err)
	eq(t, "failures within the window", []any{n, start}, []any{3, at(time.Minute)})
	n, _, err = s.LoginFailures(ctx, "10.0.0.1", at(16*time.Minute), win)
	ok(t, "LoginFailures after the window", err)
	eq(t, "failures after the window", n, 0)
	n, start, err = s.RecordLoginFailure(ctx, "10.0.0.1", at(17*time.Minute), win)
	ok(t, "RecordLoginFailure after the window", err)
	eq(t, "a new window", []any{n, start}, []any{1, at(17 * time.Minute)})
	ok(t, "ResetLoginFailures", s.ResetLoginFailures(ctx, "10.0.0.1"))
	n, _, err = s.LoginFailures(ctx, "10.0.0.1", at(17*time.Minute), win)
	ok(t, "LoginFailures after a reset", err)
	eq(t, "failures after a reset", n, 0)
}

// testLoginFailuresConcurrent: failures recorded at once, as on several
// nodes, are all counted.
func testLoginFailuresConcurrent(t *testing.T, b *bundle) {
	ctx, win := context.Background(), 15*time.Minute
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, _, err := b.s.RecordLoginFailure(ctx, "2001:db8::/64", at(time.Minute), win)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		ok(t, "concurrent RecordLoginFailure", err)
	}
	got, _, err := b.s.LoginFailures(ctx, "2001:db8::/64", at(2*time.Minute), win)
	ok(t, "LoginFailures", err)
	eq(t, "failures counted at once", got, n)
}

func testRevokedSessions(t *testing.T, b *bundle) {
	ctx, s := context.Background(), b.s
	revoked, err := s.SessionRevoked(ctx, "sess-1")
	ok(t, "SessionRevoked", err)
	eq(t, "revoked before a logout", revoked, false)
	ok(t, "RevokeSession", s.RevokeSession(ctx, "sess-1", at(time.Hour), at(0)))
	ok(t, "RevokeSession again", s.RevokeSession(ctx, "sess-1", at(time.Hour), at(0)))
	revoked, err = s.SessionRevoked(ctx, "sess-1")
	ok(t, "SessionRevoked", err)
	eq(t, "revoked after a logout", revoked, true)
	// A later revocation drops the one whose cookie has expired.
	ok(t, "RevokeSession", s.RevokeSession(ctx, "sess-2", at(3*time.Hour), at(2*time.Hour)))
	revoked, err = s.SessionRevoked(ctx, "sess-1")
	ok(t, "SessionRevoked", err)
	eq(t, "an expired revocation kept", revoked, false)
	revoked, err = s.SessionRevoked(ctx, "sess-2")
	ok(t, "SessionRevoked", err)
	eq(t, "a live revocation dropped", revoked, true)
}

func testFindDriveWatches(t *testing.T, b *bundle) {
	ctx, s := context.Background(), b.s
	newProject(t, s, "p1")
	newProject(t, s, "p2")
	newUser(t, s, "p1", "u1")
	newUser(t, s, "p2", "u1")
	var want []*driveway.DriveWatch
	for i := range 3 {
		c := fmt.Sprintf("c%d", i)
		newCredential(t, s, "p1", "u1", c, c)
		want = append(want, newWatch(t, s, "p1", c, "sub-"+c))
	}
	newCredential(t, s, "p2", "u1", "c9", "c9")
	want = append(want, newWatch(t, s, "p2", "c9", "sub-c9"))
	newCredential(t, s, "p2", "u1", "c8", "c8")
	newWatch(t, s, "p2", "c8", "") // no subscription: never found by ""
	ids := []string{"sub-c2", "", "nope", "sub-c0", "sub-c9", "sub-c1", "sub-c0"}
	for i := range 1200 { // more ids than one IN list holds
		ids = append(ids, fmt.Sprintf("unknown-%d", i))
	}
	got, err := s.FindDriveWatches(ctx, ids)
	ok(t, "FindDriveWatches", err)
	byID := map[string]*driveway.DriveWatch{}
	for _, w := range got {
		byID[w.SubscriptionID] = w
	}
	eq(t, "watches found", len(got), len(want))
	for _, w := range want {
		eq(t, "watch "+w.SubscriptionID, byID[w.SubscriptionID], w)
	}
	got, err = s.FindDriveWatches(ctx, nil)
	ok(t, "FindDriveWatches of none", err)
	eq(t, "watches of none", len(got), 0)
}
