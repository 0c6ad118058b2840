package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// base is a fixed instant with sub-second digits, microsecond precision,
// relative to which fixtures set times; no test asserts an absolute time.
var base = time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)

func at(d time.Duration) time.Time { return base.Add(d) }

// eq compares records; nil and empty slices and maps are the same.
func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Fatalf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// code fails t unless err carries the domain error code want.
func code(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := driveway.ErrorCode(err); got != want {
		t.Fatalf("%s: error %v (code %q), want code %q", what, err, got, want)
	}
}

func ok(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func newProject(t *testing.T, q driveway.Queries, id string) *driveway.Project {
	t.Helper()
	p := &driveway.Project{ID: id, Name: "Project " + id, AllowedOrigins: []string{"https://app.example.com"},
		CreatedAt: at(time.Duration(len(id)) * time.Second), UpdatedAt: at(time.Minute)}
	ok(t, "CreateProject", q.CreateProject(context.Background(), p))
	return p
}

func newUser(t *testing.T, q driveway.Queries, projectID, id string) *driveway.ConnectedUser {
	t.Helper()
	u := &driveway.ConnectedUser{ProjectID: projectID, ID: id, Metadata: map[string]any{"Name": "User " + id, "Email": id + "@example.com"},
		CreatedAt: at(time.Second), UpdatedAt: at(2 * time.Second)}
	ok(t, "UpsertConnectedUser", q.UpsertConnectedUser(context.Background(), u))
	return u
}

// credential returns a credential with every field set; secrets carry tag.
func credential(projectID, userID, id, tag string) *driveway.Credential {
	return &driveway.Credential{
		ID: id, ProjectID: projectID, UserID: userID, Integration: driveway.IntegrationOneDrive,
		Status: driveway.CredentialValid, HealthReason: "",
		Account: driveway.Account{TenantID: "tid-" + id, ObjectID: "oid-" + id, UserPrincipalName: id + "@contoso.com",
			DisplayName: "Display " + id, Email: id + "@contoso.com"},
		DriveID: "drive-" + id, DriveType: driveway.DriveBusiness,
		AccessToken: "access-" + tag, RefreshToken: "refresh-" + tag,
		AccessTokenExpiresAt: at(time.Hour), Scopes: []string{"Files.ReadWrite", "offline_access"},
		LastRefreshAt: at(30 * time.Minute), RefreshFailures: 0,
		CreatedAt: at(time.Second), UpdatedAt: at(2 * time.Second),
	}
}

func newCredential(t *testing.T, q driveway.Queries, projectID, userID, id, tag string) *driveway.Credential {
	t.Helper()
	c := credential(projectID, userID, id, tag)
	ok(t, "CreateCredential", q.CreateCredential(context.Background(), c))
	return c
}

// integration returns settings with two client secrets, a certificate and
// an alarm; secrets carry tag.
func integration(projectID, tag string) *driveway.Integration {
	return &driveway.Integration{
		ProjectID: projectID, ClientID: "client-" + projectID,
		ClientSecrets: []driveway.ClientSecret{
			{ID: "sec_b", Value: "secret-one-" + tag, Hint: "aaaa", ExpiresAt: at(90 * 24 * time.Hour), CreatedAt: at(time.Second)},
			{ID: "sec_a", Value: "secret-two-" + tag, Hint: "bbbb", ExpiresAt: at(10 * 24 * time.Hour), CreatedAt: at(2 * time.Second)},
		},
		Certificate: &driveway.Certificate{PrivateKey: "-----BEGIN PRIVATE KEY-----\n" + tag + "\n-----END PRIVATE KEY-----\n",
			Thumbprint: "thumb-" + projectID, ExpiresAt: at(365 * 24 * time.Hour)},
		Scopes: []string{"Files.Read", "offline_access"}, Tenant: driveway.TenantCommon, Cloud: driveway.CloudGlobal,
		Enabled: true, AllowAccountAuth: true,
		Alarm:     &driveway.IntegrationAlarm{Reason: "app_credentials_invalid", Detail: "AADSTS7000215", Since: at(time.Minute)},
		UpdatedAt: at(3 * time.Second),
	}
}

func newSigningKey(t *testing.T, q driveway.Queries, projectID, id string) *driveway.SigningKey {
	t.Helper()
	k := &driveway.SigningKey{ProjectID: projectID, ID: id, Alg: driveway.AlgES256,
		PublicKey: "-----BEGIN PUBLIC KEY-----\n" + id + "\n-----END PUBLIC KEY-----\n", Audience: "aud-" + id, CreatedAt: at(time.Second)}
	ok(t, "CreateSigningKey", q.CreateSigningKey(context.Background(), k))
	return k
}

func newAPIKey(t *testing.T, q driveway.Queries, projectID, id string) *driveway.APIKey {
	t.Helper()
	k := &driveway.APIKey{ID: id, ProjectID: projectID, Name: "key " + id, Hash: []byte("hash-" + id + "\x00\xff"),
		Role: driveway.KeyAdmin, CreatedAt: at(time.Second)}
	ok(t, "CreateAPIKey", q.CreateAPIKey(context.Background(), k))
	return k
}

func oauthState(projectID, userID, id, tag string) *driveway.OAuthState {
	return &driveway.OAuthState{ID: id, ProjectID: projectID, UserID: userID, CredentialID: "",
		Verifier: "verifier-" + tag, RedirectURI: "http://127.0.0.1:8080/oauth", Origin: "https://app.example.com",
		SessionID: "meta-" + id, CreatedAt: at(time.Second), ExpiresAt: at(10 * time.Minute)}
}
