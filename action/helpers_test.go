package action_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/action"
	"github.com/drivewayhq/driveway/internal/testdb"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/proxy"
	"github.com/drivewayhq/driveway/sqlite"
)

const projectID = "prj_actiontest"

var modes = []string{emulator.ModePersonal, emulator.ModeBusiness}

// bundle is one test's world: the emulator on loopback, a SQLite store
// with a project, an integration and alice's credential, the proxy, the
// executor, and a front server that serves the Actions API with the
// bearer "user-token-<id>" as the principal.
type bundle struct {
	emu     *emulator.Server
	user    emulator.User
	store   *sqlite.Store
	tokens  *emuTokens
	exec    *action.Executor
	front   *httptest.Server
	cred    *driveway.Credential
	logs    *bytes.Buffer
	logMu   sync.Mutex
	mode    string
	alice   *driveway.Principal
	linkKey []byte
}

type opts struct {
	emu  emulator.Options
	exec func(*action.Executor)
}

func newBundle(t testing.TB, mode string, o opts) *bundle {
	t.Helper()
	ctx := t.Context()
	b := &bundle{mode: mode, logs: &bytes.Buffer{}, alice: &driveway.Principal{ProjectID: projectID, UserID: "alice"}}
	o.emu.RejectPreAuthAuthorization = true
	b.emu = emulator.StartTest(t, o.emu)
	app, err := b.emu.CreateApp(emulator.AppSpec{Name: "action test"})
	if err != nil {
		t.Fatalf("create app: %v", err)
	}
	spec := emulator.UserSpec{UPN: "alice@outlook.com"}
	if mode == emulator.ModeBusiness {
		tenant, err := b.emu.CreateTenant(emulator.TenantSpec{Name: "Contoso"})
		if err != nil {
			t.Fatalf("create tenant: %v", err)
		}
		spec = emulator.UserSpec{TenantID: tenant.ID, UPN: "alice@contoso.onmicrosoft.com"}
	}
	if b.user, err = b.emu.CreateUser(spec); err != nil {
		t.Fatalf("create user: %v", err)
	}
	b.store = openStore(t)
	must(t, "create project", b.store.CreateProject(ctx, &driveway.Project{ID: projectID, Name: "actions"}))
	must(t, "put integration", b.store.PutIntegration(ctx, &driveway.Integration{ProjectID: projectID, ClientID: app.ClientID,
		Scopes: []string{"Files.ReadWrite.All"}, Tenant: driveway.TenantCommon, Cloud: driveway.CloudGlobal, Enabled: true}))
	b.tokens = &emuTokens{store: b.store, emu: b.emu.Emulator, user: b.user.ID, clientID: app.ClientID, tokens: map[string]string{}}
	b.cred = b.addCredential(t, "alice", driveway.CredentialValid)
	resolver := microsoft.Resolver{Override: &microsoft.Endpoints{Login: b.emu.BaseURL, Graph: b.emu.BaseURL}}
	logger := slog.New(slog.NewTextHandler(&lockedWriter{b: b}, nil))
	p := &proxy.Proxy{Tokens: b.tokens, Store: b.store, Resolver: resolver, Logger: logger,
		DownloadHosts: []string{hostOf(t, b.emu.PreAuthBaseURL)}, MaxRetryWait: time.Second}
	t.Cleanup(p.CloseIdleConnections)
	cat, err := action.NewCatalogue()
	if err != nil {
		t.Fatalf("catalogue: %v", err)
	}
	seed := make([]byte, 32)
	_, _ = rand.Read(seed)
	b.linkKey = action.DeriveLinkKey(seed)
	b.exec = &action.Executor{Catalogue: cat, Store: b.store, Tokens: b.tokens, Resolver: resolver, Proxy: p,
		HTTP:    &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
		LinkKey: b.linkKey, MaxRetryAfter: time.Second, CopyWait: 10 * time.Second, CopyPollInterval: 5 * time.Millisecond, Logger: logger}
	if o.exec != nil {
		o.exec(b.exec)
	}
	mux := http.NewServeMux()
	for _, r := range b.exec.Routes() {
		mux.Handle(r.Pattern, withPrincipal(r.Handler))
	}
	for _, r := range b.exec.PublicRoutes() {
		mux.Handle(r.Pattern, r.Handler)
	}
	b.front = httptest.NewServer(mux)
	t.Cleanup(b.front.Close)
	if b.exec.PublicURL == "" {
		b.exec.PublicURL = b.front.URL
	}
	return b
}

type lockedWriter struct{ b *bundle }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.b.logMu.Lock()
	defer w.b.logMu.Unlock()
	return w.b.logs.Write(p)
}

func (b *bundle) logText() string {
	b.logMu.Lock()
	defer b.logMu.Unlock()
	return b.logs.String()
}

var credSeq struct {
	sync.Mutex
	n int
}

// addCredential stores a OneDrive credential of the user.
func (b *bundle) addCredential(t testing.TB, user, status string) *driveway.Credential {
	t.Helper()
	credSeq.Lock()
	credSeq.n++
	id := fmt.Sprintf("cred_%s_%d", user, credSeq.n)
	credSeq.Unlock()
	must(t, "upsert user", b.store.UpsertConnectedUser(t.Context(), &driveway.ConnectedUser{ProjectID: projectID, ID: user}))
	c := &driveway.Credential{ID: id, ProjectID: projectID, UserID: user, Integration: driveway.IntegrationOneDrive, Status: status,
		Account: driveway.Account{TenantID: b.user.TenantID, ObjectID: b.user.ID, UserPrincipalName: b.user.UPN},
		DriveID: b.user.DriveID, DriveType: driveway.DrivePersonal, AccessToken: "unused", RefreshToken: "unused",
		AccessTokenExpiresAt: time.Now().Add(time.Hour)}
	must(t, "create credential", b.store.CreateCredential(t.Context(), c))
	return c
}

// run runs an action for alice through the executor.
func (b *bundle) run(t testing.TB, name string, params map[string]any) (map[string]any, error) {
	t.Helper()
	out, err := b.exec.Run(t.Context(), b.alice, "", name, params)
	if err != nil {
		return nil, err
	}
	return asMap(t, out), nil
}

// mustRun is run failing the test on an error.
func (b *bundle) mustRun(t testing.TB, name string, params map[string]any) map[string]any {
	t.Helper()
	out, err := b.run(t, name, params)
	if err != nil {
		t.Fatalf("%s %v: %v", name, params, err)
	}
	return out
}

func asMap(t testing.TB, v any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode output: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("decode output: %v", err)
	}
	return m
}

// write creates a file in alice's drive, as the OneDrive app would.
func (b *bundle) write(t testing.TB, path, content string) emulator.ItemInfo {
	t.Helper()
	info, err := b.emu.WriteFile(b.user.ID, path, []byte(content))
	if err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
	return info
}

func (b *bundle) mkdir(t testing.TB, path string) emulator.ItemInfo {
	t.Helper()
	info, err := b.emu.MakeFolder(b.user.ID, path)
	if err != nil {
		t.Fatalf("mkdir %s: %v", path, err)
	}
	return info
}

// post calls POST /projects/{pid}/actions over HTTP as alice.
func (b *bundle) post(t testing.TB, path string, body io.Reader, ctype string, hdr map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, b.front.URL+path, body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer user-token-alice")
	req.Header.Set("Content-Type", ctype)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return do(t, req)
}

func (b *bundle) get(t testing.TB, path string, auth bool) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, b.front.URL+path, nil)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if auth {
		req.Header.Set("Authorization", "Bearer user-token-alice")
	}
	return do(t, req)
}

func do(t testing.TB, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return res.StatusCode, res.Header, raw
}

// withPrincipal stands in for connect.Handler.Authenticated: a bearer
// "user-token-<id>" is the end user <id> of projectID.
func withPrincipal(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer user-token-")
		if !ok {
			http.Error(w, `{"message":"no token"}`, http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r.WithContext(driveway.WithPrincipal(r.Context(), &driveway.Principal{ProjectID: projectID, UserID: id})))
	})
}

// emuTokens hands out emulator tokens for stored credentials: the edge
// fake of the credential manager.
type emuTokens struct {
	store            driveway.Store
	emu              *emulator.Emulator
	user, clientID   string
	mu               sync.Mutex
	tokens           map[string]string
	invalidateCalled int
	// asked records every credential id AccessToken was called with (the
	// credential Manager refreshes there when the token is due).
	asked sync.Map
}

func (e *emuTokens) AccessToken(ctx context.Context, projectID, credentialID string) (string, *driveway.Credential, error) {
	e.asked.Store(credentialID, true)
	c, err := e.store.GetCredential(ctx, projectID, credentialID)
	if err != nil {
		return "", nil, err
	}
	if c.Status != driveway.CredentialValid {
		return "", c, driveway.Errorf(driveway.EFORBIDDEN, "credential not valid")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if tok := e.tokens[credentialID]; tok != "" {
		return tok, c, nil
	}
	tok, err := e.emu.IssueAccessToken(e.user, e.clientID, "Files.ReadWrite.All", "Sites.ReadWrite.All")
	if err != nil {
		return "", nil, err
	}
	e.tokens[credentialID] = tok
	return tok, c, nil
}

func (e *emuTokens) Invalidate(ctx context.Context, projectID, credentialID, stale string) (string, *driveway.Credential, error) {
	e.mu.Lock()
	e.invalidateCalled++
	if e.tokens[credentialID] == stale {
		delete(e.tokens, credentialID)
	}
	e.mu.Unlock()
	return e.AccessToken(ctx, projectID, credentialID)
}

func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	return testdb.SQLite(t)
}

func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func hostOf(t testing.TB, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	return u.Host
}

// actionErr returns the *action.Error of err, failing the test otherwise.
func actionErr(t testing.TB, err error) *action.Error {
	t.Helper()
	var ae *action.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *action.Error", err, err)
	}
	return ae
}
