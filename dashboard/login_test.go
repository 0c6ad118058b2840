package dashboard_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/dashboard"
)

func TestLoginRequired(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, path := range []string{"/dashboard/", b.projectPath("/onedrive"), b.projectPath("/api-keys")} {
		resp, body := b.get(path)
		wantStatus(t, resp, http.StatusSeeOther, body)
		wantLocation(t, resp, "/dashboard/login?next="+url.QueryEscape(path))
	}
	// A POST without a login is refused, whatever it carries.
	resp, body := b.do(b.srv, http.MethodPost, "/dashboard/projects", url.Values{"name": {"x"}, "csrf_token": {"x"}}, nil)
	wantStatus(t, resp, http.StatusForbidden, body)
}

func TestLoginAndLogout(t *testing.T) {
	t.Parallel()
	b := setup(t)
	next := b.projectPath("/onedrive")
	resp, body := b.get("/dashboard/login?next=" + url.QueryEscape(next))
	wantStatus(t, resp, http.StatusOK, body)
	cookie := sessionCookie(t, resp)
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/dashboard" || cookie.MaxAge <= 0 {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/dashboard, an expiry", cookie)
	}
	token := csrfPattern.FindStringSubmatch(body)[1]
	resp, body = b.do(b.srv, http.MethodPost, "/dashboard/login", url.Values{"password": {testPassword}, "next": {next}, "csrf_token": {token}}, nil)
	wantStatus(t, resp, http.StatusSeeOther, body)
	wantLocation(t, resp, next)
	if c := sessionCookie(t, resp); c.MaxAge < int((dashboard.SessionTTL - time.Minute).Seconds()) {
		t.Fatalf("session cookie lasts %ds, want about %s", c.MaxAge, dashboard.SessionTTL)
	}
	resp, body = b.get(next)
	wantStatus(t, resp, http.StatusOK, body)
	if b.csrf(next) == token {
		t.Fatal("the CSRF token of the login form survived the login; want a new one")
	}

	resp, body = b.post(next, "/dashboard/logout", url.Values{})
	wantStatus(t, resp, http.StatusSeeOther, body)
	resp, body = b.get(next)
	wantStatus(t, resp, http.StatusSeeOther, body)
}

func sessionCookie(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == "driveway_dashboard" {
			return c
		}
	}
	t.Fatalf("%s %s set no session cookie", resp.Request.Method, resp.Request.URL.Path)
	return nil
}

func TestWrongPassword(t *testing.T) {
	t.Parallel()
	b := setup(t)
	resp, body := b.post("/dashboard/login", "/dashboard/login", url.Values{"password": {"guess"}})
	wantStatus(t, resp, http.StatusUnauthorized, body)
	wantContains(t, body, "Wrong password.")
	resp, body = b.get("/dashboard/")
	wantStatus(t, resp, http.StatusSeeOther, body)
}

func TestLoginLimiter(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for range 5 {
		resp, body := b.post("/dashboard/login", "/dashboard/login", url.Values{"password": {"guess"}})
		wantStatus(t, resp, http.StatusUnauthorized, body)
	}
	// Even the right password is refused until the window has passed.
	resp, body := b.post("/dashboard/login", "/dashboard/login", url.Values{"password": {testPassword}})
	wantStatus(t, resp, http.StatusTooManyRequests, body)
	wantContains(t, body, "Too many failed attempts")
	b.clock.Advance(16 * time.Minute)
	b.login()
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login()
	token := b.csrf("/dashboard/")
	cases := []struct {
		name string
		form url.Values
		hdr  map[string]string
	}{
		{"missing token", url.Values{"name": {"P"}}, nil},
		{"wrong token", url.Values{"name": {"P"}, "csrf_token": {token + "x"}}, nil},
		{"cross-site", url.Values{"name": {"P"}, "csrf_token": {token}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"other origin", url.Values{"name": {"P"}, "csrf_token": {token}}, map[string]string{"Sec-Fetch-Site": "", "Origin": "https://evil.example"}},
	}
	for _, tc := range cases {
		resp, body := b.do(b.srv, http.MethodPost, "/dashboard/projects", tc.form, tc.hdr)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("%s: status %d, want 403", tc.name, resp.StatusCode)
		}
		wantContains(t, body, "Request refused")
	}
	// The login form is protected the same way.
	resp, body := b.do(b.srv, http.MethodPost, "/dashboard/login", url.Values{"password": {testPassword}}, nil)
	wantStatus(t, resp, http.StatusForbidden, body)

	resp, body = b.do(b.srv, http.MethodPost, "/dashboard/projects", url.Values{"name": {"P"}, "csrf_token": {token}}, nil)
	wantStatus(t, resp, http.StatusSeeOther, body)
	list, err := b.svc.Store.ListProjects(t.Context())
	if err != nil || len(list) != 2 {
		t.Fatalf("projects after one accepted create: %d (%v), want 2", len(list), err)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, path := range []string{"/dashboard/login", "/dashboard/static/style.css", "/dashboard/nope"} {
		resp, _ := b.get(path)
		for k, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "no-referrer",
			"X-Frame-Options":        "DENY",
		} {
			if got := resp.Header.Get(k); got != want {
				t.Fatalf("GET %s: %s = %q, want %q", path, k, got, want)
			}
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Fatalf("GET %s: CSP %q", path, csp)
		}
	}
	resp, body := b.get("/dashboard/nope")
	wantStatus(t, resp, http.StatusNotFound, body)
}

func TestSessionExpires(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login()
	b.clock.Advance(dashboard.SessionTTL - time.Minute)
	resp, body := b.get("/dashboard/")
	wantStatus(t, resp, http.StatusOK, body)
	b.clock.Advance(2 * time.Minute)
	resp, body = b.get("/dashboard/")
	wantStatus(t, resp, http.StatusSeeOther, body)
}

// A session opens on every node that shares the keyring, also after a new
// sealing key was put first; a new admin password ends it.
func TestSessionAcrossNodesAndRotation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login()
	rotated := rotatedRing(t, b)
	other := b.serve(testPassword, rotated)
	resp, body := b.do(other, http.MethodGet, "/dashboard/", nil, nil)
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, "Acme Docs")

	changed := b.serve("a new password", rotated)
	resp, body = b.do(changed, http.MethodGet, "/dashboard/", nil, nil)
	wantStatus(t, resp, http.StatusSeeOther, body)
}

func TestNoAdminPassword(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv = b.serve("", parseRing(t, b.keySpec))
	resp, body := b.post("/dashboard/login", "/dashboard/login", url.Values{"password": {""}})
	wantStatus(t, resp, http.StatusForbidden, body)
	wantContains(t, body, "DRIVEWAY_ADMIN_PASSWORD")
	resp, body = b.get("/dashboard/")
	wantStatus(t, resp, http.StatusSeeOther, body)
}

func TestStaticAssets(t *testing.T) {
	t.Parallel()
	b := setup(t)
	resp, body := b.get("/dashboard/static/app.js")
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, "data-copy")
	resp, body = b.get("/dashboard/static/")
	wantStatus(t, resp, http.StatusNotFound, body)
}
