package dashboard_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/audit"
	"github.com/drivewayhq/driveway/dashboard"
	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/sqlite"
)

const (
	testPassword  = "correct horse battery staple"
	testPublicURL = "https://driveway.example.test"
)

// bundle is one dashboard on a real SQLite store, served on loopback, with
// a browser-like client (cookie jar, no redirect following) that records
// every response body.
type bundle struct {
	t       *testing.T
	svc     *admin.Service
	keySpec string // DRIVEWAY_SECRET_KEYS of the first node
	srv     *httptest.Server
	client  *http.Client
	clock   *clock
	project *driveway.Project

	mu     sync.Mutex
	bodies []string
	// disconnected lists the credentials the Disconnect option was called
	// with.
	disconnected []string
}

// disconnect stands in for the connect service's disconnect: it records
// the call and deletes the credential from the real store.
func (b *bundle) disconnect(ctx context.Context, projectID, credentialID string) error {
	b.mu.Lock()
	b.disconnected = append(b.disconnected, credentialID)
	b.mu.Unlock()
	return b.svc.Store.DeleteCredential(ctx, projectID, credentialID)
}

// clock is the injected time of the dashboard (sessions, login limiter).
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newKeySpec(t testing.TB) string {
	t.Helper()
	k, err := secret.GenerateKey()
	if err != nil {
		t.Fatalf("GenerateKey: %v", err)
	}
	return k
}

func parseRing(t testing.TB, spec string) *secret.Keyring {
	t.Helper()
	ring, err := secret.ParseKeyring(spec)
	if err != nil {
		t.Fatalf("ParseKeyring: %v", err)
	}
	return ring
}

// rotatedRing puts a new sealing key before the bundle's key.
func rotatedRing(t testing.TB, b *bundle) *secret.Keyring {
	return parseRing(t, newKeySpec(t)+","+b.keySpec)
}

func setup(t *testing.T) *bundle {
	t.Helper()
	ctx := context.Background()
	spec := newKeySpec(t)
	ring := parseRing(t, spec)
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "driveway.db"), ring)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	b := &bundle{t: t, keySpec: spec, svc: &admin.Service{Store: store, PublicURL: testPublicURL}, clock: &clock{now: time.Now()}}
	b.project, err = b.svc.CreateProject(ctx, admin.ProjectInput{Name: "Acme Docs"})
	if err != nil {
		t.Fatalf("create project: %v", err)
	}
	b.srv = b.serve(testPassword, ring)
	jar, _ := cookiejar.New(nil)
	b.client = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return b
}

// serve starts another dashboard node on the same store; with changes its
// options are changed first.
func (b *bundle) serve(password string, sealer driveway.Sealer, changes ...func(*dashboard.Options)) *httptest.Server {
	opts := dashboard.Options{
		Admin: b.svc, AdminPassword: password, Sealer: sealer, Now: b.clock.Now, Disconnect: b.disconnect,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Audit: &audit.Recorder{Store: b.svc.Store},
	}
	for _, change := range changes {
		change(&opts)
	}
	h := dashboard.New(opts)
	mux := http.NewServeMux()
	mux.Handle("/dashboard/", b.record(h))
	srv := httptest.NewServer(mux)
	b.t.Cleanup(srv.Close)
	return srv
}

// do sends a request as a same-origin browser would, and returns the
// response with its body read.
func (b *bundle) do(srv *httptest.Server, method, path string, form url.Values, hdr map[string]string) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, srv.URL+path, body)
	if err != nil {
		b.t.Fatalf("new request: %v", err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", srv.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("read body: %v", err)
	}
	return resp, string(data)
}

func (b *bundle) get(path string) (*http.Response, string) {
	b.t.Helper()
	return b.do(b.srv, http.MethodGet, path, nil, nil)
}

// post sends form with the CSRF token of the page at from.
func (b *bundle) post(from, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	form.Set("csrf_token", b.csrf(from))
	return b.do(b.srv, http.MethodPost, path, form, nil)
}

var csrfPattern = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf returns the token in the forms of the page at path.
func (b *bundle) csrf(path string) string {
	b.t.Helper()
	resp, body := b.get(path)
	m := csrfPattern.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		b.t.Fatalf("GET %s: status %d, no CSRF token in the page", path, resp.StatusCode)
	}
	return m[1]
}

func (b *bundle) login() {
	b.t.Helper()
	resp, body := b.post("/dashboard/login", "/dashboard/login", url.Values{"password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("login: status %d, want 303; body:\n%s", resp.StatusCode, body)
	}
}

func (b *bundle) projectPath(sub string) string {
	return "/dashboard/projects/" + b.project.ID + sub
}

// record keeps a copy of every response body the server writes, whoever
// the client is (this test's client or a browser).
func (b *bundle) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &teeWriter{ResponseWriter: w}
		next.ServeHTTP(tw, r)
		b.mu.Lock()
		b.bodies = append(b.bodies, tw.buf.String())
		b.mu.Unlock()
	})
}

type teeWriter struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (w *teeWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	return w.ResponseWriter.Write(p)
}

// seen reports whether any response body so far contained s.
func (b *bundle) seen(s string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, body := range b.bodies {
		if strings.Contains(body, s) {
			return true
		}
	}
	return false
}

func wantStatus(t *testing.T, resp *http.Response, want int, body string) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body:\n%s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, body)
	}
}

func wantLocation(t *testing.T, resp *http.Response, want string) {
	t.Helper()
	if got := resp.Header.Get("Location"); got != want {
		t.Fatalf("%s %s: Location %q, want %q", resp.Request.Method, resp.Request.URL.Path, got, want)
	}
}

func wantContains(t *testing.T, body, want string) {
	t.Helper()
	if !strings.Contains(body, want) {
		t.Fatalf("the page lacks %q; body:\n%s", want, body)
	}
}
