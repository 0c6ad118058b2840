// The requests the SDK sends, recorded by a loopback server that answers
// like Driveway: paths, methods, headers and bodies of the calls the real
// server does not serve yet (workflows, events) and of the request options.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { DrivewayConnect, GraphError } from "../dist/index.js";
import { requireSetup } from "./harness.js";

requireSetup();

let server, base;
const seen = [];
const answers = new Map(); // "METHOD path" → [status, body, headers]

before(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const url = new URL(req.url, "http://x");
      seen.push({ method: req.method, path: url.pathname, query: url.searchParams, headers: req.headers, body });
      const [status, out, headers] = answers.get(`${req.method} ${url.pathname}`) ?? [200, {}, {}];
      res.writeHead(status, { "Content-Type": "application/json", ...headers });
      res.end(out === undefined ? "" : JSON.stringify(out));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${server.address().port}`;
  answers.set("GET /projects/p1/sdk/me", [200, { integrations: { onedrive: { enabled: true, credentialId: "c1", allCredentials: [] } } }]);
  answers.set("GET /projects/p1/sdk/integrations", [200, [{ id: "int-1", type: "onedrive", isActive: true }]]);
});
after(() => server.close());

function jwt(sub) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b64({ alg: "ES256" })}.${b64({ sub, exp: Math.floor(Date.now() / 1000) + 600 })}.c2ln`;
}

const token = jwt("u1");

async function client() {
  const c = new DrivewayConnect({ baseUrl: base + "/" });
  await c.authenticate("p1", token);
  return c;
}

function last(method, path) {
  const r = seen.filter((s) => s.method === method && s.path === path).at(-1);
  assert.ok(r, `no ${method} ${path}; saw ${seen.map((s) => s.method + " " + s.path).join(", ")}`);
  return r;
}

test("every call carries the bearer token", async () => {
  await client();
  const me = last("GET", "/projects/p1/sdk/me");
  assert.equal(me.headers.authorization, "Bearer " + token);
  assert.equal(me.headers.accept, "application/json");
});

test("workflow POSTs the body to the Request trigger with query and credential", async () => {
  const c = await client();
  answers.set("POST /projects/p1/sdk/triggers/wf-1", [200, { ok: 1 }]);
  const out = await c.workflow("wf-1", { body: { a: 1 }, query: { q: "x" }, selectedCredentialId: "c9" });
  assert.deepEqual(out, { ok: 1 });
  const r = last("POST", "/projects/p1/sdk/triggers/wf-1");
  assert.deepEqual(JSON.parse(r.body), { a: 1 });
  assert.equal(r.query.get("q"), "x");
  assert.equal(r.headers["x-paragon-credential"], "c9");
  assert.equal(r.headers["content-type"], "application/json");
});

test("event POSTs {name, payload} to the v2 events route", async () => {
  const c = await client();
  await c.event("Contact Created", { id: 7 });
  const r = last("POST", "/v2/projects/p1/sdk/events/trigger");
  assert.deepEqual(JSON.parse(r.body), { name: "Contact Created", payload: { id: 7 } });
});

test("request sends the proxy path, method, credential and Content-Type auto for strings", async () => {
  const c = await client();
  await c.request("onedrive", "/me/drive/items/abc:/n.txt:/content?x=1", {
    method: "PUT",
    body: "hello",
    selectedCredentialId: "c2",
    headers: { Prefer: "respond-async" },
  });
  const r = last("PUT", "/projects/p1/sdk/proxy/onedrive/me/drive/items/abc:/n.txt:/content");
  assert.equal(r.query.get("x"), "1");
  assert.equal(r.body, "hello");
  assert.equal(r.headers["content-type"], "auto");
  assert.equal(r.headers["x-paragon-credential"], "c2");
  assert.equal(r.headers.prefer, "respond-async");
});

test("uninstallIntegration DELETEs the integration with the credential header", async () => {
  const c = await client();
  await c.uninstallIntegration("onedrive");
  const r = last("DELETE", "/projects/p1/sdk/integrations/int-1");
  assert.equal(r.headers["x-paragon-credential"], "c1");
});

test("getIntegrationAccount asks for the account auth only when told", async () => {
  const c = await client();
  answers.set("GET /projects/p1/sdk/credentials", [200, [{ id: "c1", status: "VALID", integrationId: "int-1" }]]);
  const acct = await c.getIntegrationAccount("onedrive", { includeAccountAuth: true });
  assert.equal(acct.id, "c1");
  const r = last("GET", "/projects/p1/sdk/credentials");
  assert.equal(r.query.get("integration"), "onedrive");
  assert.equal(r.query.get("includeAccountAuth"), "true");
});

test("a Graph error passed through the proxy keeps Retry-After", async () => {
  const c = await client();
  answers.set("GET /projects/p1/sdk/proxy/onedrive/me/drive", [
    429,
    { error: { code: "activityLimitReached", message: "slow down" } },
    { "Retry-After": "3" },
  ]);
  const err = await c.request("onedrive", "me/drive").catch((e) => e);
  assert.ok(err instanceof GraphError);
  assert.equal(err.status, 429);
  assert.equal(err.retryAfter, 3);
  assert.equal(err.graphCode, "activityLimitReached");
});

/** A window whose popup records navigations; the test posts the pages' messages. */
function scriptedWindow(origin) {
  const listeners = new Set();
  const popup = { navigations: [], closed: false, close() { this.closed = true; } };
  popup.location = {
    set href(u) {
      popup.navigations.push(u);
    },
    get href() {
      return popup.navigations.at(-1);
    },
  };
  return {
    popup,
    opened: [],
    location: { origin },
    open(url) {
      this.opened.push(url);
      if (url) popup.navigations.push(url);
      return popup;
    },
    addEventListener: (t, l) => listeners.add(l),
    removeEventListener: (t, l) => listeners.delete(l),
    post: (from, data) => [...listeners].forEach((l) => l({ origin: from, data })),
    listenerCount: () => listeners.size,
  };
}

test("install: the popup goes to build-oauth's URL after oauth-nonce-loaded from Driveway only; an error callback rejects", async () => {
  answers.set("GET /v2/projects/p1/sdk/actions/build-oauth", [200, { redirectUrl: "http://login.test/authorize?x=1" }]);
  answers.set("POST /projects/p1/sdk/actions/url-code", [201, { code: "single-use-code", expiresIn: 60 }]);
  const win = scriptedWindow("http://app.test");
  const c = new DrivewayConnect({ baseUrl: base, window: win, pollIntervalMs: 20 });
  await c.authenticate("p1", token);
  const done = c.installIntegration("onedrive", { selectedCredentialId: "c1", timeoutMs: 5000 });
  assert.deepEqual(win.opened, [""], "the popup opens blank, inside the click");
  for (let i = 0; i < 100 && !win.popup.navigations.length; i++) await new Promise((r) => setTimeout(r, 10));
  const nonce = new URL(win.popup.navigations[0]);
  assert.equal(nonce.pathname, "/projects/p1/sdk/actions/oauth-nonce");
  assert.equal(nonce.searchParams.get("originForPostMessage"), "http://app.test");
  assert.equal(nonce.searchParams.get("integrationId"), "int-1");
  assert.equal(nonce.searchParams.get("code"), "single-use-code");
  assert.equal(last("POST", "/projects/p1/sdk/actions/url-code").headers.authorization, "Bearer " + token);
  assert.ok(!win.popup.navigations[0].includes(token), "no user token in the popup's URL");
  const key = nonce.searchParams.get("oauthMetaKeyId");
  assert.match(key, /^[0-9a-f]{32}$/);
  // build-oauth carries the same session key and the credential to reconnect.
  for (let i = 0; i < 100 && !seen.some((s) => s.path.endsWith("/build-oauth")); i++) await new Promise((r) => setTimeout(r, 10));
  const b = last("GET", "/v2/projects/p1/sdk/actions/build-oauth");
  assert.equal(b.query.get("oauthMetaKeyId"), key);
  assert.equal(b.query.get("userToken"), null, "no user token in build-oauth's query");
  assert.equal(b.headers.authorization, "Bearer " + token);
  assert.equal(b.query.get("selectedCredentialId"), "c1");
  assert.deepEqual(JSON.parse(b.query.get("installOptions")), { selectedCredentialId: "c1" });
  win.post("http://evil.test", { type: "oauth-nonce-loaded" });
  assert.equal(win.popup.navigations.length, 1, "a message from another origin is ignored");
  win.post(base, { type: "oauth-nonce-loaded" });
  assert.equal(win.popup.location.href, "http://login.test/authorize?x=1");
  win.post("http://evil.test", { type: "oauth_success_callback", credential: { payload: { credentialId: "evil" } } });
  win.post(base, { type: "oauth_error_callback", error: "access_denied", errorResponse: { message: "Permission was not granted." } });
  const err = await done.catch((e) => e);
  assert.equal(err.name, "InstallError");
  assert.equal(err.code, "access_denied");
  assert.equal(err.message, "Permission was not granted.");
  assert.equal(win.popup.closed, true);
  assert.equal(win.listenerCount(), 0, "the message listener is removed");
  assert.ok(!seen.some((s) => s.method === "POST" && s.path === "/projects/p1/sdk/credentials"), "no credential completed from a foreign message");
});
