package proxy_test

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/credential"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/proxy"
)

var managerScopes = []string{"Files.ReadWrite.All", "User.Read", "offline_access"}

// TestWithTheCredentialManager wires the real credential.Manager: a
// credential connected through the emulator's authorization-code flow,
// a Graph 401 refreshed through the emulator's token endpoint, then a
// revoked grant answered 401 with the credential's status and reason.
func TestWithTheCredentialManager(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	emu := emulator.StartTest(t, emulator.Options{AutoConsent: true})
	const redirect = "http://localhost/oauth"
	app, err := emu.CreateApp(emulator.AppSpec{RedirectURIs: []string{redirect},
		Secrets: []emulator.Secret{{Value: "app-secret-0123456789", Expires: time.Now().AddDate(1, 0, 0)}}})
	mustDo(t, "app", err)
	user, err := emu.CreateUser(emulator.UserSpec{UPN: "grace@outlook.com"})
	mustDo(t, "user", err)
	st := openStore(t)
	mustDo(t, "project", st.CreateProject(ctx, &driveway.Project{ID: projectID, Name: "m"}))
	mustDo(t, "integration", st.PutIntegration(ctx, &driveway.Integration{ProjectID: projectID, ClientID: app.ClientID,
		ClientSecrets: []driveway.ClientSecret{{ID: "sec_1", Value: app.Secrets[0].Value, Hint: "6789"}},
		Scopes:        managerScopes, Tenant: driveway.TenantCommon, Cloud: driveway.CloudGlobal, Enabled: true}))
	mustDo(t, "connected user", st.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: projectID, ID: userID}))

	ep := &microsoft.Endpoints{Login: emu.BaseURL, Graph: emu.BaseURL}
	id := &microsoft.Identity{Endpoints: *ep}
	verifier := strings.Repeat("k", 50)
	sum := sha256.Sum256([]byte(verifier))
	authURL := id.AuthorizeURL(microsoft.AuthorizeRequest{Tenant: "common", ClientID: app.ClientID, RedirectURI: redirect,
		State: "s", CodeChallenge: base64.RawURLEncoding.EncodeToString(sum[:]), Scopes: managerScopes, LoginHint: user.UPN})
	resp, err := noRedirect.Get(authURL)
	mustDo(t, "authorize", err)
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	tok, err := id.ExchangeCode(ctx, "common", microsoft.App{ClientID: app.ClientID, Secrets: []string{app.Secrets[0].Value}},
		loc.Query().Get("code"), redirect, verifier, managerScopes)
	mustDo(t, "exchange code", err)
	cred := &driveway.Credential{ID: "cred_grace", ProjectID: projectID, UserID: userID, Integration: driveway.IntegrationOneDrive,
		Status: driveway.CredentialValid, Account: driveway.Account{TenantID: user.TenantID, ObjectID: user.ID}, DriveID: user.DriveID,
		AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, AccessTokenExpiresAt: tok.ExpiresAt, LastRefreshAt: time.Now()}
	mustDo(t, "credential", st.CreateCredential(ctx, cred))

	logs := &syncBuffer{}
	p := &proxy.Proxy{
		Tokens:   &credential.Manager{Store: st, Endpoints: ep, Logger: slog.New(slog.NewTextHandler(logs, nil))},
		Store:    st,
		Resolver: microsoft.Resolver{Override: ep},
		Logger:   slog.New(slog.NewTextHandler(logs, nil)),
		CacheTTL: -1,
	}
	front := httptest.NewServer(withPrincipal(p))
	t.Cleanup(front.Close)
	get := func() (*http.Response, string) {
		req, _ := http.NewRequestWithContext(ctx, "GET", front.URL+"/projects/"+projectID+"/sdk/proxy/onedrive/me/drive", nil)
		req.Header.Set("Authorization", "Bearer "+userToken)
		resp, err := http.DefaultClient.Do(req)
		mustDo(t, "get", err)
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		mustDo(t, "read", err)
		return resp, string(raw)
	}

	emu.ExpireAccessTokens(user.ID) // Graph now answers 401 to the stored token
	if resp, body := get(); resp.StatusCode != 200 {
		t.Fatalf("after expiry: %d %s", resp.StatusCode, body)
	}
	if n := emu.Counters().TokenGrants["refresh_token"]; n != 1 {
		t.Fatalf("refresh_token grants = %d, want 1", n)
	}
	emu.RevokeGrants(user.ID, "", 70008)
	emu.ExpireAccessTokens(user.ID)
	resp, body := get()
	if resp.StatusCode != 401 || !strings.Contains(body, `"status":"INVALID","reason":"needs_reauth"`) {
		t.Fatalf("after revocation: %d %s", resp.StatusCode, body)
	}
	for _, secret := range []string{tok.AccessToken, tok.RefreshToken, app.Secrets[0].Value} {
		if strings.Contains(logs.String(), secret) || strings.Contains(body, secret) {
			t.Fatalf("a token or secret is in the logs or the answer")
		}
	}
}
