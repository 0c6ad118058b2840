package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// fixture is a running emulator with one business tenant (two users), one
// personal account and one confidential app, plus tokens for both users.
type fixture struct {
	t        *testing.T
	s        *Server
	clock    *ManualClock
	app      App
	biz      User // business user
	biz2     User // second business user, same tenant
	personal User
	tenant   Tenant
	tokB     string
	tokP     string
	c        *http.Client
}

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func setup(t *testing.T, opts Options) *fixture {
	t.Helper()
	t.Parallel()
	return newFixture(t, opts)
}

// newFixture is setup without t.Parallel, for tests that need several.
func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: NewManualClock(epoch)}
	if opts.Clock == nil {
		opts.Clock = f.clock
	}
	f.s = StartTest(t, opts)
	e := f.s.Emulator
	var err error
	f.tenant, err = e.CreateTenant(TenantSpec{Name: "Contoso", Domain: "contoso.onmicrosoft.com"})
	must(t, err)
	f.biz, err = e.CreateUser(UserSpec{TenantID: f.tenant.ID, UPN: "adele@contoso.onmicrosoft.com", DisplayName: "Adele Vance"})
	must(t, err)
	f.biz2, err = e.CreateUser(UserSpec{TenantID: f.tenant.ID, UPN: "bob@contoso.onmicrosoft.com", DisplayName: "Bob"})
	must(t, err)
	f.personal, err = e.CreateUser(UserSpec{UPN: "pat@outlook.com", DisplayName: "Pat"})
	must(t, err)
	f.app, err = e.CreateApp(AppSpec{Name: "Driveway Test", RedirectURIs: []string{"http://localhost/callback", "https://app.example/cb"}})
	must(t, err)
	f.tokB, err = e.IssueAccessToken(f.biz.ID, f.app.ClientID, "Files.ReadWrite.All", "offline_access")
	must(t, err)
	f.tokP, err = e.IssueAccessToken(f.personal.ID, f.app.ClientID, "Files.ReadWrite", "offline_access")
	must(t, err)
	f.c = newFixtureClient()
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// graph is the Graph base URL.
func (f *fixture) graph() string { return f.s.GraphURL() }

// req sends a request; body may be nil, []byte, string or a JSON value.
func (f *fixture) req(method, url, token string, body any, hdr ...string) *http.Response {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	if !strings.HasPrefix(url, "http") {
		url = f.graph() + url
	}
	r, err := http.NewRequest(method, url, rd)
	must(f.t, err)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := f.c.Do(r)
	must(f.t, err)
	return resp
}

// call sends a request and decodes a JSON answer.
func (f *fixture) call(method, url, token string, body any, hdr ...string) (int, map[string]any) {
	f.t.Helper()
	resp := f.req(method, url, token, body, hdr...)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(b) > 0 {
		_ = json.Unmarshal(b, &m)
	}
	return resp.StatusCode, m
}

// want fails the test when got != want.
func want[T comparable](t testing.TB, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func str(m map[string]any, path ...string) string {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = mm[p]
	}
	s, _ := cur.(string)
	return s
}

func errCode(m map[string]any) string { return str(m, "error", "code") }

// eventually polls cond until it holds or 5 s pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// newFixtureClient does not follow redirects, so tests see 302s.
func newFixtureClient() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }
