package connect_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway/connect"
)

// nonceCookie loads the oauth-nonce page for token with the given request
// headers, and returns the binding cookie it set ("" for none).
func (e *env) nonceCookie(token string, headers ...string) string {
	e.t.Helper()
	q := url.Values{"action": {"onedrive"}, "integrationId": {connect.IntegrationID(e.project.ID)},
		"originForPostMessage": {appOrigin}, "userToken": {token}}
	st, body, h := e.call("GET", "/projects/"+e.project.ID+"/sdk/actions/oauth-nonce?"+q.Encode(), "", nil, headers...)
	if st != http.StatusOK || !strings.Contains(string(body), "oauth-nonce-loaded") {
		e.t.Fatalf("oauth-nonce = %d %s", st, body)
	}
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "driveway_signin" {
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/oauth" || c.MaxAge <= 0 {
				e.t.Fatalf("binding cookie %+v: want HttpOnly, SameSite=Lax, Path=/oauth, a Max-Age", c)
			}
			return c.Name + "=" + c.Value
		}
	}
	return ""
}

// fromApp are the headers of a popup navigation opened by the app's page.
var fromApp = []string{"Referer", appOrigin + "/settings", "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Dest", "document"}

// finishHere is the /oauth page's own call when it has no opener.
func (e *env) finishHere(secret, cookie string, headers ...string) (int, string) {
	e.t.Helper()
	h := append([]string{"Origin", e.url, "Sec-Fetch-Site", "same-origin"}, headers...)
	if cookie != "" {
		h = append(h, "Cookie", cookie)
	}
	st, b, _ := e.call("POST", "/oauth/finish", "", map[string]string{"completion": secret}, h...)
	return st, string(b)
}

// TestBindingCookie: only an oauth-nonce navigation from a page on the
// sign-in's allowed origin (or Driveway's own portal) sets the cookie.
func TestBindingCookie(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	tok := e.token("u-cookie")
	if e.nonceCookie(tok, fromApp...) == "" {
		t.Fatal("a popup opened by the app got no binding cookie")
	}
	if e.nonceCookie(tok, "Sec-Fetch-Site", "same-origin", "Sec-Fetch-Dest", "document") == "" {
		t.Fatal("a popup opened by the Connect Portal got no binding cookie")
	}
	for name, h := range map[string][]string{
		"no Referer":                      {"Sec-Fetch-Site", "cross-site"},
		"a Referer on another origin":     {"Referer", "https://evil.example.net/", "Sec-Fetch-Site", "cross-site"},
		"a look-alike Referer":            {"Referer", appOrigin + ".evil.example.net/", "Sec-Fetch-Site", "cross-site"},
		"a typed or pasted address":       {"Referer", appOrigin + "/", "Sec-Fetch-Site", "none"},
		"a frame, not a top-level window": {"Referer", appOrigin + "/", "Sec-Fetch-Dest", "iframe"},
	} {
		if c := e.nonceCookie(tok, h...); c != "" {
			t.Errorf("%s: binding cookie set", name)
		}
	}
}

// TestFinishWithoutOpener: when the popup lost its opener, the /oauth page
// finishes the sign-in itself in the browser that started it from the app,
// and the SDK's polling finds the credential; in any other browser, with
// another user's cookie, from another origin or twice, nothing happens.
func TestFinishWithoutOpener(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{autoConsent: true})
	pid, tok := e.project.ID, e.token("u-severed")
	cookie := e.nonceCookie(tok, fromApp...)
	grants := e.grants()

	s := e.awaiting(e.project, tok, "sess-severed")
	for name, try := range map[string]func() (int, string){
		"no cookie":                 func() (int, string) { return e.finishHere(s, "") },
		"a cross-site call":         func() (int, string) { return e.finishHere(s, cookie, "Origin", appOrigin, "Sec-Fetch-Site", "cross-site") },
		"a same-site other origin":  func() (int, string) { return e.finishHere(s, cookie, "Sec-Fetch-Site", "same-site") },
		"another user's cookie":     func() (int, string) { return e.finishHere(s, e.nonceCookie(e.token("u-other"), fromApp...)) },
		"a made-up secret":          func() (int, string) { return e.finishHere(strings.Repeat("B", 43), cookie) },
		"a forged cookie, bad code": func() (int, string) { return e.finishHere(s, "driveway_signin=!!") },
	} {
		if st, b := try(); st == http.StatusOK {
			t.Errorf("%s: finished (%s)", name, b)
		}
	}
	if e.grants() != grants || len(e.credentials(e.project, "u-severed")) != 0 || len(e.credentials(e.project, "u-other")) != 0 {
		t.Fatal("a refused finish redeemed a code or stored a credential")
	}

	// The real case: this browser, its own cookie.
	s = e.awaiting(e.project, tok, "sess-severed-2")
	st, b := e.finishHere(s, cookie)
	if st != http.StatusOK || !strings.Contains(b, e.user.UPN) {
		t.Fatalf("finishing in the starting browser = %d %s", st, b)
	}
	creds := e.credentials(e.project, "u-severed")
	var sess map[string]string
	e.callJSON("GET", "/projects/"+pid+"/sdk/actions/session-id/sess-severed-2", tok, nil, &sess)
	if len(creds) != 1 || sess["connectCredentialId"] != creds[0].ID {
		t.Fatalf("after finishing: %d credentials, session %v", len(creds), sess)
	}
	if st, _ := e.finishHere(s, cookie); st == http.StatusOK {
		t.Fatal("a finished sign-in was finished again")
	}
}
