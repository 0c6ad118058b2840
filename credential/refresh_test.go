package credential_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/credential"
)

func TestFreshTokenNoRefresh(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t))
	e.expire(10 * time.Minute)
	tok, c, err := e.manager(nil).AccessToken(context.Background(), e.project, e.cred.ID)
	must(t, err)
	if tok != e.cred.AccessToken || c.AccessToken != tok {
		t.Fatalf("AccessToken returned another token than the stored, still fresh one")
	}
	if n := e.refreshCalls(); n != 0 {
		t.Fatalf("%d refresh calls for a token valid 10 more minutes, want 0", n)
	}
}

func TestRefreshAheadOfExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t))
	e.expire(3 * time.Minute) // within the 5-minute margin
	m := e.manager(nil)
	ctx := context.Background()
	tok, c, err := m.AccessToken(ctx, e.project, e.cred.ID)
	must(t, err)
	if tok == e.cred.AccessToken {
		t.Fatalf("AccessToken returned the old token 3 minutes before expiry")
	}
	stored := e.get()
	if stored.AccessToken != tok || stored.RefreshToken == e.cred.RefreshToken {
		t.Fatalf("the store does not hold the new tokens (access same: %v, refresh rotated: %v)",
			stored.AccessToken == tok, stored.RefreshToken != e.cred.RefreshToken)
	}
	if !stored.AccessTokenExpiresAt.After(time.Now().Add(50*time.Minute)) || stored.Version != c.Version {
		t.Fatalf("stored expiry %v, version %d (returned %d)", stored.AccessTokenExpiresAt, stored.Version, c.Version)
	}
	tok2, _, err := m.AccessToken(ctx, e.project, e.cred.ID)
	must(t, err)
	if tok2 != tok || e.refreshCalls() != 1 {
		t.Fatalf("second call: same token %v, %d refresh calls, want the same token and 1 call", tok2 == tok, e.refreshCalls())
	}
	// The new token works against Graph.
	req, _ := newGraphRequest(e, tok)
	resp, err := e.srv.Client().Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /me with the refreshed token: %d", resp.StatusCode)
	}
}

// concurrentAccess calls AccessToken n times at once on each manager and
// returns the tokens.
func concurrentAccess(t *testing.T, e *env, n int, managers ...*credential.Manager) []string {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	toks := make([]string, n*len(managers))
	errs := make([]error, len(toks))
	for i := range toks {
		m := managers[i%len(managers)]
		wg.Go(func() {
			<-start
			toks[i], _, errs[i] = m.AccessToken(context.Background(), e.project, e.cred.ID)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	return toks
}

func TestConcurrentRefreshSQLite(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t))
	e.expire(-time.Minute)
	toks := concurrentAccess(t, e, 200, e.manager(nil))
	checkOneRefresh(t, e, toks)
}

func TestConcurrentRefreshPostgresTwoNodes(t *testing.T) {
	t.Parallel()
	stores := openPostgres(t, 2)
	e := newEnv(t, stores[0])
	e.expire(-time.Minute)
	a, b := e.manager(stores[0]), e.manager(stores[1])
	toks := concurrentAccess(t, e, 100, a, b)
	checkOneRefresh(t, e, toks)
}

func checkOneRefresh(t *testing.T, e *env, toks []string) {
	t.Helper()
	if n := e.refreshCalls(); n != 1 {
		t.Fatalf("%d concurrent calls made %d token-endpoint refresh calls, want 1", len(toks), n)
	}
	stored := e.get()
	for i, tok := range toks {
		if tok != stored.AccessToken {
			t.Fatalf("call %d got a token other than the stored one", i)
		}
	}
	if stored.AccessToken == e.cred.AccessToken || stored.Version != e.cred.Version+2 {
		t.Fatalf("stored version %d, want %d (one expiry update, one refresh)", stored.Version, e.cred.Version+2)
	}
}

func TestInvalidateRefreshesOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t))
	m := e.manager(nil)
	ctx := context.Background()
	stale := e.cred.AccessToken
	var wg sync.WaitGroup
	toks := make([]string, 50)
	errs := make([]error, len(toks))
	for i := range toks {
		wg.Go(func() { toks[i], _, errs[i] = m.Invalidate(ctx, e.project, e.cred.ID, stale) })
	}
	wg.Wait()
	for i := range toks {
		if errs[i] != nil || toks[i] == stale {
			t.Fatalf("Invalidate %d: stale token back %v, error %v", i, toks[i] == stale, errs[i])
		}
	}
	if n := e.refreshCalls(); n != 1 {
		t.Fatalf("50 Invalidate calls of one stale token made %d refresh calls, want 1", n)
	}
	// A late caller with the same stale token gets the new one, no call.
	tok, _, err := m.Invalidate(ctx, e.project, e.cred.ID, stale)
	must(t, err)
	if tok != toks[0] || e.refreshCalls() != 1 {
		t.Fatalf("late Invalidate: same token %v, %d calls", tok == toks[0], e.refreshCalls())
	}
	// Invalidating the new token refreshes again.
	tok2, _, err := m.Invalidate(ctx, e.project, e.cred.ID, tok)
	must(t, err)
	if tok2 == tok || e.refreshCalls() != 2 {
		t.Fatalf("Invalidate of the current token: new token %v, %d calls, want a new token and 2 calls", tok2 != tok, e.refreshCalls())
	}
}

func TestRefreshTokenRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t))
	m := e.manager(nil)
	ctx := context.Background()
	var rts []string
	for range 3 {
		rts = append(rts, e.get().RefreshToken)
		e.expire(-time.Minute)
		_, _, err := m.AccessToken(ctx, e.project, e.cred.ID)
		must(t, err)
	}
	last := e.get().RefreshToken
	if slices.Contains(rts, last) {
		t.Fatalf("the stored refresh token did not change on the last refresh")
	}
	// Each refresh presented the token the previous one stored: no old
	// refresh token was used again.
	if got := e.front.refreshTokensPresented(); !slices.Equal(got, rts) {
		t.Fatalf("refresh tokens presented: %d, reused an old one: %v", len(got), !slices.Equal(got, rts))
	}
	if !slices.Equal(slices.Compact(slices.Clone(rts)), rts) {
		t.Fatalf("a refresh stored the refresh token it already had")
	}
}

func TestNotFoundAcrossProjects(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t))
	_, _, err := e.manager(nil).AccessToken(context.Background(), "prj_other", e.cred.ID)
	wantCode(t, "AccessToken with another project's id", err, driveway.ENOTFOUND)
	if n := e.refreshCalls(); n != 0 {
		t.Fatalf("%d refresh calls, want 0", n)
	}
}
