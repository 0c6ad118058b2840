// How the client copes with the service's failure modes, injected through
// the emulator's control API: 429 with Retry-After, an invalidated delta
// token (410 resyncRequired), tokens kept off pre-authenticated hosts, and a
// transient 503 during a large upload, recovered with resume().
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { OneDriveLargeFileUploadTask, ResponseType } from "@microsoft/microsoft-graph-client";
import { startEmulator, statusOf, quickXorHash } from "../harness.js";

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

// The client's RetryHandler does not retry application/octet-stream bodies,
// so a failed fragment surfaces; the documented recovery is resume(), which
// asks the upload URL for nextExpectedRanges and sends the rest.
test("a large upload fails on a 503 fragment and resume() completes it", async () => {
  await emu.control("DELETE", "/requests");
  await emu.control("POST", "/faults", { route: "preauth.upload", status: 503, retryAfter: 1, every: 2, count: 1 });
  const data = Buffer.alloc(3 * 327680 + 5, 9);
  const task = await OneDriveLargeFileUploadTask.create(emu.client, new Uint8Array(data), {
    fileName: "flaky.bin",
    path: "/",
    rangeSize: 327680,
  });
  // upload() rejects with the error body of the 503 (not a GraphError).
  await assert.rejects(task.upload(), (err) => JSON.stringify(err).includes("serviceNotAvailable"));
  const { responseBody } = await task.resume();
  assert.equal(responseBody.size, data.length);
  assert.equal(responseBody.file.hashes.quickXorHash, quickXorHash(data));
  const uploads = (await emu.control("GET", "/requests")).filter((r) => r.route === "preauth.upload");
  assert.ok(uploads.some((r) => r.status === 503), "one fragment was refused");
  assert.ok(uploads.some((r) => r.method === "GET" && r.status === 200), "resume read the session status");
  assert.equal(uploads.at(-1).status, 201);
});
