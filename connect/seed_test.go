package connect_test

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/drivewayhq/driveway/internal/browsertest"
)

// seedPage is the customer's page around e2e/paragon/seed.js.
var seedPage = template.Must(template.New("seed").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>App</title></head>
<body><button id="install">Connect OneDrive</button>
<script>window.driveway = {host: {{.Host}}, projectId: {{.Project}}, userToken: {{.Token}}, itemId: {{.Item}}};</script>
<script src="/seed.js"></script></body></html>`))

// bundleSeed bundles e2e/paragon/seed.js (which imports the published
// package's `paragon` singleton) for the browser.
func bundleSeed(t *testing.T) string {
	t.Helper()
	bundleParagon(t) // skips or fails when node_modules is missing
	out := filepath.Join(t.TempDir(), "seed.js")
	cmd := exec.CommandContext(t.Context(), "node_modules/.bin/esbuild", "seed.js", "--bundle", "--format=iife",
		"--log-level=warning", "--outfile="+out)
	cmd.Dir = paragonDir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("esbuild: %v\n%s", err, b)
	}
	return out
}

// spki is Chromium's form of a certificate to trust: the base64 SHA-256
// of its public key.
func spki(c *x509.Certificate) string {
	sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// TestSeedCodeVerbatim runs the seed's code unchanged in Chromium with the
// published SDK's default `paragon` singleton, pointed at Driveway by
// configureGlobal({host: "localhost:PORT"}) alone: the SDK derives
// https://{service}.localhost:PORT for each service, which Chromium maps
// to loopback and Driveway routes by host name. installIntegration runs
// the popup flow through zeus.localhost; then a fresh page authenticates
// without await, lists the drive's root and downloads a file.
func TestSeedCodeVerbatim(t *testing.T) {
	t.Parallel()
	browsertest.Require(t)
	bundle := bundleSeed(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	appURL := "http://localhost:" + portOf(ln)
	e := newEnv(t, envOptions{autoConsent: true, origins: []string{appURL}, proxy: true, tls: true})
	e.emu.SetNextUser(e.user.UPN)
	host := "localhost:" + strings.TrimPrefix(e.url[strings.LastIndex(e.url, ":"):], ":")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /seed.js", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, bundle) })
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		_ = seedPage.Execute(w, map[string]string{"Host": host, "Project": e.project.ID,
			"Token": e.token("sdk-user"), "Item": r.URL.Query().Get("item")})
	})
	app := &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux}}
	app.Start()
	t.Cleanup(app.Close)
	ctx := browsertest.NewWith(t, 90*time.Second,
		chromedp.Flag("host-resolver-rules", "MAP *.localhost 127.0.0.1, MAP localhost 127.0.0.1"),
		chromedp.Flag("ignore-certificate-errors-spki-list", spki(e.tlsCert)))
	step(t, ctx, "authenticate", chromedp.Navigate(appURL+"/"), waitJS(`window.result.ready || window.result.error`))
	step(t, ctx, "install and upload", chromedp.Click(chromedp.ID("install")),
		waitJS(`window.result.itemId || window.result.error`))
	var installed struct{ ItemID, Error string }
	readJSON(t, ctx, `JSON.stringify(window.result)`, &installed)
	if installed.Error != "" || installed.ItemID == "" {
		t.Fatalf("install: %+v", installed)
	}
	graphErrors(t, ctx)
	step(t, ctx, "the seed's lines", chromedp.Navigate(appURL+"/?item="+installed.ItemID),
		waitJS(`window.result.done || window.result.error`))
	var got struct {
		Names   []string
		Content string
		Error   string
	}
	readJSON(t, ctx, `JSON.stringify(window.result)`, &got)
	if got.Error != "" || !slices.Contains(got.Names, "seed.txt") || got.Content != "Hello from the seed" {
		t.Fatalf("the seed's code: %+v; want a listing with seed.txt and its content\n%s", got, e.logs.String())
	}
	if e.grants() != 1 {
		t.Fatalf("authorization_code grants = %d, want 1", e.grants())
	}
	portalByHost(t, ctx, e)
}

// portalByHost: paragon.connect("onedrive") frames the portal at
// https://connect.localhost:PORT/ui; it shows the account with no error
// message, and its Connect button runs the sign-in from that origin
// (accepted as the portal's own) and reconnects the same account.
func portalByHost(t *testing.T, ctx context.Context, e *env) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(window.paragon.connect("onedrive").then(
		(r) => { window.result.portal = (r && r.credentialId) || "?"; },
		(e) => { window.result.error = "connect: " + e.message; }), true)`)); err != nil {
		t.Fatal(err)
	}
	frame := browsertest.AttachFrame(t, ctx, "connect.localhost")
	step(t, frame, "the portal lists the account", waitJS(`document.querySelectorAll("#accounts li").length === 1`))
	if m, err := chromedp.Run(frame, chromedp.Evaluate[string](`document.getElementById("message").textContent`)); err != nil || m != "" {
		t.Fatalf("the portal says %q (%v), want no message", m, err)
	}
	e.emu.SetNextUser(e.user.UPN)
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(e.logs.String())
		}
	})
	step(t, frame, "reconnect from the portal", chromedp.Click(chromedp.ID("connect")),
		waitJS(`document.getElementById("message").textContent !== ""`))
	m, _ := chromedp.Run(frame, chromedp.Evaluate[string](`document.getElementById("message").textContent`))
	creds := e.credentials(e.project, "sdk-user")
	if !strings.HasPrefix(m, "Connected") || len(creds) != 1 || e.grants() != 2 {
		t.Fatalf("portal on connect.localhost: message %q, %d credentials, %d grants; want connected again, 1, 2", m, len(creds), e.grants())
	}
}

// graphErrors: a Graph error through the proxy reaches the app with its
// status on the published SDK's error object (error.response.statusCode,
// as on Driveway's own errors) beside Graph's own code, so a conflict and a missing item differ.
func graphErrors(t *testing.T, ctx context.Context) {
	t.Helper()
	const js = `(async () => {
  const failure = async (path, opts) => {
    try { await window.paragon.request("onedrive", path, opts); return {}; }
    catch (e) { return { status: e.response && e.response.statusCode, code: e.response && e.response.error && e.response.error.code }; }
  };
  const folder = { name: "Taken", folder: {}, "@microsoft.graph.conflictBehavior": "fail" };
  await window.paragon.request("onedrive", "/me/drive/root/children", { method: "POST", body: folder });
  window.result.missing = await failure("/me/drive/items/NOSUCHITEM", { method: "GET" });
  window.result.conflict = await failure("/me/drive/root/children", { method: "POST", body: folder });
  window.result.errorsDone = true;
})().catch((e) => { window.result.error = "graph errors: " + e.message; }), true`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "Graph errors", waitJS(`window.result.errorsDone || window.result.error`))
	var got struct {
		Missing, Conflict struct {
			Status int
			Code   string
		}
		Error string
	}
	readJSON(t, ctx, `JSON.stringify(window.result)`, &got)
	if got.Error != "" || got.Missing.Status != 404 || got.Missing.Code != "itemNotFound" ||
		got.Conflict.Status != 409 || got.Conflict.Code != "nameAlreadyExists" {
		t.Fatalf("errors on the SDK's error object: %+v; want 404 itemNotFound and 409 nameAlreadyExists", got)
	}
}
