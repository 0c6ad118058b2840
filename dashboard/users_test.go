package dashboard_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
)

func (b *bundle) seedUser(id, name, email string, creds ...*driveway.Credential) {
	b.t.Helper()
	ctx := context.Background()
	u := &driveway.ConnectedUser{ProjectID: b.project.ID, ID: id, Metadata: map[string]any{"Name": name, "Email": email}}
	if err := b.svc.Store.UpsertConnectedUser(ctx, u); err != nil {
		b.t.Fatal(err)
	}
	for _, c := range creds {
		c.ProjectID, c.UserID, c.Integration = b.project.ID, id, driveway.IntegrationOneDrive
		if err := b.svc.Store.CreateCredential(ctx, c); err != nil {
			b.t.Fatal(err)
		}
	}
}

func TestConnectedUsersPageListsAccountsAndDisconnects(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login()
	const token = "ACCESS-TOKEN-CANARY-77"
	b.seedUser("user-1", "Ada Lovelace", "ada@example.test",
		&driveway.Credential{ID: "cred_1", Status: driveway.CredentialValid, DriveType: driveway.DriveBusiness, AccessToken: token, RefreshToken: token + "-r",
			Account: driveway.Account{UserPrincipalName: "ada@contoso.onmicrosoft.com", DisplayName: "Ada L."}, LastRefreshAt: time.Now()},
		&driveway.Credential{ID: "cred_2", Status: driveway.CredentialInvalid, HealthReason: driveway.ReasonNeedsReauth, DriveType: driveway.DrivePersonal,
			Account: driveway.Account{UserPrincipalName: "ada@outlook.com"}})
	b.seedUser("user-2", "", "")

	resp, body := b.get(b.projectPath("/users"))
	if resp.StatusCode != 200 {
		t.Fatalf("users page: %d", resp.StatusCode)
	}
	for _, want := range []string{"Ada Lovelace", "ada@example.test", "ada@contoso.onmicrosoft.com", "ada@outlook.com", "needs_reauth", "business", "user-2", "No OneDrive account connected"} {
		if !strings.Contains(body, want) {
			t.Errorf("users page lacks %q", want)
		}
	}
	if strings.Contains(body, token) {
		t.Fatal("a token is on the page")
	}
	resp, _ = b.post(b.projectPath("/users"), b.projectPath("/users/credentials/cred_2/disconnect"), url.Values{})
	if resp.StatusCode != 303 {
		t.Fatalf("disconnect: %d", resp.StatusCode)
	}
	if len(b.disconnected) != 1 || b.disconnected[0] != "cred_2" {
		t.Fatalf("disconnected = %v", b.disconnected)
	}
	_, body = b.get(b.projectPath("/users"))
	if strings.Contains(body, "ada@outlook.com") || !strings.Contains(body, "ada@contoso.onmicrosoft.com") {
		t.Fatal("the disconnected account is still listed, or the other is gone")
	}
	// Without the CSRF token, nothing is disconnected.
	resp, _ = b.do(b.srv, "POST", b.projectPath("/users/credentials/cred_1/disconnect"), url.Values{}, nil)
	if resp.StatusCode != 403 || len(b.disconnected) != 1 {
		t.Fatalf("disconnect without CSRF: %d, calls %v", resp.StatusCode, b.disconnected)
	}
}

func TestAlarmBannerOnProjectPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login()
	ctx := context.Background()
	in := &driveway.Integration{ProjectID: b.project.ID, ClientID: "c", Tenant: "common", Cloud: "global", Enabled: true, Scopes: []string{"offline_access"}}
	if err := b.svc.Store.PutIntegration(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, body := b.get(b.projectPath("/users")); strings.Contains(body, `id="alarm"`) {
		t.Fatal("alarm banner without an alarm")
	}
	if _, err := b.svc.Store.SetIntegrationAlarm(ctx, b.project.ID, &driveway.IntegrationAlarm{Reason: driveway.ReasonAppCredentialsInvalid, Detail: "AADSTS7000222", Since: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"/users", "/api-keys", "/signing-keys", ""} {
		if _, body := b.get(b.projectPath(page)); !strings.Contains(body, `id="alarm"`) || !strings.Contains(body, "AADSTS7000222") {
			t.Errorf("page %q has no alarm banner", page)
		}
	}
}
