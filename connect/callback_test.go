package connect_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/connect"
)

// TestCallbackRefusals: every forged, reused, expired or misplaced state is
// refused before any token exchange, and nothing is accepted.
func TestCallbackRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{autoConsent: true})
	pid := e.project.ID
	other := e.newProject("Other", []string{appOrigin})

	// Callback URLs made ahead, each by a real flow through the emulator.
	fresh := func(p string) string {
		proj := e.project
		if p == other.ID {
			proj = other
		}
		return e.authorize(e.buildOAuth(proj, e.token("user-1"), "", ""), e.user.UPN)
	}
	used := fresh(pid)
	if st, page := e.get(used); st != 200 || !strings.Contains(page, `"type":"oauth_success_callback"`) {
		t.Fatalf("the control flow failed: %d\n%s", st, page)
	}
	expired := fresh(pid)
	foreign := fresh(other.ID)
	swapped := withState(t, foreign, func(s string) string { return pid + s[strings.Index(s, "."):] })
	denied := withQuery(t, fresh(pid), url.Values{"error": {"access_denied"}, "error_description": {"AADSTS65004: User declined to consent."}}, "code")
	noCode := withQuery(t, fresh(pid), nil, "code")
	code := query(t, used).Get("code")

	cases := []struct {
		name, url string
		before    func()
		errorPage bool // a page that reports to the opener (state was valid)
	}{
		{name: "missing state", url: e.url + "/oauth?code=" + url.QueryEscape(code)},
		{name: "empty state", url: e.url + "/oauth?state=&code=" + url.QueryEscape(code)},
		{name: "malformed state", url: e.url + "/oauth?state=abc&code=" + url.QueryEscape(code)},
		{name: "unknown state", url: withState(t, used, func(s string) string { return pid + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" })},
		{name: "reused state (code replay)", url: used},
		{name: "another project's state", url: swapped},
		{name: "the other project's state after the swap", url: foreign},
		{name: "consent denied", url: denied, errorPage: true},
		{name: "no code", url: noCode, errorPage: true},
		// Last: it moves the clock past every state made above.
		{name: "expired state", url: expired, before: func() { e.advance(connect.StateLifetime + time.Second) }},
	}
	grants := e.grants()
	credsBefore := len(e.credentials(e.project, "user-1")) + len(e.credentials(other, "user-1"))
	accepted := 0
	for _, c := range cases {
		if c.before != nil {
			c.before()
		}
		st, page := e.get(c.url)
		if strings.Contains(page, `"type":"oauth_success_callback"`) || st == 200 && !c.errorPage {
			accepted++
			t.Errorf("%s: accepted (%d)", c.name, st)
		}
		if c.errorPage && !strings.Contains(page, "oauth_error_callback") {
			t.Errorf("%s: the page does not tell the opener (%d)", c.name, st)
		}
	}
	if accepted != 0 {
		t.Fatalf("accepted %d of %d forged callbacks", accepted, len(cases))
	}
	if got := e.grants(); got != grants {
		t.Fatalf("token exchanges attempted: %d, want 0", got-grants)
	}
	if got := len(e.credentials(e.project, "user-1")) + len(e.credentials(other, "user-1")); got != credsBefore {
		t.Fatalf("credentials %d → %d", credsBefore, got)
	}
}

// TestCallbackDeniedRecordsSession: a refused consent ends the SDK's poll
// with an error, not a credential.
func TestCallbackDeniedRecordsSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{autoConsent: true})
	tok := e.token("user-9")
	cb := e.authorize(e.buildOAuth(e.project, tok, "deny1", ""), e.user.UPN)
	st, page := e.get(withQuery(t, cb, url.Values{"error": {"access_denied"}}, "code"))
	if st != 200 || !strings.Contains(page, `"error":"access_denied"`) || !strings.Contains(page, `"https://app.example.com"`) {
		t.Fatalf("denied page = %d\n%s", st, page)
	}
	var sess map[string]string
	e.callJSON("GET", "/projects/"+e.project.ID+"/sdk/actions/session-id/deny1", tok, nil, &sess)
	if sess["error"] != "access_denied" || sess["connectCredentialId"] != "" {
		t.Fatalf("session = %v", sess)
	}
}

// TestCallbackHeaders: the callback page is never cached, never leaks its
// URL as a referrer, and cannot be framed.
func TestCallbackHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{autoConsent: true})
	cb := e.authorize(e.buildOAuth(e.project, e.token("u"), "", ""), e.user.UPN)
	resp, err := noRedirect.Get(cb)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	resp.Body.Close()
	for k, want := range map[string]string{"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"} {
		if got := resp.Header.Get(k); got != want {
			t.Fatalf("%s = %q, want %q", k, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("CSP = %q", csp)
	}
}

func (e *env) get(u string) (int, string) {
	e.t.Helper()
	st, body, _ := e.call("GET", u, "", nil)
	return st, string(body)
}

func query(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	return u.Query()
}

// withState rewrites the state parameter of a callback URL.
func withState(t *testing.T, raw string, f func(string) string) string {
	t.Helper()
	q := query(t, raw)
	return withQuery(t, raw, url.Values{"state": {f(q.Get("state"))}})
}

// withQuery sets parameters of a URL and deletes others.
func withQuery(t *testing.T, raw string, set url.Values, del ...string) string {
	t.Helper()
	u, _ := url.Parse(raw)
	q := u.Query()
	for k, v := range set {
		q[k] = v
	}
	for _, k := range del {
		q.Del(k)
	}
	u.RawQuery = q.Encode()
	return u.String()
}
