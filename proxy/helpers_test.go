package proxy_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/internal/testdb"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/proxy"
	"github.com/drivewayhq/driveway/sqlite"
)

const (
	projectID = "prj_proxytest"
	userID    = "alice"
	userToken = "user-token-alice" // what the test front end maps to the principal
)

// bundle is one test's world: the emulator on loopback, a SQLite store
// with a project, an integration and Alice's credential, the proxy behind
// a front server that turns the bearer user token into a principal.
type bundle struct {
	emu      *emulator.Server
	store    *sqlite.Store
	tokens   *emuTokens
	proxy    *proxy.Proxy
	front    *httptest.Server
	emuUser  emulator.User
	clientID string
	cred     *driveway.Credential
	logs     *syncBuffer
}

type bundleOpts struct {
	emu   emulator.Options
	proxy func(*proxy.Proxy)
}

func newBundle(t testing.TB, o bundleOpts) *bundle {
	t.Helper()
	ctx := t.Context()
	b := &bundle{logs: &syncBuffer{}}
	b.emu = emulator.StartTest(t, o.emu)
	app, err := b.emu.CreateApp(emulator.AppSpec{Name: "proxy test", RedirectURIs: []string{"http://localhost/cb"}})
	if err != nil {
		t.Fatalf("create app: %v", err)
	}
	b.clientID = app.ClientID
	b.emuUser, err = b.emu.CreateUser(emulator.UserSpec{UPN: "alice@outlook.com", DisplayName: "Alice"})
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	b.store = openStore(t)
	mustDo(t, "create project", b.store.CreateProject(ctx, &driveway.Project{ID: projectID, Name: "proxy"}))
	mustDo(t, "put integration", b.store.PutIntegration(ctx, &driveway.Integration{ProjectID: projectID, ClientID: app.ClientID,
		Scopes: []string{"Files.ReadWrite.All", "offline_access"}, Tenant: driveway.TenantCommon, Cloud: driveway.CloudGlobal, Enabled: true}))
	mustDo(t, "upsert user", b.store.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: projectID, ID: userID}))
	b.cred = b.addCredential(t, userID, driveway.CredentialValid, "")
	b.tokens = &emuTokens{store: b.store, emu: b.emu.Emulator, user: b.emuUser.ID, clientID: app.ClientID}
	b.proxy = &proxy.Proxy{
		Tokens:        b.tokens,
		Store:         b.store,
		Resolver:      microsoft.Resolver{Override: &microsoft.Endpoints{Login: b.emu.BaseURL, Graph: b.emu.BaseURL}},
		Logger:        slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		DownloadHosts: []string{hostOf(t, b.emu.PreAuthBaseURL)},
		MaxRetryWait:  4 * time.Second,
	}
	if o.proxy != nil {
		o.proxy(b.proxy)
	}
	b.front = httptest.NewServer(withPrincipal(b.proxy))
	t.Cleanup(b.front.Close)
	// Connections dialed but never used would hold the emulator's Shutdown
	// for 5 s (net/http treats them as new, not idle).
	t.Cleanup(b.proxy.CloseIdleConnections)
	return b
}

// addCredential stores a OneDrive credential of user with a fresh
// emulator token.
func (b *bundle) addCredential(t testing.TB, user, status, reason string) *driveway.Credential {
	t.Helper()
	tok, err := b.emu.IssueAccessToken(b.emuUser.ID, b.clientID, "Files.ReadWrite.All", "User.Read")
	if err != nil {
		t.Fatalf("issue token: %v", err)
	}
	c := &driveway.Credential{ID: fmt.Sprintf("cred_%s_%d", user, credSeq.Add(1)), ProjectID: projectID, UserID: user,
		Integration: driveway.IntegrationOneDrive, Status: status, HealthReason: reason,
		Account: driveway.Account{TenantID: b.emuUser.TenantID, ObjectID: b.emuUser.ID, UserPrincipalName: b.emuUser.UPN},
		DriveID: b.emuUser.DriveID, DriveType: driveway.DrivePersonal, AccessToken: tok, RefreshToken: "rt-" + user,
		AccessTokenExpiresAt: time.Now().Add(time.Hour)}
	mustDo(t, "create credential", b.store.CreateCredential(t.Context(), c))
	return c
}

var credSeq atomic.Int64

// withPrincipal stands in for the SDK API's auth middleware: a bearer
// "user-token-<id>" is the end user <id> of projectID.
func withPrincipal(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer user-token-"); ok {
			r = r.WithContext(driveway.WithPrincipal(r.Context(), &driveway.Principal{ProjectID: projectID, UserID: id}))
		}
		h.ServeHTTP(w, r)
	})
}

// proxyURL is the proxy URL of a Graph path (given escaped).
func (b *bundle) proxyURL(path string) string {
	return b.front.URL + "/projects/" + projectID + "/sdk/proxy/onedrive/" + strings.TrimPrefix(path, "/")
}

// do sends a request through the proxy as Alice and returns the answer
// with its body read.
func (b *bundle) do(t *testing.T, method, path string, body []byte, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	return b.doAs(t, userID, method, path, body, hdr...)
}

// doAs is do as another end user.
func (b *bundle) doAs(t *testing.T, user, method, path string, body []byte, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, b.proxyURL(path), r)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer user-token-"+user)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s %s: %v", method, path, err)
	}
	return resp, raw
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// emuTokens is a small Tokens for tests: it hands out the stored token and,
// on Invalidate, issues a new one from the emulator (the real Microsoft
// here) and stores it, as the credential Manager would after a refresh.
type emuTokens struct {
	store     driveway.Store
	emu       *emulator.Emulator
	user      string
	clientID  string
	refreshes atomic.Int64
	// failRefresh, when set, makes Invalidate mark the credential INVALID
	// with this reason.
	failRefresh atomic.Value
	mu          sync.Mutex
	// asked records every credential id AccessToken was called with (the
	// credential Manager refreshes there when the token is due).
	asked sync.Map
}

func (e *emuTokens) AccessToken(ctx context.Context, pid, id string) (string, *driveway.Credential, error) {
	e.asked.Store(id, true)
	c, err := e.store.GetCredential(ctx, pid, id)
	if err != nil {
		return "", nil, err
	}
	if c.Status != driveway.CredentialValid {
		return "", c, driveway.Errorf(driveway.EFORBIDDEN, "the OneDrive connection is not valid: the user must reconnect")
	}
	return c.AccessToken, c, nil
}

func (e *emuTokens) Invalidate(ctx context.Context, pid, id, stale string) (string, *driveway.Credential, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.store.GetCredential(ctx, pid, id)
	if err != nil {
		return "", nil, err
	}
	if c.AccessToken != stale {
		return c.AccessToken, c, nil
	}
	e.refreshes.Add(1)
	if reason, _ := e.failRefresh.Load().(string); reason != "" {
		c.Status, c.HealthReason = driveway.CredentialInvalid, reason
		if err := e.store.UpdateCredential(ctx, c); err != nil {
			return "", nil, err
		}
		return "", c, driveway.Errorf(driveway.EFORBIDDEN, "the OneDrive connection was revoked or has expired: the user must reconnect")
	}
	tok, err := e.emu.IssueAccessToken(e.user, e.clientID, "Files.ReadWrite.All", "User.Read")
	if err != nil {
		return "", nil, err
	}
	c.AccessToken = tok
	if err := e.store.UpdateCredential(ctx, c); err != nil {
		return "", nil, err
	}
	return tok, c, nil
}

func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	return testdb.SQLite(t)
}

func mustDo(t testing.TB, what string, err error) {
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

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
