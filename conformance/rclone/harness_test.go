package rclone

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// rcloneScopes are the scopes rclone's OneDrive backend asks for.
var rcloneScopes = []string{"Files.Read", "Files.ReadWrite", "Files.Read.All", "Files.ReadWrite.All", "Sites.Read.All", "offline_access"}

// preAuthHost is the host of the emulator's pre-authenticated URLs, one of
// Microsoft's OneDrive content hosts.
const preAuthHost = "public.files.1drv.com"

// rcloneRedirect is rclone's local redirect URI for its OAuth flow.
const rcloneRedirect = "http://localhost:53682/"

// world is an emulator with one signed-in user, an interceptor that routes
// Microsoft's hosts to it (or to Driveway's proxy), and an rclone config
// file with a remote for that user.
type world struct {
	emu  *emulator.Server
	ic   *interceptor
	user emulator.User
	app  emulator.App
	mode string // business or personal
	// drive names rclone's drive to the emulator's file helpers: the
	// user's id, or a site library's drive id; driveID and driveType are
	// rclone's drive_id and drive_type.
	drive, driveID, driveType string
	configFile                string
	remote                    string // "TestOneDrive:"
}

// worldOpts choose the drive kind and what sits in front of the emulator.
type worldOpts struct {
	business bool // a work account's drive, else a personal one
	viaProxy bool // Graph through Driveway's proxy
	// library makes rclone's remote a SharePoint document library (the
	// second library of a team site, drive_type documentLibrary) of a
	// work account; it implies business.
	library bool
	// lenient accepts Authorization on pre-authenticated URLs (Microsoft
	// usually does, and may answer 401); strict is the default.
	lenient bool
}

// newWorld starts the emulator and, with o.viaProxy, Driveway's proxy in
// front of it.
func newWorld(t *testing.T, o worldOpts) *world {
	t.Helper()
	// The API answers as https://graph.microsoft.com and pre-authenticated
	// URLs are on https://public.files.1drv.com, so every link it returns
	// (nextLink, deltaLink, download, upload and monitor URLs) comes back
	// through the interceptor over https, as from Microsoft (rclone refuses
	// an https-to-http redirect).
	emu, err := emulator.Start("127.0.0.1:0", emulator.Options{BaseURL: "https://graph.microsoft.com",
		PreAuthBaseURL: "https://" + preAuthHost, RejectPreAuthAuthorization: !o.lenient, AutoConsent: true, ControlAPI: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	w := &world{emu: emu, mode: emulator.ModePersonal, remote: "TestOneDrive:"}
	w.seed(t, o.business || o.library)
	w.drive, w.driveID, w.driveType = w.user.ID, w.user.DriveID, w.mode
	if o.library {
		w.seedLibrary(t)
	}
	w.ic = startInterceptor(t, map[string]route{})
	direct, _ := url.Parse("http://" + emu.Addr)
	graph := route{target: direct}
	if o.viaProxy {
		graph = startDrivewayProxy(t, w)
	}
	w.ic.routes["graph.microsoft.com"] = graph
	w.ic.routes["login.microsoftonline.com"] = route{target: direct}
	w.ic.routes[preAuthHost] = route{target: direct}
	w.writeConfig(t)
	return w
}

// seed creates the app and the user in the emulator.
func (w *world) seed(t *testing.T, business bool) {
	t.Helper()
	spec := emulator.UserSpec{UPN: "rclone@outlook.com", DisplayName: "Rclone Personal"}
	if business {
		tenant, err := w.emu.CreateTenant(emulator.TenantSpec{Name: "Fabrikam", Domain: "fabrikam.onmicrosoft.com"})
		if err != nil {
			t.Fatal(err)
		}
		spec = emulator.UserSpec{TenantID: tenant.ID, UPN: "rclone@fabrikam.onmicrosoft.com", DisplayName: "Rclone Business"}
		w.mode = emulator.ModeBusiness
	}
	var err error
	if w.user, err = w.emu.CreateUser(spec); err != nil {
		t.Fatal(err)
	}
	if w.app, err = w.emu.CreateApp(emulator.AppSpec{Name: "rclone", RedirectURIs: []string{rcloneRedirect}}); err != nil {
		t.Fatal(err)
	}
}

// seedLibrary makes a team site with two libraries and points the world
// at the second.
func (w *world) seedLibrary(t *testing.T) {
	t.Helper()
	s, err := w.emu.CreateSite(emulator.SiteSpec{TenantID: w.user.TenantID, Path: "/sites/rclone", DisplayName: "Rclone",
		Libraries: []string{"Documents", "Shared Projects"}})
	if err != nil {
		t.Fatal(err)
	}
	w.drive, w.driveID, w.driveType = s.DriveIDs[1], s.DriveIDs[1], "documentLibrary"
}

// signIn runs the authorization-code flow against the emulator (auto
// consent) and returns its token answer, refresh token included.
func (w *world) signIn(t *testing.T) map[string]any {
	t.Helper()
	base := "http://" + w.emu.Addr + "/common/oauth2/v2.0/"
	q := url.Values{"client_id": {w.app.ClientID}, "response_type": {"code"}, "redirect_uri": {rcloneRedirect},
		"scope": {strings.Join(rcloneScopes, " ")}, "login_hint": {w.user.UPN}}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(base + "authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("authorize: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = http.PostForm(base+"token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {rcloneRedirect}, "client_id": {w.app.ClientID}, "client_secret": {w.app.Secrets[0].Value}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var tok map[string]any
	if err := json.Unmarshal(body, &tok); err != nil || resp.StatusCode != 200 || tok["refresh_token"] == nil {
		t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	return tok
}

// writeConfig writes an rclone config with the remote TestOneDrive. The
// access token is marked expired, so rclone's first call refreshes it at
// login.microsoftonline.com (through the interceptor).
func (w *world) writeConfig(t *testing.T) {
	t.Helper()
	tok := w.signIn(t)
	token, _ := json.Marshal(map[string]any{"access_token": tok["access_token"], "token_type": "Bearer",
		"refresh_token": tok["refresh_token"], "expiry": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)})
	cfg := fmt.Sprintf("[TestOneDrive]\ntype = onedrive\nclient_id = %s\nclient_secret = %s\ntoken = %s\ndrive_id = %s\ndrive_type = %s\n",
		w.app.ClientID, w.app.Secrets[0].Value, token, w.driveID, w.driveType)
	w.configFile = filepath.Join(t.TempDir(), "rclone.conf")
	if err := os.WriteFile(w.configFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

// env is the environment rclone runs in: only the interceptor as proxy, the
// test CA as the only extra root, a private config and cache, no user
// configuration.
func (w *world) env(t *testing.T) []string {
	home := t.TempDir()
	keep := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + os.TempDir(),
		"GOCACHE=" + os.Getenv("GOCACHE"), "GOPATH=" + os.Getenv("GOPATH"), "GOFLAGS=" + os.Getenv("GOFLAGS")}
	if v, ok := os.LookupEnv("GOMODCACHE"); ok {
		keep = append(keep, "GOMODCACHE="+v)
	}
	return append(keep, "HTTPS_PROXY=http://"+w.ic.Addr, "https_proxy=http://"+w.ic.Addr,
		"NO_PROXY=127.0.0.1,localhost", "SSL_CERT_FILE="+w.ic.CAFile,
		"RCLONE_CONFIG="+w.configFile, "RCLONE_CACHE_DIR="+filepath.Join(home, "cache"), "XDG_CACHE_HOME="+filepath.Join(home, "xdg"))
}

// checkContained fails the test if the interceptor refused anything (rclone
// tried a host other than Microsoft's two) or served nothing.
func (w *world) checkContained(t *testing.T) {
	t.Helper()
	refused, served := w.ic.stats()
	if len(refused) > 0 {
		t.Errorf("rclone tried hosts outside the emulated ones (refused): %v", refused)
	}
	if served["graph.microsoft.com"] == 0 || served["login.microsoftonline.com"] == 0 {
		t.Errorf("the interceptor served %v; want Graph and a token refresh at login.microsoftonline.com", served)
	}
}

// versionCount lists an item's versions through Graph, straight at the emulator.
func (w *world) versionCount(t *testing.T, path string) int {
	t.Helper()
	it, err := w.emu.Stat(w.drive, path)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := w.emu.IssueAccessToken(w.user.ID, w.app.ClientID, "Files.Read")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://"+w.emu.Addr+"/v1.0/drives/"+it.DriveID+"/items/"+it.ID+"/versions", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct{ Value []json.RawMessage }
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || resp.StatusCode != 200 {
		t.Fatalf("versions of %s: %d %v", path, resp.StatusCode, err)
	}
	return len(list.Value)
}
