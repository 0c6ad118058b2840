package proxy_test

import (
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/proxy"
)

// TestForeignCredentialIsNotRefreshed is the attack of issue 11: Bob names
// Alice's credential. He must get 404 and Alice's credential must not be
// touched at all: asking Tokens for its token would refresh it (a write,
// a call to Microsoft, a rotated refresh token) on Bob's say-so.
func TestForeignCredentialIsNotRefreshed(t *testing.T) {
	t.Parallel()
	b := newBundle(t, bundleOpts{})
	mustDo(t, "bob", b.store.UpsertConnectedUser(t.Context(), &driveway.ConnectedUser{ProjectID: projectID, ID: "bob"}))
	b.addCredential(t, "bob", driveway.CredentialValid, "")
	for _, h := range []string{proxy.HeaderCredential, proxy.HeaderParagonCredential} {
		resp, body := b.doAs(t, "bob", "GET", "me/drive", nil, h, b.cred.ID)
		if resp.StatusCode != 404 {
			t.Fatalf("bob naming alice's credential with %s: %d %s, want 404", h, resp.StatusCode, body)
		}
	}
	if _, asked := b.tokens.asked.Load(b.cred.ID); asked {
		t.Fatal("the proxy asked for (and could have refreshed) alice's token on bob's request")
	}
}

// TestConcurrentMissesLoadOnce: 32 first calls at once of one user load
// the session once, not once each (at 64 connections a cache expiry used
// to send every waiting call to the store and Tokens at the same instant).
func TestConcurrentMissesLoadOnce(t *testing.T) {
	t.Parallel()
	b := newBundle(t, bundleOpts{proxy: func(p *proxy.Proxy) { p.CacheTTL = time.Minute }})
	b.tokens.delay = 300 * time.Millisecond
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, body := b.do(t, "GET", "me/drive", nil); resp.StatusCode != 200 {
				t.Errorf("GET me/drive: %d %s", resp.StatusCode, body)
			}
		}()
	}
	wg.Wait()
	if n := b.tokens.calls.Load(); n != 1 {
		t.Fatalf("32 concurrent first calls asked Tokens %d times, want 1", n)
	}
}
