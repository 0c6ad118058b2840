package connect_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/connect"
	"github.com/drivewayhq/driveway/credential"
	"github.com/drivewayhq/driveway/filechange"
	"github.com/drivewayhq/driveway/httpapi"
	"github.com/drivewayhq/driveway/internal/testdb"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/proxy"
	"github.com/drivewayhq/driveway/sqlite"
	"github.com/drivewayhq/driveway/usertoken"
	"github.com/drivewayhq/driveway/workflow"
)

// appOrigin is the customer's app origin every test project allows.
const appOrigin = "https://app.example.com"

// env is one test's world: the emulator, a store, and Driveway on loopback.
type env struct {
	t       *testing.T
	emu     *emulator.Server
	store   driveway.Store
	handler *connect.Handler
	url     string            // Driveway's public URL
	tlsCert *x509.Certificate // with tls: the server's certificate
	offset  atomic.Int64
	tenant  emulator.Tenant
	user    emulator.User // adele, a work account
	user2   emulator.User // megan, same tenant
	app     emulator.App
	key     *rsa.PrivateKey
	project *driveway.Project
	logs    *syncBuffer // every log line of Driveway
	// workflows is the workflow engine, with envOptions.workflows.
	workflows *workflow.Engine
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
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

type envOptions struct {
	postgres    bool
	autoConsent bool
	// origins are added to the project's allowed origins.
	origins []string
	// proxy serves the Graph proxy too, with a credential.Manager as the
	// token source (also the handler's Tokens).
	proxy bool
	// workflows wires a workflow engine and a working queue as the server
	// does: workflowMeta in the SDK API, the enable and trigger routes.
	workflows bool
	// tls serves Driveway over https (httptest's certificate), as the
	// published SDK's configureGlobal always derives https URLs.
	tls bool
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	e := &env{t: t, logs: &syncBuffer{}}
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.emu = emulator.StartTest(t, emulator.Options{AutoConsent: o.autoConsent})
	if o.postgres {
		e.store = postgresStore(t)
	} else {
		e.store = sqliteStore(t)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	e.url = "http://" + ln.Addr().String()
	if o.tls {
		e.url = "https://" + ln.Addr().String()
	}
	verifier := &usertoken.Verifier{Keys: e.store.ListSigningKeys, Cache: &usertoken.Cache{}}
	e.handler = &connect.Handler{Store: e.store, Verifier: verifier, PublicURL: e.url,
		Resolver: microsoft.Resolver{Override: &microsoft.Endpoints{Login: e.emu.BaseURL, Graph: e.emu.BaseURL}},
		Now:      func() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }, Logger: logger}
	if o.workflows {
		e.wireWorkflows(t)
	}
	api := &httpapi.Server{Connect: e.handler, Logger: logger}
	if o.proxy {
		ep := &microsoft.Endpoints{Login: e.emu.BaseURL, Graph: e.emu.BaseURL}
		tokens := &credential.Manager{Store: e.store, Endpoints: ep, Logger: logger}
		p := &proxy.Proxy{Tokens: tokens, Store: e.store, Resolver: microsoft.Resolver{Override: ep}, Logger: logger}
		if u, err := url.Parse(e.emu.PreAuthBaseURL); err == nil {
			p.DownloadHosts = []string{u.Host} // follow the emulator's download redirects, as driveway dev does
		}
		e.handler.Tokens = tokens
		api.Front = func(router http.Handler) http.Handler { return proxy.Front(e.handler.Authenticated(p), router) }
	}
	api.PublicHost = "127.0.0.1"
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: api.Handler()}}
	if o.tls {
		srv.StartTLS()
		e.tlsCert = srv.Certificate()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	e.seedMicrosoft()
	e.project = e.newProject("Acme", append([]string{appOrigin}, o.origins...))
	return e
}

func (e *env) seedMicrosoft() {
	t := e.t
	var err error
	if e.tenant, err = e.emu.CreateTenant(emulator.TenantSpec{Name: "Contoso", Domain: "contoso.onmicrosoft.com"}); err != nil {
		t.Fatalf("create tenant: %v", err)
	}
	if e.user, err = e.emu.CreateUser(emulator.UserSpec{TenantID: e.tenant.ID, UPN: "adele@contoso.onmicrosoft.com", DisplayName: "Adele Vance"}); err != nil {
		t.Fatalf("create user: %v", err)
	}
	if e.user2, err = e.emu.CreateUser(emulator.UserSpec{TenantID: e.tenant.ID, UPN: "megan@contoso.onmicrosoft.com", DisplayName: "Megan Bowen"}); err != nil {
		t.Fatalf("create user: %v", err)
	}
	e.app, err = e.emu.CreateApp(emulator.AppSpec{Name: "Acme Files", TenantID: e.tenant.ID, RedirectURIs: []string{e.url + "/oauth"}})
	if err != nil {
		t.Fatalf("create app: %v", err)
	}
	if e.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatalf("generate key: %v", err)
	}
}

// newProject creates a project with OneDrive enabled and a signing key.
func (e *env) newProject(name string, origins []string) *driveway.Project {
	t := e.t
	ctx := t.Context()
	now := time.Now().UTC()
	p := &driveway.Project{ID: "prj_" + strings.ToLower(randHex(8)), Name: name, AllowedOrigins: origins, CreatedAt: now, UpdatedAt: now}
	if err := e.store.CreateProject(ctx, p); err != nil {
		t.Fatalf("create project: %v", err)
	}
	in := &driveway.Integration{ProjectID: p.ID, ClientID: e.app.ClientID, Tenant: driveway.TenantCommon, Cloud: driveway.CloudGlobal,
		Scopes: []string{"offline_access", "User.Read", "Files.ReadWrite"}, Enabled: true, UpdatedAt: now,
		ClientSecrets: []driveway.ClientSecret{{ID: "sec_" + randHex(8), Value: e.app.Secrets[0].Value, Hint: "xxxx",
			ExpiresAt: now.AddDate(1, 0, 0), CreatedAt: now}}}
	if err := e.store.PutIntegration(ctx, in); err != nil {
		t.Fatalf("put integration: %v", err)
	}
	der, err := x509.MarshalPKIXPublicKey(&e.key.PublicKey)
	if err != nil {
		t.Fatalf("marshal key: %v", err)
	}
	pub := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if err := e.store.CreateSigningKey(ctx, &driveway.SigningKey{ProjectID: p.ID, ID: "k1", Alg: driveway.AlgRS256, PublicKey: pub, CreatedAt: now}); err != nil {
		t.Fatalf("create signing key: %v", err)
	}
	return p
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// token signs a user token for sub.
func (e *env) token(sub string) string {
	e.t.Helper()
	tok, err := usertoken.Sign(e.key, "k1", usertoken.Claims{Subject: sub, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		e.t.Fatalf("sign: %v", err)
	}
	return tok
}

// advance moves Driveway's clock forward.
func (e *env) advance(d time.Duration) { e.offset.Add(int64(d)) }

func sqliteStore(t *testing.T) driveway.Store {
	t.Helper()
	s := testdb.SQLite(t)
	return s
}

const postgresURLVar = "DRIVEWAY_TEST_POSTGRES_URL"

func postgresStore(t *testing.T) driveway.Store {
	t.Helper()
	raw := os.Getenv(postgresURLVar)
	if raw == "" {
		t.Skipf("Postgres tests skipped: set %s", postgresURLVar)
	}
	pool, err := pgxpool.New(t.Context(), raw)
	if err != nil {
		t.Fatalf("connect postgres: %v", err)
	}
	t.Cleanup(pool.Close)
	schema := "connect_test_" + randHex(6)
	if _, err := pool.Exec(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = pool.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
	})
	u, _ := url.Parse(raw)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	s, err := postgres.Open(t.Context(), u.String(), testSealer(t))
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

func testSealer(t *testing.T) driveway.Sealer {
	t.Helper()
	return testdb.Keyring(t)
}

// noRedirect is a client that returns redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout: 20 * time.Second}

// call sends a request to Driveway and returns the status and body.
func (e *env) call(method, path, token string, body any, headers ...string) (int, []byte, http.Header) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	target := path
	if !strings.HasPrefix(path, "http") {
		target = e.url + path
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, target, rd)
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

// callJSON is call that decodes a 2xx JSON answer into v.
func (e *env) callJSON(method, path, token string, body, v any, headers ...string) {
	e.t.Helper()
	status, b, _ := e.call(method, path, token, body, headers...)
	if status/100 != 2 {
		e.t.Fatalf("%s %s = %d %s", method, path, status, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// buildOAuth starts a sign-in and returns the authorize URL.
func (e *env) buildOAuth(p *driveway.Project, token, session, selected string) string {
	e.t.Helper()
	q := url.Values{"action": {"onedrive"}, "integrationId": {connect.IntegrationID(p.ID)},
		"originForPostMessage": {appOrigin}, "oauthMetaKeyId": {session}}
	if selected != "" {
		q.Set("selectedCredentialId", selected)
	}
	var out struct {
		RedirectURL string `json:"redirectUrl"`
	}
	e.callJSON("GET", "/v2/projects/"+p.ID+"/sdk/actions/build-oauth?"+q.Encode(), token, nil, &out)
	if out.RedirectURL == "" {
		e.t.Fatal("build-oauth gave no redirectUrl")
	}
	return out.RedirectURL
}

// authorize follows the authorize URL (AutoConsent) and returns the
// callback URL the emulator redirects to.
func (e *env) authorize(authorizeURL, upn string) string {
	e.t.Helper()
	e.emu.SetNextUser(upn)
	status, body, h := e.call("GET", authorizeURL, "", nil)
	if status != http.StatusFound {
		e.t.Fatalf("authorize = %d %s", status, body)
	}
	loc := h.Get("Location")
	if !strings.HasPrefix(loc, e.url+"/oauth?") {
		e.t.Fatalf("authorize redirected to %q, want Driveway's /oauth", loc)
	}
	return loc
}

// install runs build-oauth → authorize → /oauth and, as the SDK does, the
// completion call with the page's secret; it returns the callback page.
func (e *env) install(p *driveway.Project, token, session, selected, upn string) (callbackURL string, status int, page string) {
	e.t.Helper()
	cb := e.authorize(e.buildOAuth(p, token, session, selected), upn)
	status, body, _ := e.call("GET", cb, "", nil)
	if m := completionPattern.FindStringSubmatch(string(body)); m != nil {
		if st, out := e.finish(p.ID, token, m[1]); st != http.StatusOK {
			e.t.Logf("completion = %d %v", st, out)
		}
	}
	return cb, status, string(body)
}

func (e *env) grants() int { return e.emu.Counters().TokenGrants["authorization_code"] }

func (e *env) credentials(p *driveway.Project, user string) []*driveway.Credential {
	e.t.Helper()
	cs, err := e.store.ListCredentials(e.t.Context(), p.ID, user)
	if err != nil {
		e.t.Fatalf("list credentials: %v", err)
	}
	return cs
}

func must(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Fatalf(format, args...)
	}
}

var _ = fmt.Sprintf

// wireWorkflows gives the handler a workflow engine as cmd/driveway does.
func (e *env) wireWorkflows(t *testing.T) {
	s, ok := e.store.(*sqlite.Store)
	if !ok {
		t.Fatalf("workflows in the connect tests need SQLite, not %T", e.store)
	}
	q, err := jobs.NewSQLite(s.WriterDB(), jobs.Config{FastPoll: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	eng, err := workflow.New(workflow.Config{Store: e.store, Queue: q, Registry: workflow.NewRegistry(nil, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Register(); err != nil {
		t.Fatal(err)
	}
	if err := q.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(ctx)
	})
	e.workflows = eng
	e.handler.Workflows = func(ctx context.Context, projectID, userID string) ([]connect.WorkflowInfo, error) {
		m, err := eng.UserWorkflows(ctx, projectID, userID)
		var out []connect.WorkflowInfo
		for _, w := range m {
			out = append(out, connect.WorkflowInfo{ID: w.ID, Description: w.Description, DefaultEnabled: w.DefaultEnabled, Enabled: w.Enabled})
		}
		return out, err
	}
	for _, p := range workflow.Patterns {
		e.handler.SDKRoutes = append(e.handler.SDKRoutes, connect.Route{Pattern: p, Handler: eng.Handler()})
	}
	// The triggers API (the Paragon SDK's getTriggers), as the server wires it.
	ep := &microsoft.Endpoints{Login: e.emu.BaseURL, Graph: e.emu.BaseURL}
	fc, err := filechange.New(filechange.Options{Store: e.store, Queue: q, PublicURL: e.url,
		Tokens: &credential.Manager{Store: e.store, Endpoints: ep}, Resolver: microsoft.Resolver{Override: ep}})
	if err != nil {
		t.Fatal(err)
	}
	e.handler.SDKRoutes = append(e.handler.SDKRoutes, fc.SDKRoutes()...)
}
