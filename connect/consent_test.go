package connect_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestAdminConsentPath: in a tenant whose setting lets only an
// administrator consent, the user's sign-in ends with "admin approval
// required" (not "permission was not granted"), the page, the SDK's error
// and the install session carry the admin-consent link; the administrator
// opens it, approves, lands on Driveway's page; then the same user connects.
func TestAdminConsentPath(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{autoConsent: true})
	if err := e.emu.SetUserConsentBlocked(e.tenant.ID, true); err != nil {
		t.Fatal(err)
	}
	tok := e.token("user-locked")
	cb, status, page := e.install(e.project, tok, "locked1", "", e.user.UPN)
	if status != 200 || !strings.Contains(page, `"error":"admin_consent_required"`) || !strings.Contains(page, "only an administrator") {
		t.Fatalf("blocked sign-in: %d %s\n%s", status, cb, page)
	}
	if len(e.credentials(e.project, "user-locked")) != 0 {
		t.Fatal("a credential was stored without consent")
	}
	var sess map[string]string
	e.callJSON("GET", "/projects/"+e.project.ID+"/sdk/actions/session-id/locked1", tok, nil, &sess)
	if sess["error"] != "admin_consent_required" {
		t.Fatalf("session = %v", sess)
	}
	link := adminLinkOf(t, page)
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(link, e.emu.BaseURL) || !strings.HasSuffix(u.Path, "/v2.0/adminconsent") ||
		u.Query().Get("client_id") != e.app.ClientID || u.Query().Get("redirect_uri") != e.url+"/oauth" ||
		!strings.Contains(u.Query().Get("scope"), "https://graph.microsoft.com/Files.") || strings.Contains(u.Query().Get("scope"), "offline_access") {
		t.Fatalf("admin-consent link %q", link)
	}

	// The administrator (a work account of the tenant) approves.
	e.emu.SetNextUser(e.user2.UPN)
	st, body, h := e.call("GET", link, "", nil)
	if st != http.StatusFound || !strings.HasPrefix(h.Get("Location"), e.url+"/oauth?") {
		t.Fatalf("admin consent = %d %s %s", st, h.Get("Location"), body)
	}
	st, landing, _ := e.call("GET", h.Get("Location"), "", nil)
	if st != 200 || !strings.Contains(string(landing), "approved for your organization") {
		t.Fatalf("admin landing = %d %s", st, landing)
	}

	_, _, page = e.install(e.project, tok, "locked2", "", e.user.UPN)
	if creds := e.credentials(e.project, "user-locked"); len(creds) != 1 {
		t.Fatalf("after the admin's approval the user still cannot connect:\n%s", page)
	}
}

// adminLinkOf reads the admin-consent link from the callback page's
// message to the SDK, and checks the page shows the same link.
func adminLinkOf(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`"adminConsentUrl":("[^"]+")`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no adminConsentUrl in the message to the SDK:\n%s", page)
	}
	var link string
	if err := json.Unmarshal([]byte(m[1]), &link); err != nil {
		t.Fatal(err)
	}
	shown := regexp.MustCompile(`<a id="link" href="([^"]+)"`).FindStringSubmatch(page)
	if shown == nil || html.UnescapeString(shown[1]) != link {
		t.Fatalf("the page does not show the link %q:\n%s", link, page)
	}
	return link
}

// TestConsentFailuresAreTold: each kind of refusal Microsoft redirects with
// is told apart by its AADSTS code, with its own code and message.
func TestConsentFailuresAreTold(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{autoConsent: true})
	tok := e.token("user-consent")
	for i, c := range []struct{ aadsts, want string }{
		{"AADSTS65004: User declined to consent to access the app.", "user_declined"},
		{"AADSTS90094: The grant requires admin permission.", "admin_consent_required"},
		{"AADSTS50105: The signed in user is not assigned to a role for the application.", "app_not_allowed"},
		{"AADSTS53003: Access has been blocked by Conditional Access policies.", "conditional_access"},
		{"", "access_denied"},
	} {
		cb := e.authorize(e.buildOAuth(e.project, tok, "", ""), e.user.UPN)
		st, page := e.get(withQuery(t, cb, url.Values{"error": {"access_denied"}, "error_description": {c.aadsts}}, "code"))
		if st != 200 || !strings.Contains(page, `"error":"`+c.want+`"`) {
			t.Fatalf("case %d (%q): want %s, got %d\n%s", i, c.aadsts, c.want, st, page)
		}
		if c.want != "admin_consent_required" && strings.Contains(page, "adminConsentUrl") {
			t.Fatalf("case %d: an admin link for %s", i, c.want)
		}
	}
}
