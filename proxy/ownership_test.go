package proxy_test

import (
	"testing"

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
