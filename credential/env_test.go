package credential_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/credential"
	"github.com/drivewayhq/driveway/ids"
	"github.com/drivewayhq/driveway/internal/testdb"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/sqlite"
	"github.com/drivewayhq/driveway/storetest"
)

const redirectURI = "http://localhost/oauth"

var testScopes = []string{"Files.ReadWrite", "offline_access", "openid", "profile"}

// env is one project with an integration and one connected credential,
// against a real emulator on loopback and a real store.
type env struct {
	t       *testing.T
	store   driveway.Store
	emu     *emulator.Emulator
	srv     *httptest.Server
	front   *front
	app     emulator.App
	user    emulator.User
	project string
	cred    *driveway.Credential
}

// front sits between Driveway and the emulator: it records the refresh
// tokens presented to the token endpoint and can answer for it instead.
type front struct {
	next      http.Handler
	mu        sync.Mutex
	presented []string
	// fail, when set, is the status the token endpoint answers with, and
	// retryAfter its Retry-After.
	fail       atomic.Int32
	retryAfter atomic.Int32
	calls      atomic.Int32
	// beforeToken, when set, runs before the emulator answers a token
	// request.
	beforeToken atomic.Pointer[func()]
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") {
		f.calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		if form, err := url.ParseQuery(string(body)); err == nil && form.Get("grant_type") == "refresh_token" {
			f.mu.Lock()
			f.presented = append(f.presented, form.Get("refresh_token"))
			f.mu.Unlock()
		}
		if fn := f.beforeToken.Load(); fn != nil {
			(*fn)()
		}
		if status := int(f.fail.Load()); status != 0 {
			if ra := f.retryAfter.Load(); ra > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int(ra)))
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			io.WriteString(w, `{"error":"temporarily_unavailable","error_codes":[]}`)
			return
		}
	}
	f.next.ServeHTTP(w, r)
}

func (f *front) refreshTokensPresented() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.presented...)
}

func testSealer(t testing.TB) driveway.Sealer {
	t.Helper()
	return testdb.Keyring(t)
}

func openSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	s := testdb.SQLite(t)
	return s
}

// openPostgres opens n stores (n "nodes") on one fresh schema.
func openPostgres(t *testing.T, n int) []driveway.Store {
	t.Helper()
	dbURL, _ := storetest.PostgresSchema(t)
	sealer := testSealer(t)
	var out []driveway.Store
	for range n {
		s, err := postgres.Open(context.Background(), dbURL, sealer)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// newEnv sets up the emulator, the project, its integration (with the
// app's one client secret) and a credential connected through the real
// authorization-code flow.
// Each of opts may change the app registration.
func newEnv(t *testing.T, store driveway.Store, opts ...func(*emulator.AppSpec)) *env {
	t.Helper()
	emu := emulator.New(emulator.Options{AutoConsent: true})
	t.Cleanup(func() { emu.Close() })
	f := &front{next: emu}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	spec := emulator.AppSpec{RedirectURIs: []string{redirectURI},
		Secrets: []emulator.Secret{{Value: "secret-" + ids.Random(16), Expires: time.Now().AddDate(1, 0, 0)}}}
	for _, o := range opts {
		o(&spec)
	}
	app, err := emu.CreateApp(spec)
	must(t, err)
	user, err := emu.CreateUser(emulator.UserSpec{UPN: "ada@contoso.example"})
	must(t, err)
	e := &env{t: t, store: store, emu: emu, srv: srv, front: f, app: app, user: user, project: ids.New("prj")}
	ctx := context.Background()
	must(t, store.CreateProject(ctx, &driveway.Project{ID: e.project, Name: "Test", AllowedOrigins: []string{"https://app.example"}}))
	must(t, store.PutIntegration(ctx, &driveway.Integration{ProjectID: e.project, ClientID: app.ClientID,
		ClientSecrets: []driveway.ClientSecret{{ID: "sec_1", Value: app.Secrets[0].Value, Hint: "xxxx"}},
		Scopes:        testScopes, Tenant: driveway.TenantCommon, Cloud: driveway.CloudGlobal, Enabled: true}))
	e.cred = e.connect("user-1")
	return e
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) endpoints() *microsoft.Endpoints {
	return &microsoft.Endpoints{Login: e.srv.URL, Graph: e.srv.URL}
}

// manager returns a Manager on store (the env's store when nil). When the
// test ends, its logs must hold no secret and no token.
func (e *env) manager(store driveway.Store) *credential.Manager {
	if store == nil {
		store = e.store
	}
	logs := &lockedBuffer{}
	e.t.Cleanup(func() { e.checkLogs(logs.String()) })
	return &credential.Manager{Store: store, Endpoints: e.endpoints(), HTTP: e.srv.Client(),
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Backoff: time.Millisecond, PollInterval: 5 * time.Millisecond}
}

// checkLogs fails the test if logs hold a client secret or any refresh or
// access token seen.
func (e *env) checkLogs(logs string) {
	e.t.Helper()
	secrets := append(e.front.refreshTokensPresented(), e.cred.AccessToken, e.cred.RefreshToken)
	for _, s := range e.app.Secrets {
		secrets = append(secrets, s.Value)
	}
	if c, err := e.store.GetCredential(context.Background(), e.project, e.cred.ID); err == nil {
		secrets = append(secrets, c.AccessToken, c.RefreshToken)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			e.t.Errorf("the manager's logs hold a secret or token")
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// connect signs the emulator user in (authorize with PKCE, then the code
// exchange) and stores the credential of userID.
func (e *env) connect(userID string) *driveway.Credential {
	t := e.t
	t.Helper()
	ctx := context.Background()
	verifier := strings.Repeat("v", 43)
	sum := sha256.Sum256([]byte(verifier))
	id := &microsoft.Identity{Endpoints: *e.endpoints(), HTTP: e.srv.Client()}
	authURL := id.AuthorizeURL(microsoft.AuthorizeRequest{Tenant: "common", ClientID: e.app.ClientID, RedirectURI: redirectURI,
		State: "st", CodeChallenge: base64.RawURLEncoding.EncodeToString(sum[:]), Scopes: testScopes, LoginHint: e.user.UPN})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(authURL)
	must(t, err)
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	must(t, err)
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("authorize answered %d, Location %q: no code", resp.StatusCode, loc)
	}
	tok, err := id.ExchangeCode(ctx, "common", microsoft.App{ClientID: e.app.ClientID, Secrets: []string{e.app.Secrets[0].Value}},
		code, redirectURI, verifier, testScopes)
	must(t, err)
	if tok.RefreshToken == "" {
		t.Fatalf("the code exchange gave no refresh token")
	}
	must(t, e.store.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: e.project, ID: userID}))
	c := &driveway.Credential{ID: ids.New("cred"), ProjectID: e.project, UserID: userID, Integration: driveway.IntegrationOneDrive,
		Status: driveway.CredentialValid, Account: driveway.Account{TenantID: e.user.TenantID, ObjectID: e.user.ID},
		DriveID: e.user.DriveID, AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken,
		AccessTokenExpiresAt: tok.ExpiresAt, Scopes: tok.Scopes, LastRefreshAt: time.Now()}
	must(t, e.store.CreateCredential(ctx, c))
	return c
}

// expire makes the stored access token expire at now+d.
func (e *env) expire(d time.Duration) {
	e.t.Helper()
	c := e.get()
	c.AccessTokenExpiresAt = time.Now().Add(d)
	must(e.t, e.store.UpdateCredential(context.Background(), c))
}

func (e *env) get() *driveway.Credential {
	e.t.Helper()
	c, err := e.store.GetCredential(context.Background(), e.project, e.cred.ID)
	must(e.t, err)
	return c
}

// refreshCalls counts the emulator's refresh_token grants.
func (e *env) refreshCalls() int { return e.emu.Counters().TokenGrants["refresh_token"] }

// events returns the project's events of kind.
func (e *env) events(kind string) []*driveway.Event {
	e.t.Helper()
	all, err := e.store.ListEvents(context.Background(), e.project, "", 1000)
	must(e.t, err)
	var out []*driveway.Event
	for _, ev := range all {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// setSecrets replaces the integration's client secrets.
func (e *env) setSecrets(values ...string) {
	e.t.Helper()
	ctx := context.Background()
	in, err := e.store.GetIntegration(ctx, e.project)
	must(e.t, err)
	in.ClientSecrets, in.Alarm = nil, nil // new app credentials clear the alarm, as package admin does
	for i, v := range values {
		in.ClientSecrets = append(in.ClientSecrets, driveway.ClientSecret{ID: "sec_" + strconv.Itoa(i+1), Value: v, Hint: "xxxx"})
	}
	must(e.t, e.store.PutIntegration(ctx, in))
}

func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := driveway.ErrorCode(err); got != want {
		t.Fatalf("%s: error %v (code %q), want code %q", what, err, got, want)
	}
}

// newGraphRequest is GET /v1.0/me with token.
func newGraphRequest(e *env, token string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/v1.0/me", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return req, nil
}
