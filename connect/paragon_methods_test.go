package connect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/drivewayhq/driveway/connect"
	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// sdkCall evaluates expr (a value or a promise) in the app page and
// returns its JSON, or the message of what it threw or rejected with.
func sdkCall(t *testing.T, ctx context.Context, expr string) (value, errMessage string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(window.__call = undefined, `+settle(expr)+`, true)`)); err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return sdkResult(t, ctx, expr)
}

// sdkClick runs expr from a click on the page (the user gesture a popup
// needs) and returns what sdkCall would.
func sdkClick(t *testing.T, ctx context.Context, expr string) (value, errMessage string) {
	t.Helper()
	arm := `(() => { let b = document.getElementById("act");
		if (!b) { b = document.createElement("button"); b.id = "act"; b.textContent = "act"; document.body.appendChild(b); }
		window.__call = undefined; b.onclick = () => ` + settle(expr) + `; return true; })()`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](arm)); err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	step(t, ctx, "click for "+expr, chromedp.Click(chromedp.ID("act")))
	return sdkResult(t, ctx, expr)
}

func settle(expr string) string {
	return `Promise.resolve().then(() => (` + expr + `)).then(
		(v) => { window.__call = { value: JSON.stringify(v === undefined ? null : v) }; },
		(e) => { window.__call = { error: String((e && e.message) || e) }; })`
}

func sdkResult(t *testing.T, ctx context.Context, expr string) (string, string) {
	t.Helper()
	step(t, ctx, expr, waitJS(`window.__call !== undefined`))
	var got struct{ Value, Error string }
	readJSON(t, ctx, `JSON.stringify(window.__call)`, &got)
	return got.Value, got.Error
}

// sdkValue is sdkCall that fails the test when expr throws, and decodes
// the value into v.
func sdkValue(t *testing.T, ctx context.Context, expr string, v any) {
	t.Helper()
	value, msg := sdkCall(t, ctx, expr)
	if msg != "" {
		t.Fatalf("%s threw %q", expr, msg)
	}
	if err := json.Unmarshal([]byte(value), v); err != nil {
		t.Fatalf("%s = %s: %v", expr, value, err)
	}
}

// wantError fails unless expr throws a message holding want.
func wantError(t *testing.T, ctx context.Context, expr, want string) {
	t.Helper()
	value, msg := sdkCall(t, ctx, expr)
	if !strings.Contains(msg, want) {
		t.Fatalf("%s = %s, threw %q; want an error holding %q", expr, value, msg, want)
	}
}

// installs counts the SDK's onIntegrationInstall events so far.
const installs = `window.events.filter((n) => n === "onIntegrationInstall").length`

// pollEnded is true once the SDK's credential poll of n installs has
// ended: it read the marker of a session it finished itself n times, or
// it fired a second onIntegrationInstall for an install (the defect).
func pollEnded(n int) string {
	return `(performance.getEntriesByType("resource").filter((r) => r.name.endsWith("/sdk/credentials/finished-by-sdk")).length >= ` +
		strconv.Itoa(n) + ` || ` + installs + ` > ` + strconv.Itoa(n) + `)`
}

// TestPublishedSDKOneInstallEvent: installIntegration with the published
// SDK fires onIntegrationInstall exactly once, although the SDK both
// finishes the sign-in from the popup's message and polls the install
// session until it answers a credential id; the poll ends without a
// second event, and the session is deleted.
func TestPublishedSDKOneInstallEvent(t *testing.T) {
	t.Parallel()
	e, ctx, _ := paragonApp(t)
	e.emu.SetNextUser(e.user.UPN)
	if _, msg := sdkClick(t, ctx, `sdk.installIntegration("onedrive")`); msg != "" {
		t.Fatalf("installIntegration: %s", msg)
	}
	step(t, ctx, "the SDK's poll ends", waitJS(pollEnded(1)))
	// The published SDK fires a poll's event before it reads the
	// credential; give a late one time to show before counting.
	step(t, ctx, "a moment", chromedp.Sleep(1500))
	var n int
	readJSON(t, ctx, `JSON.stringify(`+installs+`)`, &n)
	if n != 1 {
		t.Fatalf("onIntegrationInstall fired %d times for one install, want 1", n)
	}
	sessions := `performance.getEntriesByType("resource").filter((r) => r.name.includes("/sdk/actions/session-id/")).length`
	step(t, ctx, "the SDK deletes the session", waitJS(sessions+` >= 2`))
}

// TestPublishedSDKInstallFlow: the headless installFlow (Paragon's
// documented headless install) completes: its onComplete comes from the
// SDK's session poll, which must therefore answer the credential's id.
// startOAuthFlow, which installFlow calls, is covered with it.
func TestPublishedSDKInstallFlow(t *testing.T) {
	t.Parallel()
	e, ctx, _ := paragonApp(t)
	e.emu.SetNextUser(e.user.UPN)
	var got struct {
		CredentialID string
		Stages       []string
	}
	sdkClickValue(t, ctx, `new Promise((resolve, reject) => { const stages = []; sdk.setHeadless(true);
		sdk.installFlow.start("onedrive", { onNext: (n) => stages.push(n.stage),
			onComplete: (r) => resolve({ credentialId: r.credentialId, stages }), onError: (err) => reject(err) }); })`, &got)
	creds := e.credentials(e.project, "sdk-user")
	if len(creds) != 1 || got.CredentialID != creds[0].ID || !slices.Contains(got.Stages, "oauth") {
		t.Fatalf("installFlow completed with %+v; stored credentials %d", got, len(creds))
	}
}

// TestPublishedSDKFailedSignIn: when Microsoft fails the code exchange, the
// published SDK's installIntegration rejects (the popup's message), its
// session poll ends at once instead of polling for 180 s, and the headless
// installFlow, which hears only the poll, gets the failure in onError.
func TestPublishedSDKFailedSignIn(t *testing.T) {
	t.Parallel()
	e, ctx, _ := paragonApp(t)
	e.emu.AddFault(emulator.Fault{Route: "identity.token", Status: 503, Count: 2})
	if v, msg := sdkClick(t, ctx, `sdk.installIntegration("onedrive")`); msg == "" {
		t.Fatalf("installIntegration with Microsoft failing = %s, want an error", v)
	}
	const marker = `performance.getEntriesByType("resource").filter((r) => r.name.includes("/sdk/credentials/sign-in-failed-")).length`
	const polls = `JSON.stringify(performance.getEntriesByType("resource").filter((r) => r.name.includes("/sdk/actions/session-id/")).length)`
	step(t, ctx, "the poll reads the failure", waitJS(marker+` >= 1`))
	var before, after int
	readJSON(t, ctx, polls, &before)
	step(t, ctx, "a few poll intervals", chromedp.Sleep(3000))
	readJSON(t, ctx, polls, &after)
	if after != before {
		t.Fatalf("session requests went from %d to %d after the failure: the poll goes on", before, after)
	}
	var onError string
	sdkClickValue(t, ctx, `new Promise((resolve) => { sdk.setHeadless(true);
		sdk.installFlow.start("onedrive", { onComplete: () => resolve("completed"), onError: (err) => resolve("onError: " + err.message) }); })`, &onError)
	if !strings.Contains(onError, "OneDrive was not connected (temporarily_unavailable)") {
		t.Fatalf("installFlow with Microsoft failing: %q", onError)
	}
	if n := len(e.credentials(e.project, "sdk-user")); n != 0 {
		t.Fatalf("%d credentials after failed sign-ins", n)
	}
}

// TestPublishedSDKMethods drives the published SDK's other public methods
// against Driveway, row by row of docs/paragon-compatibility.md: those
// that work, and those Driveway answers with a typed not_supported error
// naming what it does not offer.
func TestPublishedSDKMethods(t *testing.T) {
	t.Parallel()
	e, ctx, _ := paragonApp(t)
	if _, err := e.workflows.SaveWorkflow(t.Context(), e.project.ID, []byte(`{"id": "notify", "name": "Tell the team",
		"trigger": {"type": "request"}, "steps": [{"id": "answer", "type": "response", "input": {"body": "ok"}}]}`)); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "authenticate again", chromedp.Reload(), waitJS(`window.result.ready || window.result.error`))
	beforeInstall(t, e, ctx)
	e.emu.SetNextUser(e.user.UPN)
	var first string
	if v, msg := sdkClick(t, ctx, `sdk.installIntegration("onedrive").then(() => sdk.getUser().integrations.onedrive.credentialId)`); msg != "" || json.Unmarshal([]byte(v), &first) != nil {
		t.Fatalf("installIntegration = %s, %q", v, msg)
	}
	withOneAccount(t, e, ctx, first)
	withTwoAccounts(t, e, ctx, first)
	// After withTwoAccounts: the proxy keeps a user's single account for
	// its CacheTTL where no change feed tells it of a second one.
	downloadBinary(t, e, ctx)
	afterLogout(t, ctx)
}

// beforeInstall: metadata, config, setUserMetadata, the client-side
// helpers, and the typed errors that need no account.
func beforeInstall(t *testing.T, e *env, ctx context.Context) {
	var meta struct{ Type, Name, BrandColor, Icon string }
	sdkValue(t, ctx, `sdk.getIntegrationMetadata("onedrive")`, &meta)
	if meta.Type != "onedrive" || meta.Name != "OneDrive" || meta.BrandColor == "" || meta.Icon == "" {
		t.Fatalf("getIntegrationMetadata(onedrive) = %+v", meta)
	}
	var types []string
	sdkValue(t, ctx, `sdk.getIntegrationMetadata().map((m) => m.type)`, &types)
	if !slices.Equal(types, []string{"onedrive"}) {
		t.Fatalf("getIntegrationMetadata() types = %v", types)
	}
	var config struct {
		ShortDescription, LongDescription string
		AvailableWorkflows                []struct{ ID string }
	}
	sdkValue(t, ctx, `sdk.getIntegrationConfig("onedrive")`, &config)
	if config.ShortDescription == "" || len(config.AvailableWorkflows) != 1 || config.AvailableWorkflows[0].ID != "notify" {
		t.Fatalf("getIntegrationConfig = %+v", config)
	}
	var user struct{ Meta map[string]any }
	sdkValue(t, ctx, `sdk.setUserMetadata({ Name: "Ada Lovelace", Email: "ada@example.com", meta: { plan: "pro" } })`, &user)
	var stored struct{ Meta map[string]any }
	e.callJSON("GET", "/projects/"+e.project.ID+"/sdk/me", e.token("sdk-user"), nil, &stored)
	for _, m := range []map[string]any{user.Meta, stored.Meta} {
		if m["Email"] != "ada@example.com" || m["Name"] != "Ada Lovelace" {
			t.Fatalf("setUserMetadata: the SDK has %v, Driveway stored %v", user.Meta, stored.Meta)
		}
	}
	var helpers map[string]any
	sdkValue(t, ctx, `({ version: sdk.getVersion(), id: sdk.getIntegrationId("onedrive"), asset: sdk.getAssetUrl("logo"),
		accountTypes: sdk.getAccountTypeOptions("onedrive"), pre: sdk.getPreOptions("onedrive"), post: sdk.getPostOptions("onedrive"),
		source: sdk.getSourcesForInput("onedrive", { type: "TEXT_NO_VARS", title: "x" }),
		actionSource: sdk.getSourcesForActionInput({ id: "x", title: "x", type: "TEXT_NO_VARS" }),
		headless: (sdk.setHeadless(true), sdk.setHeadless(false), "ok"), dataSources: (sdk.setDataSources({}), "ok"),
		closed: (sdk.closePortal(), "ok") })`, &helpers)
	want := map[string]any{"version": helpers["version"], "id": connect.IntegrationID(e.project.ID), "asset": helpers["asset"],
		"accountTypes": []any{}, "pre": []any{}, "post": []any{}, "source": nil, "actionSource": nil,
		"headless": "ok", "dataSources": "ok", "closed": "ok"}
	if b1, b2 := mustJSON(t, helpers), mustJSON(t, want); b1 != b2 || helpers["version"] == "" ||
		!strings.HasSuffix(helpers["asset"].(string), "/images/logo.png") {
		t.Fatalf("client-side helpers = %s, want %s", b1, b2)
	}
	if v, msg := sdkCall(t, ctx, `sdk.getDataSourceOptions("onedrive", "folders")`); msg != "" || v != "null" {
		t.Fatalf("getDataSourceOptions = %s, %q; want nothing", v, msg)
	}
	var onError string
	sdkValue(t, ctx, `new Promise((resolve) => { sdk.connect("onedrive", { overrideRedirectUrl: "http://[",
		onError: (err) => resolve("onError: " + err.message) }).catch(() => undefined); })`, &onError)
	if !strings.HasPrefix(onError, "onError: ") || !strings.Contains(onError, "is not valid url") {
		t.Fatalf("connect()'s onError got %q", onError)
	}
	wantError(t, ctx, `sdk.connectAction("slack", {})`, `No resource found with name "slack"`)
	wantError(t, ctx, `sdk.completeInstall("onedrive", { authorizationCode: "a-code" })`, "Driveway does not offer completeInstall")
}

// withOneAccount: getTriggers, the settings updates, the typed errors of
// configurations and data sources, the custom webhook URL.
func withOneAccount(t *testing.T, e *env, ctx context.Context, first string) {
	var triggers struct {
		Triggers map[string][]struct{ Type, TriggerModel, Title string }
	}
	sdkValue(t, ctx, `sdk.getTriggers("onedrive")`, &triggers)
	if od := triggers.Triggers["onedrive"]; len(od) != 1 || od[0].Type != "ONEDRIVE_TRIGGER_FILE_CHANGE" || od[0].TriggerModel == "" || od[0].Title == "" {
		t.Fatalf("getTriggers = %+v", triggers)
	}
	var shared map[string]any
	sdkValue(t, ctx, `sdk.updateIntegrationUserSettings("onedrive", { folder: "/Docs" }).then((r) =>
		r.errors.length ? r.errors : r.userState.integrations.onedrive.sharedSettings)`, &shared)
	var me struct {
		Integrations map[string]struct{ SharedSettings map[string]any }
	}
	e.callJSON("GET", "/projects/"+e.project.ID+"/sdk/me", e.token("sdk-user"), nil, &me)
	if shared["folder"] != "/Docs" || me.Integrations["onedrive"].SharedSettings["folder"] != "/Docs" {
		t.Fatalf("updateIntegrationUserSettings: the SDK has %v, Driveway %v", shared, me.Integrations["onedrive"].SharedSettings)
	}
	var settings map[string]any
	sdkValue(t, ctx, `sdk.updateWorkflowUserSettings("onedrive", "notify", { channel: "#files" }).then((r) =>
		r.userState.integrations.onedrive.workflowSettings.notify.settings)`, &settings)
	if settings["channel"] != "#files" {
		t.Fatalf("updateWorkflowUserSettings: %v", settings)
	}
	var stateErrors []any
	sdkValue(t, ctx, `sdk.updateWorkflowState({ notify: false }).then((r) => r.errors)`, &stateErrors)
	if wfs, err := e.workflows.UserWorkflows(t.Context(), e.project.ID, "sdk-user"); len(stateErrors) != 0 || err != nil || wfs["notify"].Enabled {
		t.Fatalf("updateWorkflowState({notify: false}): errors %v; stored %+v, %v", stateErrors, wfs["notify"], err)
	}
	wantError(t, ctx, `sdk.createConfiguration({ credentialId: "`+first+`" })`, "Driveway does not offer createConfiguration")
	wantError(t, ctx, `sdk.updateConfiguration({ id: sdk.getUser().integrations.onedrive.credentialConfigId, credentialId: "`+first+`", meta: {} })`,
		"Driveway does not offer updateConfiguration")
	wantError(t, ctx, `sdk.destroyConfiguration({ id: sdk.getUser().integrations.onedrive.credentialConfigId, credentialId: "`+first+`" })`,
		"Cannot delete default configuration")
	wantError(t, ctx, `sdk.getFieldOptions({ integration: "onedrive", action: "folders" })`, "Driveway does not offer getFieldOptions")
	var manual string
	sdkValue(t, ctx, `sdk.getCustomWebhookUserManualUrl("notify")`, &manual)
	body := struct{ Code, Message string }{}
	status, raw, _ := e.call("GET", strings.TrimPrefix(manual, e.url), "", nil)
	if !strings.HasPrefix(manual, e.url+"/triggers/connect/") || status != http.StatusNotImplemented ||
		json.Unmarshal(raw, &body) != nil || body.Code != "not_supported" || !strings.Contains(body.Message, "custom webhook") {
		t.Fatalf("getCustomWebhookUserManualUrl = %s, which answers %d %s", manual, status, raw)
	}
}

// downloadBinary: the published SDK reads every proxy answer as text, so
// a browser app downloads a binary file from the item's
// @microsoft.graph.downloadUrl (Graph's way for JavaScript), got through
// request(); the bytes arrive intact.
func downloadBinary(t *testing.T, e *env, ctx context.Context) {
	png := []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0x0d, 0xff, 0xfe, 0x80, 0x00}
	req, err := http.NewRequestWithContext(t.Context(), "PUT",
		e.url+"/projects/"+e.project.ID+"/sdk/proxy/onedrive/me/drive/root:/pixel.png:/content", bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token("sdk-user"))
	req.Header.Set("Content-Type", "image/png")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("upload pixel.png: %v %v", resp, err)
	}
	resp.Body.Close()
	var got []byte
	var ints []int
	sdkValue(t, ctx, `sdk.request("onedrive", "/me/drive/root:/pixel.png", { method: "GET" })
		.then((item) => fetch(item["@microsoft.graph.downloadUrl"])).then((r) => r.arrayBuffer())
		.then((b) => Array.from(new Uint8Array(b)))`, &ints)
	for _, v := range ints {
		got = append(got, byte(v))
	}
	if !bytes.Equal(got, png) {
		t.Fatalf("pixel.png through its downloadUrl = %x, want %x", got, png)
	}
}

// withTwoAccounts: a second account with allowMultipleCredentials,
// request with selectedCredentialId, a reconnect with selectedCredentialId,
// unsubscribe, uninstall of one account.
func withTwoAccounts(t *testing.T, e *env, ctx context.Context, first string) {
	e.emu.SetNextUser(e.user2.UPN)
	var ids []string
	sdkClickValue(t, ctx, `sdk.installIntegration("onedrive", { allowMultipleCredentials: true }).then(() =>
		sdk.getUser().integrations.onedrive.allCredentials.map((c) => c.id))`, &ids)
	if len(ids) != 2 || !slices.Contains(ids, first) {
		t.Fatalf("credentials after a second install with allowMultipleCredentials: %v", ids)
	}
	second := ids[0]
	if second == first {
		second = ids[1]
	}
	var upns []string
	sdkValue(t, ctx, `Promise.all(["`+first+`", "`+second+`"].map((id) =>
		sdk.request("onedrive", "/me", { method: "GET", selectedCredentialId: id }))).then((ms) => ms.map((m) => m.userPrincipalName))`, &upns)
	if !slices.Equal(upns, []string{e.user.UPN, e.user2.UPN}) {
		t.Fatalf("request /me with each selectedCredentialId: %v", upns)
	}
	// Without one, the proxy does not guess which account the app meant.
	wantError(t, ctx, `sdk.request("onedrive", "/me", { method: "GET" })`, "several OneDrive accounts")
	// externalId is refused when the SDK finishes the sign-in, before
	// anything is stored.
	e.emu.SetNextUser(e.user2.UPN)
	if v, msg := sdkClick(t, ctx, `sdk.installIntegration("onedrive", { allowMultipleCredentials: true, externalId: "acct-7" })`); !strings.Contains(msg, "Driveway does not offer externalId") {
		t.Fatalf("installIntegration with externalId = %s, %q", v, msg)
	}
	if n := len(e.credentials(e.project, "sdk-user")); n != 2 {
		t.Fatalf("%d credentials after a refused externalId, want 2", n)
	}
	grants := e.grants()
	e.emu.SetNextUser(e.user2.UPN)
	var again []string
	sdkClickValue(t, ctx, `sdk.installIntegration("onedrive", { allowMultipleCredentials: true, selectedCredentialId: "`+second+`",
		accountType: "default", bypassPostOAuthPrompt: true, overrideRedirectUrl: "https://app.example/oauth" }).then(() =>
		sdk.getUser().integrations.onedrive.allCredentials.map((c) => c.id))`, &again)
	// (accountType, bypassPostOAuthPrompt and overrideRedirectUrl change
	// nothing: Microsoft still answered Driveway's /oauth.)
	slices.Sort(ids)
	slices.Sort(again)
	if !slices.Equal(ids, again) || e.grants() != grants+1 {
		t.Fatalf("reconnect with selectedCredentialId: credentials %v, want %v; grants %d, want %d", again, ids, e.grants(), grants+1)
	}
	// enableWorkflow, workflow and event for a named account.
	var answer any
	sdkValue(t, ctx, `sdk.enableWorkflow("notify", { selectedCredentialId: "`+second+`" })
		.then(() => sdk.workflow("notify", { selectedCredentialId: "`+second+`", body: {} }))
		.then((r) => sdk.event("signed-up", { plan: "pro" }, { selectedCredentialId: "`+second+`" }).then(() => r))`, &answer)
	if wfs, err := e.workflows.UserWorkflows(t.Context(), e.project.ID, "sdk-user"); answer != "ok" || err != nil || !wfs["notify"].Enabled {
		t.Fatalf("workflow(notify) for the second account answered %v; notify stored %+v, %v", answer, wfs["notify"], err)
	}
	step(t, ctx, "the polls end", waitJS(pollEnded(3)))
	var n int
	readJSON(t, ctx, `JSON.stringify(`+installs+`)`, &n)
	if n != 3 {
		t.Fatalf("onIntegrationInstall fired %d times for three installs", n)
	}
	var unsub []any
	sdkValue(t, ctx, `(() => { window.unsub = 0; const f = () => window.unsub++; sdk.subscribe("onIntegrationUninstall", f);
		sdk.unsubscribe("onIntegrationUninstall", f); const off = sdk.subscribe("onIntegrationUninstall", () => { window.unsub += 10; }); off();
		return sdk.uninstallIntegration("onedrive", { selectedCredentialId: "`+second+`" }).then(() =>
			[window.unsub, window.events.filter((n) => n === "onIntegrationUninstall").length]); })()`, &unsub)
	if mustJSON(t, unsub) != "[0,1]" || len(e.credentials(e.project, "sdk-user")) != 1 {
		t.Fatalf("after unsubscribe: [unsubscribed listener calls, subscribed listener calls] = %v; credentials left %d",
			unsub, len(e.credentials(e.project, "sdk-user")))
	}
}

// afterLogout: logout forgets the user, and a call after it fails with
// the SDK's message instead of reaching Driveway.
func afterLogout(t *testing.T, ctx context.Context) {
	var state []any
	sdkValue(t, ctx, `(sdk.logout(), [sdk.getUser().authenticated, localStorage.length])`, &state)
	if mustJSON(t, state) != "[false,0]" {
		t.Fatalf("after logout: [authenticated, localStorage entries] = %v", state)
	}
	wantError(t, ctx, `sdk.request("onedrive", "/me", { method: "GET" })`, "no user was authenticated")
}

func sdkClickValue(t *testing.T, ctx context.Context, expr string, v any) {
	t.Helper()
	value, msg := sdkClick(t, ctx, expr)
	if msg != "" {
		t.Fatalf("%s threw %q", expr, msg)
	}
	if err := json.Unmarshal([]byte(value), v); err != nil {
		t.Fatalf("%s = %s: %v", expr, value, err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
