package connect_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/connect"
	"github.com/drivewayhq/driveway/internal/browsertest"
)

// buildOAuthAs starts a sign-in with the query a given SDK sends: "sdkjs"
// (@driveway/connect) or "paragon" (@useparagon/connect 2.4.0, which also
// puts the user token in the query).
func (e *env) buildOAuthAs(sdk, token, session string) string {
	e.t.Helper()
	pid := e.project.ID
	q := url.Values{"action": {"onedrive"}, "integrationId": {connect.IntegrationID(pid)},
		"originForPostMessage": {appOrigin}, "oauthMetaKeyId": {session}, "userToken": {token},
		"endUserSuppliedValues": {"{}"}, "installOptions": {"{}"}}
	if sdk == "paragon" {
		q.Set("parameters", "{}")
		q.Set("isPreviewMode", "false")
	} else {
		q.Set("parameters", "[]")
	}
	var out struct{ RedirectURL string }
	e.callJSON("GET", "/v2/projects/"+pid+"/sdk/actions/build-oauth?"+q.Encode(), token, nil, &out)
	return out.RedirectURL
}

// TestAttackSignInLinkSentToVictim is the attack of issue 11: end user X
// starts a sign-in with X's own token, in the way each SDK does, and sends
// the Microsoft authorize URL to victim V, who signs in in their own
// browser (here a second client without cookies, as a fresh browser is).
// V's OneDrive must not become X's credential, and X must learn nothing of
// V's account through any route X can call.
func TestAttackSignInLinkSentToVictim(t *testing.T) {
	t.Parallel()
	for _, sdk := range []string{"sdkjs", "paragon"} {
		t.Run(sdk, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{autoConsent: true})
			pid, x := e.project.ID, e.token("attacker-x")
			link := e.buildOAuthAs(sdk, x, "x-session")
			grants := e.grants()

			// V's browser: Microsoft signs V in and sends it to /oauth.
			status, page := e.get(e.authorize(link, e.user.UPN))
			if status != http.StatusOK {
				t.Fatalf("the victim's /oauth page = %d", status)
			}
			if n := len(e.credentials(e.project, "attacker-x")); n != 0 {
				t.Fatalf("the victim's sign-in created %d credentials for the attacker", n)
			}
			if e.grants() != grants {
				t.Fatal("the victim's authorization code was redeemed before anyone finished the sign-in")
			}
			// X now tries every route that finished or reported a sign-in.
			leaks := []string{e.user.UPN, e.user.Mail, e.user.ID, e.user.DriveID}
			probe := func(what, method, path string, body any) {
				t.Helper()
				st, b, _ := e.call(method, path, x, body)
				for _, l := range leaks {
					if l != "" && strings.Contains(string(b), l) {
						t.Fatalf("%s (%d) told the attacker %q: %s", what, st, l, b)
					}
				}
				if strings.Contains(string(b), "connectCredentialId") {
					t.Fatalf("%s (%d) gave the attacker a credential id: %s", what, st, b)
				}
			}
			sdkPath := "/projects/" + pid + "/sdk"
			probe("the session poll", "GET", sdkPath+"/actions/session-id/x-session", nil)
			probe("POST /sdk/credentials with the session", "POST", sdkPath+"/credentials",
				map[string]any{"integrationId": connect.IntegrationID(pid), "payload": map[string]any{"sessionId": "x-session"}})
			_, secret, _ := strings.Cut(query(t, link).Get("state"), ".")
			probe("POST /sdk/credentials with the state secret", "POST", sdkPath+"/credentials",
				map[string]any{"integrationId": connect.IntegrationID(pid), "payload": map[string]any{"completion": secret}})
			probe("GET /sdk/credentials", "GET", sdkPath+"/credentials", nil)
			probe("GET /sdk/me", "GET", sdkPath+"/me", nil)
			// V's page has no opener, so it tries to finish in V's browser,
			// which never started a sign-in from the app, or started one as V.
			v := completionOf(t, page)
			if st, b := e.finishHere(v, ""); st == http.StatusOK {
				t.Fatalf("the victim's browser finished the attacker's sign-in without a cookie: %s", b)
			}
			if st, b := e.finishHere(v, e.nonceCookie(e.token("victim-v"), fromApp...)); st == http.StatusOK {
				t.Fatalf("the victim's browser finished the attacker's sign-in with the victim's own cookie: %s", b)
			}
			if n := len(e.credentials(e.project, "attacker-x")); n != 0 {
				t.Fatalf("the attacker finished the victim's sign-in: %d credentials", n)
			}
			if evs, _ := e.store.ListEvents(t.Context(), pid, "", 10); len(evs) != 0 {
				t.Fatalf("the victim's sign-in recorded %d events for the project", len(evs))
			}
			// The victim's page names no one and hands its secret to no
			// opener but one on the project's allowed origin.
			if !strings.Contains(page, `window.opener.postMessage(msg, "`+appOrigin+`")`) {
				t.Fatalf("the page posts its message elsewhere than the allowed origin:\n%s", page)
			}
		})
	}
}

var completionPattern = regexp.MustCompile(`"completion":"([A-Za-z0-9_-]{43})"`)

// completionOf returns the completion secret of an /oauth page.
func completionOf(t *testing.T, page string) string {
	t.Helper()
	m := completionPattern.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the /oauth page carries no completion secret:\n%s", page)
	}
	return m[1]
}

// finish is the SDK's completion call: POST /sdk/credentials with the
// /oauth page's payload, as both SDKs send it.
func (e *env) finish(projectID, token, secret string) (int, map[string]any) {
	e.t.Helper()
	st, b, _ := e.call("POST", "/projects/"+projectID+"/sdk/credentials", token, map[string]any{
		"integrationId": connect.IntegrationID(projectID), "config": map[string]any{},
		"payload": map[string]any{"completion": secret}, "installOptions": map[string]any{}})
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return st, out
}

// awaiting runs a sign-in up to the /oauth page and returns its completion
// secret.
func (e *env) awaiting(p *driveway.Project, token, session string) string {
	e.t.Helper()
	_, page := e.get(e.authorize(e.buildOAuth(p, token, session, ""), e.user.UPN))
	return completionOf(e.t, page)
}

// TestCompletionSecretRefusals: a completion secret finishes exactly one
// sign-in, only for the project and user that started it, only once and
// only in time; nothing else redeems the code or stores a credential.
func TestCompletionSecretRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{autoConsent: true})
	pid, owner, other := e.project.ID, e.token("owner"), e.token("someone-else")
	otherProject := e.newProject("Other", []string{appOrigin})
	refused := func(what string, status, want int) {
		t.Helper()
		if status != want {
			t.Errorf("%s = %d, want %d", what, status, want)
		}
	}
	grants := e.grants()

	s := e.awaiting(e.project, owner, "s-other-user")
	st, _ := e.finish(pid, other, s)
	refused("another user's token", st, http.StatusNotFound)
	st, _ = e.finish(pid, owner, s)
	refused("the owner after another user presented the secret (it is spent)", st, http.StatusNotFound)

	s = e.awaiting(e.project, owner, "")
	st, _ = e.finish(otherProject.ID, e.token("owner"), s) // same sub, another project: another user
	refused("the same user id in another project", st, http.StatusNotFound)

	s = e.awaiting(e.project, owner, "")
	st, _ = e.get(e.url + "/oauth?state=" + url.QueryEscape(pid+"."+s) + "&code=forged")
	refused("the secret used as a state at /oauth", st, http.StatusBadRequest)

	st, _ = e.finish(pid, owner, strings.Repeat("A", 43))
	refused("a made-up secret", st, http.StatusNotFound)
	st, _ = e.finish(pid, owner, "short")
	refused("a malformed secret", st, http.StatusNotFound)
	st, _, _ = e.call("POST", "/projects/"+pid+"/sdk/credentials", "", map[string]any{"payload": map[string]any{"completion": s}})
	refused("no user token", st, http.StatusUnauthorized)

	s = e.awaiting(e.project, owner, "s-late")
	e.advance(connect.CompletionLifetime + time.Second)
	st, _ = e.finish(pid, owner, s)
	refused("an expired secret", st, http.StatusBadRequest)
	var sess map[string]string
	e.callJSON("GET", "/projects/"+pid+"/sdk/actions/session-id/s-late", owner, nil, &sess)
	if sess["error"] != "expired" {
		t.Errorf("the session of an expired completion = %v, want error expired", sess)
	}
	if e.grants() != grants || len(e.credentials(e.project, "owner"))+len(e.credentials(e.project, "someone-else")) != 0 {
		t.Fatalf("a refused completion redeemed a code (%d grants) or stored a credential", e.grants()-grants)
	}

	// The control: the owner in time finishes once; a replay is refused.
	s = e.awaiting(e.project, owner, "s-ok")
	st, out := e.finish(pid, owner, s)
	if st != http.StatusOK || out["status"] != "VALID" {
		t.Fatalf("the owner's completion = %d %v", st, out)
	}
	st, _ = e.finish(pid, owner, s)
	refused("a replayed secret", st, http.StatusNotFound)
	if n := len(e.credentials(e.project, "owner")); n != 1 || e.grants() != grants+1 {
		t.Fatalf("after the replay: %d credentials, %d grants; want 1 and 1", n, e.grants()-grants)
	}
}

// TestForwardedLinkInBrowser: the victim opens the forwarded sign-in link
// in a real browser (Chromium, no opener): Microsoft signs them in, and
// the /oauth page tells them nothing was connected, which is true.
func TestForwardedLinkInBrowser(t *testing.T) {
	t.Parallel()
	browsertest.Require(t)
	e := newEnv(t, envOptions{autoConsent: true})
	link := e.buildOAuthAs("paragon", e.token("attacker-x"), "x-session")
	e.emu.SetNextUser(e.user.UPN)
	ctx := browsertest.New(t, 60*time.Second)
	step(t, ctx, "the victim opens the link", chromedp.Navigate(link),
		waitJS(`document.getElementById("title")?.textContent === "Nothing was connected"`))
	if n := len(e.credentials(e.project, "attacker-x")); n != 0 {
		t.Fatalf("the victim's sign-in in a browser created %d credentials for the attacker", n)
	}
}
