package emulator

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/internal/browsertest"
)

// TestBrowserClicksThroughConsent drives the account picker in headless
// Chromium: a driver page on the emulator's origin loads the authorize page
// in an iframe, picks the login_hint user (preselected) and clicks Accept;
// the callback receives the code, which is then redeemed.
func TestBrowserClicksThroughConsent(t *testing.T) {
	browsertest.Require(t) // skips, or fails under CI, without Chromium
	chromium := browsertest.ChromiumPath
	t.Parallel()
	codes := make(chan url.Values, 1)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	base := fmt.Sprintf("http://localhost:%d", port)
	e := New(Options{BaseURL: base})
	defer e.Close()
	tenant, _ := e.CreateTenant(TenantSpec{Name: "Contoso"})
	_, _ = e.CreateUser(UserSpec{TenantID: tenant.ID, UPN: "first@contoso.onmicrosoft.com"})
	user, _ := e.CreateUser(UserSpec{TenantID: tenant.ID, UPN: "second@contoso.onmicrosoft.com"})
	app, _ := e.CreateApp(AppSpec{Name: "Browser test", RedirectURIs: []string{"http://localhost/callback"}})
	authURL := base + "/organizations/oauth2/v2.0/authorize?" + url.Values{"client_id": {app.ClientID},
		"response_type": {"code"}, "redirect_uri": {base + "/callback"}, "scope": {"openid offline_access Files.ReadWrite"},
		"state": {"browser-state"}, "login_hint": {user.UPN}}.Encode()
	mux := http.NewServeMux()
	mux.Handle("/", e)
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		select {
		case codes <- r.URL.Query():
		default:
		}
		_, _ = w.Write([]byte("<p id=done>done</p>"))
	})
	mux.HandleFunc("GET /driver.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><iframe id=f src=%q></iframe><script>
const f = document.getElementById('f');
f.onload = () => { const b = f.contentDocument.getElementById('accept'); if (b) b.click(); };
</script>`, authURL)
	})
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost", "--user-data-dir="+t.TempDir(),
		"--virtual-time-budget=15000", "--dump-dom", base+"/driver.html")
	out, err := cmd.CombinedOutput()
	var q url.Values
	select {
	case q = <-codes:
	default:
		t.Fatalf("no callback; chromium: %v\n%s", err, out)
	}
	want(t, "state", q.Get("state"), "browser-state")
	resp, err := http.PostForm(base+"/organizations/oauth2/v2.0/token", url.Values{"grant_type": {"authorization_code"},
		"client_id": {app.ClientID}, "client_secret": {app.Secrets[0].Value}, "code": {q.Get("code")},
		"redirect_uri": {base + "/callback"}})
	must(t, err)
	defer resp.Body.Close()
	want(t, "token status", resp.StatusCode, 200)
	var tok map[string]any
	must(t, jsonDecode(resp.Body, &tok))
	claims := (&fixture{t: t, s: &Server{Emulator: e}, c: newFixtureClient()}).verifyIDToken(tok["id_token"].(string))
	want(t, "signed in as the login_hint user", claims["oid"], any(user.ID))
	if !strings.HasPrefix(tok["refresh_token"].(string), "M.") {
		t.Fatalf("refresh token %v", tok["refresh_token"])
	}
}
