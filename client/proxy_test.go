package client_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/client"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/proxy"
	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/sqlite"
)

// TestProxyAgainstTheRealProxy uploads, lists and downloads through
// Driveway's proxy in front of the emulator, with the Go client.
func TestProxyAgainstTheRealProxy(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	emu := emulator.StartTest(t, emulator.Options{RejectPreAuthAuthorization: true})
	app, err := emu.CreateApp(emulator.AppSpec{Name: "client test", RedirectURIs: []string{"http://localhost/cb"}})
	must(t, err)
	u, err := emu.CreateUser(emulator.UserSpec{UPN: "bo@outlook.com"})
	must(t, err)
	tok, err := emu.IssueAccessToken(u.ID, app.ClientID, "Files.ReadWrite.All")
	must(t, err)
	spec, _ := secret.GenerateKey()
	ring, err := secret.ParseKeyring(spec)
	must(t, err)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), ring)
	must(t, err)
	defer st.Close()
	must(t, st.Migrate(ctx))
	must(t, st.CreateProject(ctx, &driveway.Project{ID: "prj_c", Name: "c"}))
	must(t, st.PutIntegration(ctx, &driveway.Integration{ProjectID: "prj_c", ClientID: app.ClientID, Cloud: driveway.CloudGlobal,
		Tenant: driveway.TenantCommon, Scopes: []string{"offline_access"}, Enabled: true}))
	must(t, st.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: "prj_c", ID: "bo"}))
	must(t, st.CreateCredential(ctx, &driveway.Credential{ID: "cred_bo", ProjectID: "prj_c", UserID: "bo", Integration: driveway.IntegrationOneDrive,
		Status: driveway.CredentialValid, AccessToken: tok, RefreshToken: "x", AccessTokenExpiresAt: time.Now().Add(time.Hour)}))
	preauth, _ := url.Parse(emu.PreAuthBaseURL)
	p := &proxy.Proxy{Tokens: storedTokens{st}, Store: st, DownloadHosts: []string{preauth.Host},
		Resolver: microsoft.Resolver{Override: &microsoft.Endpoints{Login: emu.BaseURL, Graph: emu.BaseURL}}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer user-token-bo" { // stands in for the SDK auth middleware
			r = r.WithContext(driveway.WithPrincipal(r.Context(), &driveway.Principal{ProjectID: "prj_c", UserID: "bo"}))
		}
		p.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c := client.New(srv.URL, "")

	data := bytes.Repeat([]byte("driveway "), 10_000)
	resp, err := c.Proxy(ctx, "prj_c", "user-token-bo", client.ProxyRequest{Method: "PUT", Path: "/me/drive/root:/Report%20Q1.txt:/content",
		Body: bytes.NewReader(data), ContentLength: int64(len(data)), Header: http.Header{"Content-Type": {"text/plain"}}})
	must(t, err)
	if body := readAll(t, resp); resp.StatusCode != 201 || !strings.Contains(body, `"name":"Report Q1.txt"`) {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	resp, err = c.Proxy(ctx, "prj_c", "user-token-bo", client.ProxyRequest{Path: "me/drive/root/children?$select=name"})
	must(t, err)
	if body := readAll(t, resp); resp.StatusCode != 200 || !strings.Contains(body, "Report Q1.txt") {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	resp, err = c.Proxy(ctx, "prj_c", "user-token-bo", client.ProxyRequest{Path: "/me/drive/root:/Report%20Q1.txt:/content", CredentialID: "cred_bo"})
	must(t, err)
	if body := readAll(t, resp); resp.StatusCode != 200 || body != string(data) {
		t.Fatalf("download: %d, %d bytes", resp.StatusCode, len(body))
	}
	resp, err = c.Proxy(ctx, "prj_c", "user-token-bo", client.ProxyRequest{Path: "/me/drive/root:/Report%20Q1.txt:/content", ManualRedirect: true})
	must(t, err)
	readAll(t, resp)
	if resp.StatusCode != 302 || !strings.HasPrefix(resp.Header.Get("Location"), emu.PreAuthBaseURL) {
		t.Fatalf("manual redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = c.Proxy(ctx, "prj_c", "not-a-token", client.ProxyRequest{Path: "/me/drive"})
	must(t, err)
	if readAll(t, resp); resp.StatusCode != 401 {
		t.Fatalf("without a user token: %d, want 401", resp.StatusCode)
	}
}

type storedTokens struct{ st driveway.Store }

func (s storedTokens) AccessToken(ctx context.Context, pid, id string) (string, *driveway.Credential, error) {
	c, err := s.st.GetCredential(ctx, pid, id)
	if err != nil {
		return "", nil, err
	}
	return c.AccessToken, c, nil
}

func (s storedTokens) Invalidate(ctx context.Context, pid, id, _ string) (string, *driveway.Credential, error) {
	return "", nil, driveway.Errorf(driveway.EUNAVAILABLE, "no refresh in this test")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return string(b)
}
