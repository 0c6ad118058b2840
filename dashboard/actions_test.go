package dashboard_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/action"
	"github.com/drivewayhq/driveway/audit"
	"github.com/drivewayhq/driveway/dashboard"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// emuTokens hands out one emulator token for every stored credential.
type emuTokens struct {
	store driveway.Store
	token string
}

func (e emuTokens) AccessToken(ctx context.Context, pid, cid string) (string, *driveway.Credential, error) {
	c, err := e.store.GetCredential(ctx, pid, cid)
	return e.token, c, err
}

func (e emuTokens) Invalidate(ctx context.Context, pid, cid, _ string) (string, *driveway.Credential, error) {
	return e.AccessToken(ctx, pid, cid)
}

// withActions serves the bundle's dashboard again with an executor on the
// emulator, and returns the emulator and its user.
func withActions(t *testing.T, b *bundle) (*emulator.Server, emulator.User) {
	t.Helper()
	emu := emulator.StartTest(t, emulator.Options{})
	app, err := emu.CreateApp(emulator.AppSpec{Name: "dashboard"})
	if err != nil {
		t.Fatal(err)
	}
	user, err := emu.CreateUser(emulator.UserSpec{UPN: "ada@outlook.com"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := emu.IssueAccessToken(user.ID, app.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.svc.Store.PutIntegration(t.Context(), &driveway.Integration{ProjectID: b.project.ID, ClientID: app.ClientID,
		Tenant: driveway.TenantCommon, Cloud: driveway.CloudGlobal, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	cat, err := action.NewCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	ex := &action.Executor{Catalogue: cat, Store: b.svc.Store, Tokens: emuTokens{store: b.svc.Store, token: tok},
		Resolver: microsoft.Resolver{Override: &microsoft.Endpoints{Login: emu.BaseURL, Graph: emu.BaseURL}}}
	h := dashboard.New(dashboard.Options{Admin: b.svc, AdminPassword: testPassword, Sealer: parseRing(t, b.keySpec), Now: b.clock.Now,
		Actions: ex, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Audit: &audit.Recorder{Store: b.svc.Store}})
	mux := http.NewServeMux()
	mux.Handle("/dashboard/", h)
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	return emu, user
}

func TestActionsPageTriesAnAction(t *testing.T) {
	t.Parallel()
	b := setup(t)
	emu, user := withActions(t, b)
	b.login()
	const token = "ACCESS-TOKEN-CANARY-31"
	b.seedUser("user-1", "Ada Lovelace", "ada@example.test",
		&driveway.Credential{ID: "cred_ada", Status: driveway.CredentialValid, AccessToken: token, RefreshToken: token,
			AccessTokenExpiresAt: time.Now().Add(time.Hour), Account: driveway.Account{UserPrincipalName: "ada@outlook.com"}})

	resp, body := b.get(b.projectPath("/actions"))
	if resp.StatusCode != 200 {
		t.Fatalf("actions page: %d", resp.StatusCode)
	}
	for _, want := range []string{"ONEDRIVE_SAVE_FILE", "ONEDRIVE_REQUEST", "Input schema", "Output schema", "additionalProperties", "Ada Lovelace", "destructive"} {
		if !strings.Contains(body, want) {
			t.Errorf("actions page lacks %q", want)
		}
	}
	if strings.Contains(body, token) {
		t.Fatal("a token is on the page")
	}
	form := url.Values{"action": {"ONEDRIVE_CREATE_FOLDER"}, "credential": {"cred_ada"}, "parameters": {`{"name":"From the dashboard"}`}}
	resp, body = b.post(b.projectPath("/actions"), b.projectPath("/actions"), form)
	if resp.StatusCode != 200 || !strings.Contains(body, "ONEDRIVE_CREATE_FOLDER succeeded") {
		t.Fatalf("try it: %d\n%s", resp.StatusCode, body)
	}
	if _, err := emu.Stat(user.ID, "/From the dashboard"); err != nil {
		t.Fatalf("the folder was not created: %v", err)
	}
	// A validation error is shown, naming the field, with its status.
	form.Set("parameters", `{}`)
	resp, body = b.post(b.projectPath("/actions"), b.projectPath("/actions"), form)
	if resp.StatusCode != 400 || !strings.Contains(html.UnescapeString(body), `"field": "name"`) {
		t.Fatalf("invalid try: %d\n%s", resp.StatusCode, body)
	}
	// Without the CSRF token the form is refused.
	form.Del("csrf_token")
	resp, _ = b.do(b.srv, http.MethodPost, b.projectPath("/actions"), form, nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("no CSRF token: %d, want 403", resp.StatusCode)
	}
}

func TestActionsPageWithoutExecutor(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login()
	resp, body := b.get(b.projectPath("/actions"))
	if resp.StatusCode != 200 || !strings.Contains(body, "no action executor") {
		t.Fatalf("actions page without an executor: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = b.post(b.projectPath("/actions"), b.projectPath("/actions"), url.Values{"action": {"ONEDRIVE_LIST_DRIVES"}})
	if resp.StatusCode != http.StatusNotImplemented {
		t.Fatalf("try without an executor: %d, want 501", resp.StatusCode)
	}
}
