package credential_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/credential"
	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// status GETs path on the emulator with tok.
func (e *env) status(path, tok string) int {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := e.srv.Client().Do(req)
	must(e.t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// TestResourceTokenPersonal: a personal credential's token for the consumer
// OneDrive API is minted from the stored refresh token, cached (one token
// endpoint call for two asks), minted again when due, refused by Graph and
// taken by the picker API; the stored credential is left as it was.
func TestResourceTokenPersonal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t))
	m := e.manager(nil)
	ctx := context.Background()
	tok, exp, err := m.ResourceToken(ctx, e.project, e.cred.ID, credential.ConsumerOneDriveResource)
	must(t, err)
	tok2, _, err := m.ResourceToken(ctx, e.project, e.cred.ID, credential.ConsumerOneDriveResource)
	must(t, err)
	if tok2 != tok || e.refreshCalls() != 1 || !exp.After(time.Now().Add(30*time.Minute)) {
		t.Fatalf("second ask: same token %v, %d token calls (want 1), expiry %v", tok2 == tok, e.refreshCalls(), exp)
	}
	if st := e.status("/_api/v2.0/me/drive", tok); st != 200 {
		t.Fatalf("picker API with the resource token: %d", st)
	}
	if st := e.status("/v1.0/me", tok); st != 401 {
		t.Fatalf("Graph with the resource token: %d, want 401", st)
	}
	if c := e.get(); c.RefreshToken != e.cred.RefreshToken || c.AccessToken != e.cred.AccessToken || c.Version != e.cred.Version {
		t.Fatal("minting a resource token changed the stored credential")
	}
	later := &credential.Manager{Store: m.Store, Endpoints: m.Endpoints, HTTP: m.HTTP, Logger: m.Logger,
		Now: func() time.Time { return exp.Add(-time.Minute) }}
	_, _, err = later.ResourceToken(ctx, e.project, e.cred.ID, credential.ConsumerOneDriveResource)
	must(t, err)
	if e.refreshCalls() != 2 {
		t.Fatalf("%d token calls for a token due, want 2", e.refreshCalls())
	}
	_, _, err = m.ResourceToken(ctx, e.project, e.cred.ID, "https://contoso-my.sharepoint.com")
	if driveway.ErrorCode(err) != driveway.EFORBIDDEN {
		t.Fatalf("SharePoint for a personal account: %v, want EFORBIDDEN", err)
	}
	if e.get().Status != driveway.CredentialValid {
		t.Fatal("a refused resource made the credential INVALID")
	}
	for _, bad := range []string{"http://contoso-my.sharepoint.com", "https://contoso-my.sharepoint.com/sites/x", ""} {
		if _, _, err := m.ResourceToken(ctx, e.project, e.cred.ID, bad); driveway.ErrorCode(err) != driveway.EINVALID {
			t.Fatalf("resource %q: %v, want EINVALID", bad, err)
		}
	}
}

// TestResourceTokenWorkAccount: a work account's credential gets a token
// for its tenant's SharePoint; after its grant is revoked, the credential
// becomes INVALID and no token is handed out.
func TestResourceTokenWorkAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t))
	tenant, err := e.emu.CreateTenant(emulator.TenantSpec{Name: "Contoso", Domain: "contoso.onmicrosoft.com"})
	must(t, err)
	e.user, err = e.emu.CreateUser(emulator.UserSpec{TenantID: tenant.ID, UPN: "adele@contoso.onmicrosoft.com"})
	must(t, err)
	e.cred = e.connect("user-2")
	m := e.manager(nil)
	ctx := context.Background()
	tok, _, err := m.ResourceToken(ctx, e.project, e.cred.ID, "https://contoso-my.sharepoint.com")
	must(t, err)
	if st := e.status("/_api/v2.0/me/drive/root/children", tok); st != 200 {
		t.Fatalf("picker API with the SharePoint token: %d", st)
	}
	if st := e.status("/v1.0/me/drive", tok); st != 401 {
		t.Fatalf("Graph with the SharePoint token: %d, want 401", st)
	}
	e.emu.RevokeGrants(e.user.ID, e.app.ClientID, 70008)
	_, _, err = m.ResourceToken(ctx, e.project, e.cred.ID, "https://contoso.sharepoint.com")
	if driveway.ErrorCode(err) != driveway.EFORBIDDEN || e.get().Status != driveway.CredentialInvalid {
		t.Fatalf("after revocation: %v, status %s; want EFORBIDDEN and INVALID", err, e.get().Status)
	}
	if _, _, err := m.ResourceToken(ctx, e.project, e.cred.ID, "https://contoso-my.sharepoint.com"); driveway.ErrorCode(err) != driveway.EFORBIDDEN {
		t.Fatalf("the cached token of an INVALID credential was handed out: %v", err)
	}
}
