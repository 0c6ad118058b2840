package connect_test

import (
	"context"
	"encoding/json"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/drivewayhq/driveway/internal/browsertest"
	"github.com/drivewayhq/driveway/workflow"
)

// paragonDir holds the pinned npm package; e2e/paragon/setup.sh installs it.
var paragonDir = filepath.Join("..", "e2e", "paragon")

// bundleParagon bundles @useparagon/connect's ConnectSDK entry for the
// browser with the pinned esbuild, or skips (fails under CI) when
// node_modules is missing.
func bundleParagon(t *testing.T) string {
	t.Helper()
	esbuild := filepath.Join(paragonDir, "node_modules", ".bin", "esbuild")
	if _, err := os.Stat(esbuild); err != nil {
		msg := "e2e/paragon/node_modules is missing: run e2e/paragon/setup.sh (npm ci) to run the published SDK test"
		if os.Getenv("DRIVEWAY_REQUIRE_BROWSER") != "" {
			t.Fatal(msg + " (DRIVEWAY_REQUIRE_BROWSER is set)")
		}
		t.Skip(msg)
	}
	out := filepath.Join(t.TempDir(), "paragon.js")
	cmd := exec.CommandContext(t.Context(), "node_modules/.bin/esbuild", "entry.js", "--bundle", "--format=iife",
		"--global-name=DrivewayParagon", "--log-level=warning", "--outfile="+out)
	cmd.Dir = paragonDir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("esbuild: %v\n%s", err, b)
	}
	return out
}

// paragonPage is the customer's app page: it constructs the SDK through
// its ConnectSDK entry with every service URL pointing at Driveway.
var paragonPage = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>App</title></head>
<body><button id="install">Connect OneDrive</button><button id="portal">Open the Connect Portal</button>
<script src="/paragon.js"></script>
<script>
window.result = {};
window.events = [];
const dw = {{.Driveway}};
const sdk = new DrivewayParagon.default({
  ZEUS_PUBLIC_URL: dw, HERMES_PUBLIC_URL: dw, WORKER_PROXY_PUBLIC_URL: dw,
  API_TRIGGER_KIT_PUBLIC_URL: dw, CONNECT_PUBLIC_URL: dw + "/connect", DASHBOARD_PUBLIC_URL: dw + "/dashboard",
  PASSPORT_PUBLIC_URL: dw, PASSPORT_PRODUCTION_URL: dw, CDN_PUBLIC_URL: dw + "/cdn",
});
["onPortalOpen", "onPortalClose", "onIntegrationInstall", "onIntegrationUninstall", "onWorkflowChange"].forEach((name) =>
  sdk.subscribe(name, () => window.events.push(name)));
window.options = [];
const option = (name) => () => window.options.push(name);
document.getElementById("portal").addEventListener("click", () => {
  sdk.connect("onedrive", { onOpen: option("onOpen"), onSuccess: option("onSuccess"), onError: option("onError"),
    onClose: option("onClose"), onUninstall: option("onUninstall"), onWorkflowChange: option("onWorkflowChange") }).then((r) => { window.result.portalCredential = (r && r.credentialId) || "?"; },
    (e) => { window.result.error = "connect: " + (e && e.message || String(e)); });
});
(async () => {
  try {
    await sdk.authenticate({{.Project}}, {{.Token}});
    const u = sdk.getUser();
    window.result.user = { authenticated: u.authenticated, hasOneDrive: !!u.integrations.onedrive,
      enabled: u.integrations.onedrive.enabled, credentials: u.integrations.onedrive.allCredentials.length };
    window.result.ready = true;
  } catch (e) { window.result.error = "authenticate: " + e.message; }
})();
document.getElementById("install").addEventListener("click", async () => {
  try {
    await sdk.installIntegration("onedrive");
    window.result.installed = true;
    window.result.enabledAfter = sdk.getUser().integrations.onedrive.enabled;
    const acct = await sdk.getIntegrationAccount("onedrive", { includeAccountAuth: true });
    window.result.account = { id: acct.id, status: acct.status, upn: acct.providerData.userPrincipalName,
      driveType: acct.providerData.driveType, hasAccountAuth: "accountAuth" in acct };
    const listing = await sdk.request("onedrive", "/me/drive/root/children", { method: "GET" });
    const made = await sdk.request("onedrive", "/me/drive/root/children", { method: "POST",
      body: { name: "From the Paragon SDK", folder: {}, "@microsoft.graph.conflictBehavior": "rename" } });
    const again = await sdk.request("onedrive", "/me/drive/items/" + made.id, { method: "GET" });
    window.result.request = { listed: Array.isArray(listing && listing.value), made: made && made.name,
      again: again && again.name, isFolder: !!(again && again.folder) };
    const answer = await sdk.workflow("hello", { body: { name: "Ada" } });
    await sdk.event("signed-up", { plan: "pro" });
    window.result.workflow = { greeting: answer && answer.greeting };
    await sdk.uninstallIntegration("onedrive");
    window.result.enabledAfterUninstall = !!sdk.getUser().integrations.onedrive.enabled;
    window.result.done = true;
  } catch (e) { window.result.error = "install: " + (e && e.message || String(e)); }
});
</script></body></html>`))

// TestPublishedSDK runs the published @useparagon/connect 2.4.0 in
// headless Chromium, from a page on another origin, against Driveway:
// authenticate, getUser shows OneDrive, installIntegration completes
// through the popup flow, getIntegrationAccount, request() through the
// proxy, workflow() answers with the Response step, event() starts the App
// Event workflow, uninstallIntegration.
func TestPublishedSDK(t *testing.T) {
	t.Parallel()
	e, ctx, _ := paragonApp(t)
	for _, def := range []string{
		`{"id": "hello", "name": "Hello", "trigger": {"type": "request"},
			"steps": [{"id": "answer", "type": "response", "input": {"body": {"greeting": "Hello {{ trigger.body.name }}"}}}]}`,
		`{"id": "welcome", "name": "Welcome", "trigger": {"type": "app_event", "event": "signed-up"},
			"steps": [{"id": "answer", "type": "response", "input": {"body": "{{ trigger.plan }}"}}]}`,
	} {
		if _, err := e.workflows.SaveWorkflow(t.Context(), e.project.ID, []byte(def)); err != nil {
			t.Fatal(err)
		}
	}
	// The SDK reads the project's workflows when it authenticates: again.
	step(t, ctx, "authenticate again", chromedp.Reload(), waitJS(`window.result.ready || window.result.error`))
	var res struct {
		Error string `json:"error"`
		User  struct {
			Authenticated, HasOneDrive, Enabled bool
			Credentials                         int
		} `json:"user"`
		Installed, EnabledAfter, EnabledAfterUninstall, Done bool
		Account                                              struct {
			ID, Status, UPN, DriveType string
			HasAccountAuth             bool
		} `json:"account"`
		Request struct {
			Listed, IsFolder bool
			Made, Again      string
		} `json:"request"`
		Workflow struct{ Greeting string } `json:"workflow"`
	}
	read := func() {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.result)`))
		if err != nil {
			t.Fatalf("read result: %v", err)
		}
		if err := json.Unmarshal([]byte(s), &res); err != nil {
			t.Fatalf("decode %s: %v", s, err)
		}
	}
	read()
	if res.Error != "" || !res.User.Authenticated || !res.User.HasOneDrive || res.User.Enabled || res.User.Credentials != 0 {
		t.Fatalf("after authenticate: %+v", res)
	}
	step(t, ctx, "install, read the account, uninstall", chromedp.Click(chromedp.ID("install")),
		waitJS(`window.result.done || window.result.error`))
	read()
	if res.Error != "" || !res.Installed || !res.EnabledAfter || !res.Done || res.EnabledAfterUninstall {
		t.Fatalf("install flow: %+v", res)
	}
	if res.Account.Status != "VALID" || res.Account.UPN != e.user.UPN || res.Account.DriveType != "business" || res.Account.HasAccountAuth {
		t.Fatalf("account = %+v", res.Account)
	}
	if r := res.Request; !r.Listed || r.Made != "From the Paragon SDK" || r.Again != r.Made || !r.IsFolder {
		t.Fatalf("request() through the proxy: %+v; want a listing, then the folder created and read back", r)
	}
	if res.Workflow.Greeting != "Hello Ada" {
		t.Fatalf("workflow(\"hello\") answered %+v, want the Response step's greeting", res.Workflow)
	}
	page, err := e.workflows.ListRuns(t.Context(), e.project.ID, workflow.RunQuery{WorkflowID: "welcome"})
	if err != nil || len(page.Runs) != 1 {
		t.Fatalf("runs of the App Event workflow after event(): %+v, %v; want 1", page, err)
	}
	if e.grants() != 1 {
		t.Fatalf("authorization_code grants = %d, want 1 (the popup flow)", e.grants())
	}
	if left := e.credentials(e.project, "sdk-user"); len(left) != 0 {
		t.Fatalf("%d credentials left after uninstallIntegration", len(left))
	}
	events, err := e.store.ListEvents(t.Context(), e.project.ID, res.Account.ID, 10)
	if err != nil || len(events) != 2 {
		t.Fatalf("events of the credential = %d, %v; want connected and disconnected", len(events), err)
	}
}

// paragonApp serves the customer's app page (paragonPage) on a localhost
// origin against a Driveway with the proxy, opens it in Chromium and waits
// until authenticate() has finished.
func paragonApp(t *testing.T) (*env, context.Context, string) {
	t.Helper()
	return paragonAppWith(t, true)
}

// paragonAppWith is paragonApp; without autoConsent the emulator shows its
// account picker in the popup.
func paragonAppWith(t *testing.T, autoConsent bool) (*env, context.Context, string) {
	t.Helper()
	browsertest.Require(t)
	bundle := bundleParagon(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	appURL := "http://localhost:" + portOf(ln)
	e := newEnv(t, envOptions{autoConsent: autoConsent, origins: []string{appURL}, proxy: true, workflows: true})
	e.emu.SetNextUser(e.user.UPN)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /paragon.js", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, bundle) })
	// A page that severs its window from its opener, as a page sent with
	// Cross-Origin-Opener-Policy does, then goes on to ?next.
	mux.HandleFunc("GET /coop", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
		_ = severPage.Execute(w, r.URL.Query().Get("next"))
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		_ = paragonPage.Execute(w, map[string]string{"Driveway": e.url, "Project": e.project.ID, "Token": e.token("sdk-user")})
	})
	app := &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux}}
	app.Start()
	t.Cleanup(app.Close)
	// The whole test's budget: bundling, authenticate and a popup flow take
	// long on a loaded machine.
	ctx := browsertest.New(t, 180*time.Second)
	step(t, ctx, "authenticate", chromedp.Navigate(appURL+"/"), waitJS(`window.result.ready || window.result.error`))
	return e, ctx, appURL
}

// TestPublishedSDKPortal: the published SDK's connect("onedrive") shows
// Driveway's portal in its iframe (CONNECT_PUBLIC_URL/ui), whose Connect
// button runs the popup install; connect() resolves with the credential,
// the portal turns a workflow off for the user (stored, and the SDK fires
// onWorkflowChange), disconnects the account through the SDK, Close hides
// the frame, and the SDK fires its events in order.
func TestPublishedSDKPortal(t *testing.T) {
	t.Parallel()
	e, ctx, _ := paragonApp(t)
	if _, err := e.workflows.SaveWorkflow(t.Context(), e.project.ID, []byte(`{"id": "notify", "name": "Tell the team about new files",
		"trigger": {"type": "request"}, "steps": [{"id": "answer", "type": "response", "input": {"body": "ok"}}]}`)); err != nil {
		t.Fatal(err)
	}
	// The SDK reads the project's workflows when it authenticates: again.
	step(t, ctx, "authenticate again", chromedp.Reload(), waitJS(`window.result.ready || window.result.error`))
	const frameShown = `(() => { const f = document.querySelector('iframe[src*="/connect/ui"]');
		return !!f && f.style.display === "block"; })()`
	step(t, ctx, "open the portal", chromedp.Click(chromedp.ID("portal")), waitJS(frameShown+` || !!window.result.error`))
	frame := browsertest.AttachFrame(t, ctx, "/connect/ui")
	step(t, frame, "see the portal", waitJS(`document.getElementById("state").textContent === "Not connected"`))
	// The frame loads before the SDK's UI_UPDATE brings the user token: no
	// "needs a user token" message may stay on a portal that works.
	if message, err := chromedp.Run(frame, chromedp.Evaluate[string](`document.getElementById("message").textContent`)); err != nil || message != "" {
		t.Fatalf("the working portal says %q (%v), want no message", message, err)
	}
	step(t, frame, "connect", chromedp.Click(chromedp.ID("connect")),
		waitJS(`document.querySelector("#accounts li .status")?.textContent === "Connected"`))
	step(t, ctx, "connect() resolves", waitJS(`!!window.result.portalCredential || !!window.result.error`))
	var got struct{ PortalCredential, Error string }
	readJSON(t, ctx, `JSON.stringify(window.result)`, &got)
	creds := e.credentials(e.project, "sdk-user")
	if got.Error != "" || len(creds) != 1 || got.PortalCredential != creds[0].ID {
		t.Fatalf("connect() = %+v; stored credentials %d", got, len(creds))
	}
	toggle := `document.querySelector('input.workflow-toggle[data-workflow-id="notify"]')`
	step(t, frame, "the portal lists the workflow, on by default", waitJS(toggle+`?.checked === true`))
	step(t, frame, "turn it off", chromedp.Click(chromedp.CSS(`input.workflow-toggle[data-workflow-id="notify"]`)),
		waitJS(`document.getElementById("message").textContent === "Turned off."`))
	enabledNow := func(want bool) {
		t.Helper()
		wfs, err := e.workflows.UserWorkflows(t.Context(), e.project.ID, "sdk-user")
		if err != nil || wfs["notify"].Enabled != want {
			t.Fatalf("notify for the user: %+v (%v), want enabled %v", wfs["notify"], err, want)
		}
	}
	enabledNow(false)
	step(t, ctx, "the SDK's state follows", waitJS(`sdk.getUser().integrations.onedrive.workflowSettings?.notify?.enabled === false`))
	// The SDK's own enableWorkflow and disableWorkflow read that state (and
	// fire no event).
	for _, call := range []struct {
		js   string
		want bool
	}{{`sdk.enableWorkflow("notify")`, true}, {`sdk.disableWorkflow("notify")`, false}} {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(window.result.call = "", `+call.js+
			`.then(() => { window.result.call = "done"; }, (e) => { window.result.call = "error: " + e.message; }), true)`)); err != nil {
			t.Fatal(err)
		}
		step(t, ctx, call.js, waitJS(`window.result.call !== ""`))
		var got struct{ Call string }
		readJSON(t, ctx, `JSON.stringify(window.result)`, &got)
		if got.Call != "done" {
			t.Fatalf("%s: %s", call.js, got.Call)
		}
		enabledNow(call.want)
	}
	step(t, frame, "disconnect", chromedp.Click(chromedp.CSS("#accounts li button.disconnect")),
		waitJS(`document.querySelectorAll("#accounts li").length === 0`))
	if left := e.credentials(e.project, "sdk-user"); len(left) != 0 {
		t.Fatalf("%d credentials left after the portal's disconnect", len(left))
	}
	step(t, frame, "close", chromedp.Click(chromedp.ID("close")))
	step(t, ctx, "the frame is hidden", waitJS(`!(`+frameShown+`)`))
	var events []string
	readJSON(t, ctx, `JSON.stringify(window.events)`, &events)
	want := []string{"onPortalOpen", "onIntegrationInstall", "onWorkflowChange", "onIntegrationUninstall", "onPortalClose"}
	if !slices.Equal(events, want) {
		t.Fatalf("SDK events = %v, want %v", events, want)
	}
	// connect()'s callbacks, each once, in the same order.
	var options []string
	readJSON(t, ctx, `JSON.stringify(window.options)`, &options)
	if want := []string{"onOpen", "onSuccess", "onWorkflowChange", "onUninstall", "onClose"}; !slices.Equal(options, want) {
		t.Fatalf("connect() options called: %v, want %v", options, want)
	}
}

func readJSON(t *testing.T, ctx context.Context, expr string, v any) {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
}

func portOf(ln net.Listener) string {
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}
