package proxy_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/proxy"
)

// addPersonal stores a VALID credential of a second personal Microsoft
// account (the consumers tenant, like Alice's) for the app user user.
func (b *bundle) addPersonal(t *testing.T, user, upn string) {
	t.Helper()
	eu, err := b.emu.CreateUser(emulator.UserSpec{UPN: upn})
	mustDo(t, "create user", err)
	tok, err := b.emu.IssueAccessToken(eu.ID, b.clientID, "Files.ReadWrite.All", "User.Read")
	mustDo(t, "issue token", err)
	mustDo(t, "upsert user", b.store.UpsertConnectedUser(t.Context(), &driveway.ConnectedUser{ProjectID: projectID, ID: user}))
	mustDo(t, "create credential", b.store.CreateCredential(t.Context(), &driveway.Credential{ID: "cred_" + user, ProjectID: projectID,
		UserID: user, Integration: driveway.IntegrationOneDrive, Status: driveway.CredentialValid,
		Account: driveway.Account{TenantID: eu.TenantID, ObjectID: eu.ID, UserPrincipalName: eu.UPN}, DriveID: eu.DriveID,
		DriveType: driveway.DrivePersonal, AccessToken: tok, RefreshToken: "rt", AccessTokenExpiresAt: time.Now().Add(time.Hour)}))
}

// TestPersonalAccountsAreThrottledApart: Alice and Bob are personal
// accounts, so both are in the consumers tenant. Graph answers one of
// Alice's calls 429 with Retry-After of an hour. Alice is held back (not
// for the hour: the hold is capped), Bob is not held back at all.
func TestPersonalAccountsAreThrottledApart(t *testing.T) {
	t.Parallel()
	b := newBundle(t, bundleOpts{proxy: func(p *proxy.Proxy) { p.MaxHold, p.MaxRetryWait = 3*time.Second, 500*time.Millisecond }})
	b.addPersonal(t, "bob", "bob@outlook.com")
	if b.emuUser.TenantID != emulator.ConsumersTenantID || proxy.ConsumersTenantID != emulator.ConsumersTenantID {
		t.Fatalf("alice's tenant %s is not the consumers tenant", b.emuUser.TenantID)
	}
	b.emu.AddFault(emulator.Fault{Route: "graph", Status: 429, RetryAfter: 3600, Count: 1})
	resp, body := b.do(t, "GET", "me/drive", nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3600" {
		t.Fatalf("alice's throttled call: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	resp, body = b.doAs(t, "bob", "GET", "me/drive", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("bob, another personal account, is held back by alice's 429: %d %s", resp.StatusCode, body)
	}
	resp, _ = b.do(t, "GET", "me/drive", nil)
	ra, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != 429 || ra < 1 || ra > 3 {
		t.Fatalf("alice right after her 429: %d Retry-After %q, want 429 held for at most the 3 s cap", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	deadline := time.Now().Add(30 * time.Second)
	for resp.StatusCode != 200 {
		if time.Now().After(deadline) {
			t.Fatal("alice is still held back 30 s after a Retry-After capped at 3 s")
		}
		time.Sleep(100 * time.Millisecond)
		resp, _ = b.do(t, "GET", "me/drive", nil)
	}
}
