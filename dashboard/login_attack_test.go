package dashboard_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/drivewayhq/driveway/dashboard"
	"github.com/drivewayhq/driveway/internal/clientip"
)

// Five wrong guesses spread over two nodes behind a load balancer lock the
// client out on both: the count lives in the database.
func TestLoginLimitHoldsAcrossNodes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	other := b.serve(testPassword, parseRing(t, b.keySpec))
	for i := range 5 {
		srv := b.srv
		if i%2 == 1 {
			srv = other
		}
		resp, body := b.postTo(srv, url.Values{"password": {"guess"}})
		wantStatus(t, resp, http.StatusUnauthorized, body)
	}
	for _, srv := range []*httptest.Server{b.srv, other} {
		resp, body := b.postTo(srv, url.Values{"password": {testPassword}})
		wantStatus(t, resp, http.StatusTooManyRequests, body)
	}
}

// Behind a trusted proxy, an attacker's wrong guesses lock out the
// attacker's address only, not the operator's, and a forwarded header
// from a peer that is not a trusted proxy changes nothing.
func TestLoginLimitBehindATrustedProxy(t *testing.T) {
	t.Parallel()
	b := setup(t)
	trusted, _ := clientip.ParsePrefixes("127.0.0.0/8, ::1")
	b.srv = b.serveWith(dashboard.Options{AdminPassword: testPassword, ClientKey: (&clientip.Resolver{Trusted: trusted}).Key})
	attacker := map[string]string{"X-Forwarded-For": "203.0.113.9"}
	for range 5 {
		resp, body := b.postHdr(b.srv, url.Values{"password": {"guess"}}, attacker)
		wantStatus(t, resp, http.StatusUnauthorized, body)
	}
	resp, body := b.postHdr(b.srv, url.Values{"password": {testPassword}}, attacker)
	wantStatus(t, resp, http.StatusTooManyRequests, body)
	operator := map[string]string{"X-Forwarded-For": "198.51.100.7"}
	resp, body = b.postHdr(b.srv, url.Values{"password": {testPassword}}, operator)
	wantStatus(t, resp, http.StatusSeeOther, body)

	// Without the proxy trusted, the header is the attacker's own text.
	b.client.Jar, _ = cookiejar.New(nil) // log the operator out of this client
	plain := b.serveWith(dashboard.Options{AdminPassword: testPassword})
	for i := range 5 {
		resp, body := b.postHdr(plain, url.Values{"password": {"guess"}}, map[string]string{"X-Forwarded-For": fmt.Sprintf("192.0.2.%d", i)})
		wantStatus(t, resp, http.StatusUnauthorized, body)
	}
	resp, body = b.postHdr(plain, url.Values{"password": {testPassword}}, map[string]string{"X-Forwarded-For": "192.0.2.99"})
	wantStatus(t, resp, http.StatusTooManyRequests, body)
}

// Rotating through the addresses of one IPv6 /64 does not reset the count.
func TestLoginLimitIPv6Rotation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var n int
	b.srv = b.serveWith(dashboard.Options{AdminPassword: testPassword}, func(r *http.Request) {
		n++ // the network: each connection from another address of 2001:db8:1:2::/64
		r.RemoteAddr = fmt.Sprintf("[2001:db8:1:2::%x]:40000", n)
	})
	for range 5 {
		resp, body := b.postTo(b.srv, url.Values{"password": {"guess"}})
		wantStatus(t, resp, http.StatusUnauthorized, body)
	}
	resp, body := b.postTo(b.srv, url.Values{"password": {testPassword}})
	wantStatus(t, resp, http.StatusTooManyRequests, body)
}

// A session cookie copied before logout no longer opens anything after it.
func TestLogoutRevokesTheSession(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login()
	u, _ := url.Parse(b.srv.URL + "/dashboard/")
	stolen := b.client.Jar.Cookies(u)
	resp, body := b.post("/dashboard/", "/dashboard/logout", url.Values{})
	wantStatus(t, resp, http.StatusSeeOther, body)
	for _, srv := range []*httptest.Server{b.srv, b.serve(testPassword, parseRing(t, b.keySpec))} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/dashboard/", nil)
		for _, c := range stolen {
			req.AddCookie(c)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the cookie of a logged-out session: status %d, want 303 to the login page", resp.StatusCode)
		}
	}
}

// An admin password shorter than MinPasswordLength opens nothing.
func TestShortAdminPasswordRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	short := "hunter2"
	b.srv = b.serve(short, parseRing(t, b.keySpec))
	resp, body := b.postTo(b.srv, url.Values{"password": {short}})
	wantStatus(t, resp, http.StatusForbidden, body)
	wantContains(t, body, "at least")
	resp, body = b.get("/dashboard/")
	wantStatus(t, resp, http.StatusSeeOther, body)
}

// serveWith starts another dashboard node on the bundle's store with opts
// (Admin, Sealer, Now and Logger filled in); each rewrite changes a request
// before the dashboard sees it, as the network would.
func (b *bundle) serveWith(opts dashboard.Options, rewrite ...func(*http.Request)) *httptest.Server {
	opts.Admin, opts.Sealer, opts.Now = b.svc, parseRing(b.t, b.keySpec), b.clock.Now
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	h := dashboard.New(opts)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, fn := range rewrite {
			fn(r)
		}
		h.ServeHTTP(w, r)
	}))
	b.t.Cleanup(srv.Close)
	return srv
}

// postTo posts the login form to srv with the CSRF token of srv's form.
func (b *bundle) postTo(srv *httptest.Server, form url.Values) (*http.Response, string) {
	b.t.Helper()
	return b.postHdr(srv, form, nil)
}

func (b *bundle) postHdr(srv *httptest.Server, form url.Values, hdr map[string]string) (*http.Response, string) {
	b.t.Helper()
	resp, body := b.do(srv, http.MethodGet, "/dashboard/login", nil, nil)
	m := csrfPattern.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		b.t.Fatalf("GET /dashboard/login: status %d, no CSRF token", resp.StatusCode)
	}
	form.Set("csrf_token", m[1])
	return b.do(srv, http.MethodPost, "/dashboard/login", form, hdr)
}
