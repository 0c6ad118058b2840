package upgradetest

import (
	"context"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
)

// Check reads the fixture's records back through today's store and fails t
// unless each survived: identifiers, times, and the sealed secrets, which
// must still open with the fixture keyring. It compares the fields the old
// release had, so that a later migration adding a column with a default
// does not break it. It ends with a write, to show the upgraded database
// takes updates too.
func Check(t testing.TB, s driveway.Store) {
	t.Helper()
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping after upgrade: %v", err)
	}
	wp, win, wk, wa, wu, wc := records()
	p, err := s.GetProject(ctx, ProjectID)
	must(t, "project", err)
	same(t, "project name", p.Name, wp.Name)
	sameTime(t, "project created", p.CreatedAt, wp.CreatedAt)
	in, err := s.GetIntegration(ctx, ProjectID)
	must(t, "integration", err)
	same(t, "client id", in.ClientID, win.ClientID)
	if len(in.ClientSecrets) != 1 || in.ClientSecrets[0].Value != ClientSecret {
		t.Fatalf("client secret did not survive the upgrade: %d secrets", len(in.ClientSecrets))
	}
	sameTime(t, "client secret expiry", in.ClientSecrets[0].ExpiresAt, win.ClientSecrets[0].ExpiresAt)
	k, err := s.GetSigningKey(ctx, ProjectID, wk.ID)
	must(t, "signing key", err)
	same(t, "signing key", k.PublicKey, wk.PublicKey)
	a, err := s.GetAPIKey(ctx, wa.ID)
	must(t, "API key", err)
	same(t, "API key hash", string(a.Hash), string(wa.Hash))
	// Keys made before scopes (migration 0014) keep their power.
	same(t, "API key role", a.Role, driveway.KeyAdmin)
	if a.Surfaces != nil || !a.ExpiresAt.IsZero() || a.ProjectID != ProjectID {
		t.Fatalf("old API key after the upgrade: surfaces %v, expiry %v, project %q; want every surface, never, %q",
			a.Surfaces, a.ExpiresAt, a.ProjectID, ProjectID)
	}
	u, err := s.GetConnectedUser(ctx, ProjectID, UserID)
	must(t, "user", err)
	same(t, "user metadata", u.Metadata["Name"], wu.Metadata["Name"])
	checkCredential(t, s, wc)
	checkExtras(t, s)
}

func checkCredential(t testing.TB, s driveway.Store, want *driveway.Credential) {
	t.Helper()
	ctx := context.Background()
	c, err := s.GetCredential(ctx, ProjectID, CredentialID)
	must(t, "credential", err)
	if c.AccessToken != AccessToken || c.RefreshToken != RefreshToken {
		t.Fatal("the credential's tokens did not survive the upgrade")
	}
	same(t, "credential status", c.Status, want.Status)
	same(t, "credential drive", c.DriveID, want.DriveID)
	same(t, "credential account", c.Account.UserPrincipalName, want.Account.UserPrincipalName)
	sameTime(t, "access token expiry", c.AccessTokenExpiresAt, want.AccessTokenExpiresAt)
	c.AccessToken = "after-upgrade"
	if err := s.UpdateCredential(ctx, c); err != nil {
		t.Fatalf("update the credential after the upgrade: %v", err)
	}
	c2, err := s.GetCredential(ctx, ProjectID, CredentialID)
	must(t, "credential after update", err)
	same(t, "updated access token", c2.AccessToken, "after-upgrade")
}

func checkExtras(t testing.TB, s driveway.Store) {
	t.Helper()
	ctx := context.Background()
	w, err := s.GetWorkflow(ctx, ProjectID, WorkflowID)
	must(t, "workflow", err)
	same(t, "workflow trigger", w.TriggerType, "request")
	if w.Version != 1 {
		t.Fatalf("workflow version %d, want 1", w.Version)
	}
	e, err := s.GetWebhookEndpoint(ctx, ProjectID, EndpointID)
	must(t, "webhook endpoint", err)
	if len(e.Secrets) != 1 || e.Secrets[0].Value != WebhookSecret {
		t.Fatalf("the webhook secret did not survive the upgrade: %d secrets", len(e.Secrets))
	}
}

func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("read %s after the upgrade: %v", what, err)
	}
}

func same[T comparable](t testing.TB, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s after the upgrade: %v, want %v", what, got, want)
	}
}

func sameTime(t testing.TB, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Fatalf("%s after the upgrade: %v, want %v", what, got, want)
	}
}
