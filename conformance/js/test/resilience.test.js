// How the client copes with the service's failure modes, injected through
// the emulator's control API: 429 with Retry-After, an invalidated delta
// token (410 resyncRequired), and tokens kept off pre-authenticated hosts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ResponseType } from "@microsoft/microsoft-graph-client";
import { startEmulator, statusOf } from "../harness.js";

let emu;

before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

test("429 with Retry-After: the client's RetryHandler waits and retries", async () => {
  await emu.control("DELETE", "/requests");
  await emu.control("POST", "/faults", { route: "graph.item", status: 429, retryAfter: 1, count: 1 });
  const start = Date.now();
  const root = await emu.client.api("/me/drive/root").get();
  const elapsed = Date.now() - start;
  assert.ok(root.id);
  assert.ok(elapsed >= 900, `retried after ${elapsed} ms, before Retry-After: 1`);
  const log = (await emu.control("GET", "/requests")).filter((r) => r.route === "graph.item");
  assert.deepEqual(log.map((r) => r.status), [429, 200]);
});

test("an invalidated delta token answers 410 resyncRequired; a new round works", async () => {
  let page = await emu.client.api("/me/drive/root/delta").get();
  while (page["@odata.nextLink"]) page = await emu.client.api(page["@odata.nextLink"]).get();
  const link = page["@odata.deltaLink"];
  assert.ok(link);
  await emu.control("POST", `/drives/${encodeURIComponent(emu.info.driveId)}/invalidate-delta`);
  const { status, code } = await statusOf(emu.client.api(link).get());
  assert.equal(status, 410);
  assert.equal(code, "resyncRequired");
  const fresh = await emu.client.api("/me/drive/root/delta").get();
  assert.ok(fresh.value.length > 0, "a round without a token enumerates again");
});

test("downloads through the client never send the token to the pre-authenticated host", async () => {
  const item = await emu.client.api("/me/drive/root:/t.txt:/content").header("Content-Type", "text/plain").put("token-free");
  const body = await emu.client.api(`/me/drive/items/${item.id}/content`).responseType(ResponseType.TEXT).get();
  assert.equal(body, "token-free");
  const counters = await emu.control("GET", "/counters");
  assert.ok(counters.routes["preauth.download"] >= 1, "the download went to the pre-authenticated host");
  assert.equal(counters.preAuthWithAuthorization, 0);
});
