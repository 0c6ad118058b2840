package connect_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/drivewayhq/driveway/internal/browsertest"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	sdkjs "github.com/drivewayhq/driveway/sdk/js"
)

// filePickerPage is an app page using the published SDK's
// ExternalFilePicker("onedrive"): Init runs picker.init (which reads
// getIntegrationAccount's accountAuth and loads Microsoft's MSAL script),
// Pick opens the picker; window.download reads a picked file through the
// proxy with request().
var filePickerPage = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>App</title></head>
<body><button id="init">Init</button><button id="pick">Pick files</button>
<script src="/paragon.js"></script>
<script>
window.result = {};
const dw = {{.Driveway}};
const sdk = new DrivewayParagon.default({
  ZEUS_PUBLIC_URL: dw, HERMES_PUBLIC_URL: dw, WORKER_PROXY_PUBLIC_URL: dw,
  API_TRIGGER_KIT_PUBLIC_URL: dw + "/actionkit", CONNECT_PUBLIC_URL: dw + "/connect", DASHBOARD_PUBLIC_URL: dw + "/dashboard",
  PASSPORT_PUBLIC_URL: dw, PASSPORT_PRODUCTION_URL: dw, CDN_PUBLIC_URL: dw + "/cdn",
});
const realFetch = window.fetch;
window.fetch = async (...args) => {
  const res = await realFetch(...args);
  res.clone().text().then((b) => { if (b.includes("OAUTH_ACCESS_TOKEN")) window.result.tokenSeen = true; }, () => {});
  return res;
};
let picker;
(async () => {
  try { await sdk.authenticate({{.Project}}, {{.Token}}); window.result.ready = true; }
  catch (e) { window.result.error = "authenticate: " + e.message; }
})();
document.getElementById("init").onclick = async () => {
  try {
    picker = new DrivewayParagon.ExternalFilePicker("onedrive", { allowMultiSelect: true,
      onFileSelect: (items) => { window.result.picked = items; }, onClose: () => { window.result.closed = true; } }, sdk);
    await picker.init({});
    window.result.initialized = true;
  } catch (e) { window.result.initError = (e && e.message) || String(e); }
};
document.getElementById("pick").onclick = () => { window.result.opened = picker.open(); };
window.download = (driveId, id) => sdk.request("onedrive", "/drives/" + driveId + "/items/" + id + "/content", { method: "GET" })
  .then((r) => { window.result.downloaded = typeof r === "string" ? r : JSON.stringify(r); },
        (e) => { window.result.downloadError = e.message; });
</script></body></html>`))

// msalStandIn answers for Microsoft's MSAL script, which the SDK loads
// before it opens the picker (and never calls for OneDrive).
const msalStandIn = "window.msal = window.msal || {};"

// pickerApp starts Driveway with the proxy, lets prepare connect a user
// (whose id it returns), serves filePickerPage for that user, and serves
// the emulator on https too, for onedrive.live.com,
// contoso-my.sharepoint.com and alcdn.msauth.net, which Chromium maps to
// it; it returns the env and the browser tab, authenticated.
func pickerApp(t *testing.T, prepare func(e *env) string) (*env, context.Context) {
	t.Helper()
	return pickerAppWith(t, filePickerPage, prepare)
}

// pickerAppWith is pickerApp with another page; a page other than
// filePickerPage gets Driveway's SDK at /sdk/ instead of the published one.
func pickerAppWith(t *testing.T, page *template.Template, prepare func(e *env) string) (*env, context.Context) {
	t.Helper()
	browsertest.Require(t)
	bundle := ""
	if page == filePickerPage {
		bundle = bundleParagon(t)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	appURL := "http://localhost:" + portOf(ln)
	e := newEnv(t, envOptions{autoConsent: true, origins: []string{appURL}, proxy: true})
	user := prepare(e)
	hosts := []string{"onedrive.live.com", "contoso-my.sharepoint.com", "alcdn.msauth.net"}
	cert, _, err := emulator.SelfSignedCertificateFor("picker hosts", hosts, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ms := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Host, "alcdn.msauth.net") {
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = w.Write([]byte(msalStandIn))
			return
		}
		e.emu.ServeHTTP(w, r)
	}))
	ms.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	ms.StartTLS()
	t.Cleanup(ms.Close)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /paragon.js", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, bundle) })
	mux.Handle("GET /sdk/", http.StripPrefix("/sdk/", http.FileServerFS(sdkjs.Dist())))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		_ = page.Execute(w, map[string]string{"Driveway": e.url, "Project": e.project.ID, "Token": e.token(user)})
	})
	app := &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux}}
	app.Start()
	t.Cleanup(app.Close)
	leaf, _ := x509.ParseCertificate(cert.Certificate[0])
	sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	port := portOf(ms.Listener)
	var rules []string
	for _, h := range hosts {
		rules = append(rules, fmt.Sprintf("MAP %s 127.0.0.1:%s", h, port))
	}
	ctx := browsertest.NewWith(t, 180*time.Second, chromedp.Flag("host-resolver-rules", strings.Join(rules, ", ")),
		chromedp.Flag("ignore-certificate-errors-spki-list", base64.StdEncoding.EncodeToString(sum[:])))
	step(t, ctx, "authenticate", chromedp.Navigate(appURL+"/"), waitJS(`window.result.ready || window.result.error`))
	return e, ctx
}

var pickerFiles = []string{"/Reports/q1.txt", "/Reports/q2.txt", "/Reports/deck.pptx", "/notes.md"}

// connectPickerUser writes pickerFiles to upn's drive, connects upn as
// Driveway user "picker-user" and sets the project's accountAuth setting.
func connectPickerUser(t *testing.T, e *env, upn string, allow bool) string {
	t.Helper()
	for _, f := range pickerFiles {
		if _, err := e.emu.WriteFile(upn, f, []byte("bytes of "+f+" for "+upn)); err != nil {
			t.Fatal(err)
		}
	}
	if _, status, page := e.install(e.project, e.token("picker-user"), "sess-picker", "", upn); status != http.StatusOK {
		t.Fatalf("install %s: %d %s", upn, status, page)
	}
	in, err := e.store.GetIntegration(t.Context(), e.project.ID)
	if err != nil {
		t.Fatal(err)
	}
	in.AllowAccountAuth = allow
	if err := e.store.PutIntegration(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	return "picker-user"
}

// TestPublishedFilePickerWorkAccount and ...PersonalAccount run the
// published SDK's ExternalFilePicker("onedrive") in Chromium against
// Driveway and the emulator's File Picker: init, open (the SDK form-POSTs
// accountAuth's token to DOMAIN's picker), browse into a folder, pick two
// files, receive their ids, download one through the proxy with request()
// and compare the bytes.
func TestPublishedFilePickerWorkAccount(t *testing.T) {
	publishedPickerFlow(t, "", "https://contoso-my.sharepoint.com/_layouts/15/FilePicker.aspx?")
}

func TestPublishedFilePickerPersonalAccount(t *testing.T) {
	publishedPickerFlow(t, "pat@outlook.com", "https://onedrive.live.com/picker?")
}

func publishedPickerFlow(t *testing.T, personalUPN, pickerURL string) {
	t.Parallel()
	var upn string
	e, ctx := pickerApp(t, func(e *env) string {
		upn = e.user.UPN
		if personalUPN != "" {
			u, err := e.emu.CreateUser(emulator.UserSpec{UPN: personalUPN, DisplayName: "Pat"})
			if err != nil {
				t.Fatal(err)
			}
			upn = u.UPN
		}
		return connectPickerUser(t, e, upn, true)
	})
	step(t, ctx, "init", chromedp.Click(chromedp.ID("init")), waitJS(`window.result.initialized || window.result.initError`))
	var res struct {
		InitError, DownloadError, Downloaded string
		Initialized, Closed                  bool
		Picked                               []struct {
			ID              string `json:"id"`
			Name            string `json:"name"`
			ParentReference struct {
				DriveID string `json:"driveId"`
			} `json:"parentReference"`
		}
	}
	readJSON(t, ctx, `JSON.stringify(window.result)`, &res)
	if res.InitError != "" {
		t.Fatalf("picker.init: %s", res.InitError)
	}
	popup := browsertest.OpenPopup(t, ctx, chromedp.Click(chromedp.ID("pick")))
	step(t, popup, "browse into Reports", chromedp.Click(chromedp.CSS(`tr[data-name="Reports"] td.name button`)))
	if loc, _ := chromedp.Run(popup, chromedp.Location()); !strings.HasPrefix(loc, pickerURL) {
		t.Fatalf("the picker opened at %s, want %s…", loc, pickerURL)
	}
	step(t, popup, "pick two files", chromedp.Click(chromedp.CSS(`tr[data-name="q1.txt"] input`)),
		chromedp.Click(chromedp.CSS(`tr[data-name="q2.txt"] input`)), browsertest.ClickThatCloses("pick-button"))
	step(t, ctx, "the SDK's onFileSelect", waitJS(`!!window.result.picked && window.result.closed`))
	readJSON(t, ctx, `JSON.stringify(window.result)`, &res)
	q1, _ := e.emu.Stat(upn, "/Reports/q1.txt")
	q2, _ := e.emu.Stat(upn, "/Reports/q2.txt")
	if len(res.Picked) != 2 || res.Picked[0].ID != q1.ID || res.Picked[1].ID != q2.ID || res.Picked[0].ParentReference.DriveID == "" {
		t.Fatalf("picked %+v, want q1.txt (%s) and q2.txt (%s) with their drive id", res.Picked, q1.ID, q2.ID)
	}
	p := res.Picked[0]
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`download(%q, %q), true`, p.ParentReference.DriveID, p.ID))); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "download through the proxy", waitJS(`window.result.downloaded !== undefined || !!window.result.downloadError`))
	readJSON(t, ctx, `JSON.stringify(window.result)`, &res)
	if want, _ := e.emu.ReadFile(upn, "/Reports/q1.txt"); res.Downloaded != string(want) {
		t.Fatalf("downloaded %q (error %q), want %q", res.Downloaded, res.DownloadError, want)
	}
}

// TestPublishedFilePickerWithoutAccountAuth: with the project's accountAuth
// setting off, the SDK's picker cannot start, and no response the browser
// received carried a token.
func TestPublishedFilePickerWithoutAccountAuth(t *testing.T) {
	t.Parallel()
	_, ctx := pickerApp(t, func(e *env) string { return connectPickerUser(t, e, e.user.UPN, false) })
	step(t, ctx, "init", chromedp.Click(chromedp.ID("init")), waitJS(`window.result.initialized || window.result.initError`))
	var res struct {
		InitError              string
		Initialized, TokenSeen bool
	}
	readJSON(t, ctx, `JSON.stringify(window.result)`, &res)
	if res.Initialized || res.InitError == "" || res.TokenSeen {
		t.Fatalf("with accountAuth off: %+v; want init to fail and no token in any response", res)
	}
}
