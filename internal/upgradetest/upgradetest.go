// Package upgradetest holds the records that the old-database fixtures of
// the sqlite and postgres packages carry, so that their tests can check the
// records survive today's migrations.
//
// The flow: once, at a release, an engine's test run with -update-fixture
// applies that release's migrations to an empty database, calls Populate,
// and saves the database as testdata. Every later run loads the saved
// database, applies today's migrations and calls Check. The fixture files
// are never regenerated after their release: they are the old schema.
package upgradetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/secret"
)

// KeyringSpec seals the fixtures' secrets. It is a test key, published
// here on purpose: it protects nothing but fixture values.
const KeyringSpec = "fixture1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// Keyring parses KeyringSpec.
func Keyring(t testing.TB) *secret.Keyring {
	t.Helper()
	r, err := secret.ParseKeyring(KeyringSpec)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var base = time.Date(2026, 1, 2, 3, 4, 5, 678901000, time.UTC)

// The fixture's identifiers and secrets.
const (
	ProjectID     = "prj_fixture0008"
	UserID        = "user-0008"
	CredentialID  = "cred_fixture0008"
	ClientSecret  = "fixture-client-secret-0008"
	AccessToken   = "fixture-access-token-0008"
	RefreshToken  = "fixture-refresh-token-0008"
	WebhookSecret = "whsec_Zml4dHVyZS13ZWJob29rLXNlY3JldC0wMDA4"
	WorkflowID    = "fixture-workflow"
	EndpointID    = "whe_fixture0008"
)

func records() (*driveway.Project, *driveway.Integration, *driveway.SigningKey, *driveway.APIKey, *driveway.ConnectedUser, *driveway.Credential) {
	p := &driveway.Project{ID: ProjectID, Name: "Fixture", AllowedOrigins: []string{"https://app.example.com"}, CreatedAt: base, UpdatedAt: base}
	in := &driveway.Integration{ProjectID: ProjectID, ClientID: "client-0008", Tenant: driveway.TenantCommon, Cloud: driveway.CloudGlobal,
		ClientSecrets: []driveway.ClientSecret{{ID: "sec_fixture", Value: ClientSecret, Hint: "0008", ExpiresAt: base.AddDate(1, 0, 0), CreatedAt: base}},
		Scopes:        []string{"Files.ReadWrite", "offline_access"}, Enabled: true, UpdatedAt: base}
	k := &driveway.SigningKey{ProjectID: ProjectID, ID: "kid-0008", Alg: driveway.AlgES256,
		PublicKey: "-----BEGIN PUBLIC KEY-----\nfixture\n-----END PUBLIC KEY-----\n", CreatedAt: base}
	a := &driveway.APIKey{ID: "key_fixture0008", ProjectID: ProjectID, Name: "ci", Hash: []byte("0123456789abcdef0123456789abcdef"), CreatedAt: base}
	u := &driveway.ConnectedUser{ProjectID: ProjectID, ID: UserID, Metadata: map[string]any{"Name": "Adele"}, CreatedAt: base, UpdatedAt: base}
	c := &driveway.Credential{ID: CredentialID, ProjectID: ProjectID, UserID: UserID, Integration: driveway.IntegrationOneDrive,
		Status: driveway.CredentialValid, Account: driveway.Account{TenantID: "tid", ObjectID: "oid", UserPrincipalName: "adele@contoso.com"},
		DriveID: "drive-0008", DriveType: driveway.DriveBusiness, AccessToken: AccessToken, RefreshToken: RefreshToken,
		AccessTokenExpiresAt: base.Add(time.Hour), Scopes: []string{"Files.ReadWrite"}, LastRefreshAt: base, CreatedAt: base, UpdatedAt: base}
	return p, in, k, a, u, c
}

func extras() (*driveway.Workflow, *driveway.WebhookEndpoint) {
	w := &driveway.Workflow{ProjectID: ProjectID, ID: WorkflowID, Name: "Fixture workflow", TriggerType: "request",
		DefaultEnabled: true, Definition: json.RawMessage(`{"id":"fixture-workflow","trigger":{"type":"request"},"steps":[]}`),
		CreatedAt: base, UpdatedAt: base}
	e := &driveway.WebhookEndpoint{ProjectID: ProjectID, ID: EndpointID, URL: "https://app.example.com/hooks", Enabled: true,
		Secrets: []driveway.WebhookSecret{{ID: "whs_fixture", Value: WebhookSecret, CreatedAt: base}}, CreatedAt: base, UpdatedAt: base}
	return w, e
}

// Populate writes the fixture's records into a store at the old release.
func Populate(t testing.TB, s driveway.Store) {
	t.Helper()
	ctx := context.Background()
	p, in, k, a, u, c := records()
	w, e := extras()
	steps := []struct {
		what string
		err  error
	}{
		{"project", s.CreateProject(ctx, p)}, {"integration", s.PutIntegration(ctx, in)},
		{"signing key", s.CreateSigningKey(ctx, k)}, {"API key", s.CreateAPIKey(ctx, a)},
		{"user", s.UpsertConnectedUser(ctx, u)}, {"credential", s.CreateCredential(ctx, c)},
		{"workflow", s.PutWorkflow(ctx, w)}, {"webhook endpoint", s.CreateWebhookEndpoint(ctx, e)},
	}
	for _, st := range steps {
		if st.err != nil {
			t.Fatalf("populate %s: %v", st.what, st.err)
		}
	}
}
