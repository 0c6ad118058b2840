// Parts of the SDK that need no server: the token check, events, bodies,
// error classification.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AuthenticationError,
  DrivewayConnect,
  DrivewayError,
  GraphError,
  NetworkError,
  driveway,
} from "../dist/index.js";
import { decodeUserToken } from "../dist/jwt.js";
import { decodeBody, encodeBody } from "../dist/body.js";
import { summarize } from "../dist/http.js";
import { requireSetup } from "./harness.js";

requireSetup();

function jwt(claims) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b64({ alg: "ES256", typ: "JWT" })}.${b64(claims)}.c2ln`;
}

test("decodeUserToken reads sub and refuses malformed, exp-less and expired tokens", () => {
  const now = Date.now();
  assert.equal(decodeUserToken(jwt({ sub: "u1", exp: now / 1000 + 60 }), now).sub, "u1");
  const bad = [
    ["not a jwt", "not-a-jwt"],
    ["no exp", jwt({ sub: "u1" })],
    ["expired", jwt({ sub: "u1", exp: Math.floor(now / 1000) - 1 })],
    ["payload not JSON", "a.bm90IGpzb24.c"],
  ];
  for (const [name, tok] of bad) {
    assert.throws(() => decodeUserToken(tok, now), AuthenticationError, name);
  }
});

test("authenticate refuses an expired token before any request", async () => {
  let calls = 0;
  const c = new DrivewayConnect({ baseUrl: "http://127.0.0.1:9", fetch: async () => (calls++, new Response("{}")) });
  await assert.rejects(c.authenticate("p1", jwt({ sub: "u", exp: 1 })), AuthenticationError);
  assert.equal(calls, 0);
  assert.deepEqual(c.getUser(), { authenticated: false });
});

test("methods before authenticate throw AuthenticationError", async () => {
  const c = new DrivewayConnect({ baseUrl: "http://127.0.0.1:9" });
  await assert.rejects(c.request("onedrive", "/me/drive"), AuthenticationError);
  await assert.rejects(c.installIntegration("onedrive"), AuthenticationError);
});

test("a connection failure is a NetworkError", async () => {
  const c = new DrivewayConnect({ baseUrl: "http://127.0.0.1:9" });
  await assert.rejects(c.authenticate("p1", jwt({ sub: "u", exp: Date.now() / 1000 + 60 })), NetworkError);
});

test("subscribe accepts the SDK's event names only and returns an unsubscribe function", () => {
  const c = new DrivewayConnect({ baseUrl: "http://127.0.0.1:9" });
  assert.throws(() => c.subscribe("onSomethingElse", () => {}), DrivewayError);
  const off = c.subscribe("onIntegrationInstall", () => {});
  assert.equal(typeof off, "function");
  off();
});

test("the default export is a client whose baseUrl can be configured", () => {
  assert.ok(driveway instanceof DrivewayConnect);
  const c = new DrivewayConnect();
  assert.throws(() => c.baseUrl, DrivewayError);
  c.configure({ baseUrl: "https://driveway.example.test/" });
  assert.equal(c.baseUrl, "https://driveway.example.test");
});

test("encodeBody picks the content type from the body", () => {
  const cases = [
    [{ name: "x" }, "application/json", '{"name":"x"}'],
    ["raw text", "auto", "raw text"],
    [new Uint8Array([1, 2]), "application/octet-stream", null],
    [new Blob(["a"], { type: "text/csv" }), "text/csv", null],
  ];
  for (const [body, ct, encoded] of cases) {
    const h = new Headers();
    const out = encodeBody(body, h);
    assert.equal(h.get("Content-Type"), ct);
    if (encoded !== null) assert.equal(out, encoded);
  }
  const h = new Headers({ "Content-Type": "text/plain" });
  encodeBody({ a: 1 }, h);
  assert.equal(h.get("Content-Type"), "text/plain", "a caller's Content-Type wins");
  assert.equal(encodeBody(undefined, new Headers()), undefined);
});

test("decodeBody returns JSON, undefined for 204, and a Blob for bytes", async () => {
  const json = new Response('{"a":1}', { headers: { "Content-Type": "application/json; odata.metadata=minimal" } });
  assert.deepEqual(await decodeBody(json, "auto"), { a: 1 });
  assert.equal(await decodeBody(new Response(null, { status: 204 }), "auto"), undefined);
  const bytes = new Response(new Uint8Array([0, 255]), { headers: { "Content-Type": "application/octet-stream" } });
  const blob = await decodeBody(bytes, "auto");
  assert.ok(blob instanceof Blob);
  assert.deepEqual([...new Uint8Array(await blob.arrayBuffer())], [0, 255]);
  const text = new Response("hi", { headers: { "Content-Type": "application/json" } });
  assert.equal(await decodeBody(text, "text"), "hi");
});

test("summarize tells Driveway's errors from Graph's", () => {
  const graph = summarize({ error: { code: "itemNotFound", message: "gone", innerError: { "request-id": "r1" } } });
  assert.deepEqual(graph, { message: "gone", code: "itemNotFound", requestId: "r1", fromDriveway: false });
  assert.equal(summarize({ error: { code: "not_found", message: "no" } }).fromDriveway, true);
  const proxyOwn = summarize({ statusCode: 401, code: "unauthorized", message: "reconnect", error: { code: "unauthorized" } });
  assert.deepEqual(proxyOwn, { message: "reconnect", code: "unauthorized", fromDriveway: true });
  assert.equal(summarize({ statusCode: 400, message: "bad", code: "7210" }).code, "7210");
  assert.deepEqual(summarize("not an object"), { fromDriveway: false });
});

test("GraphError carries status, Graph's code and request id", () => {
  const e = new GraphError("gone", "itemNotFound", { status: 404, requestId: "r1" });
  assert.ok(e instanceof DrivewayError);
  assert.equal(e.name, "GraphError");
  assert.equal(e.status, 404);
  assert.equal(e.graphCode, "itemNotFound");
  assert.equal(e.code, "itemNotFound");
  assert.equal(e.requestId, "r1");
});

test("credentialChanges reports removed accounts and those that became VALID", async () => {
  const { credentialChanges } = await import("../dist/portal.js");
  const known = new Map([["a", "VALID"], ["b", "INVALID"], ["c", "VALID"]]);
  const now = new Map([["a", "VALID"], ["b", "VALID"], ["d", "VALID"], ["e", "PENDING"]]);
  assert.deepEqual(credentialChanges(known, now), { removed: ["c"], validated: ["b", "d"] });
  assert.deepEqual([...known], [...now], "known is updated");
  assert.deepEqual(credentialChanges(known, now), { removed: [], validated: [] });
});
