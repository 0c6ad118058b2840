// Microsoft's Graph JavaScript client, its base URL set to Driveway's proxy
// and its token to a Driveway user token: it lists children, uploads a
// large file through an upload session, and downloads, never holding a
// Microsoft token.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { OneDriveLargeFileUploadTask, ResponseType } from "@microsoft/microsoft-graph-client";
import { startProxy } from "../harness.js";

let px;

before(async () => {
  px = await startProxy();
});
after(() => px?.stop());

test("lists children through the proxy", async () => {
  const folder = await px.client.api("/me/drive/root/children").post({ name: "Projects", folder: {} });
  assert.equal(folder.name, "Projects");
  const page = await px.client.api("/me/drive/root/children").select("id,name").get();
  assert.ok(page.value.some((it) => it.id === folder.id && it.name === "Projects"), JSON.stringify(page));
  assert.equal(page.output, undefined, "no output wrapping");
});

let uploaded;
const data = randomBytes(3 * 1024 * 1024 + 12345);

test("uploads a large file through an upload session (LargeFileUploadTask)", async () => {
  const task = await OneDriveLargeFileUploadTask.create(px.client, new Uint8Array(data), {
    fileName: "large.bin",
    path: "/Projects/",
    rangeSize: 5 * 327680,
  });
  assert.ok(task.uploadSession.url.startsWith(new URL(px.info.preAuthUrl).origin), task.uploadSession.url);
  const { responseBody } = await task.upload();
  assert.equal(responseBody.name, "large.bin");
  assert.equal(responseBody.size, data.length);
  uploaded = responseBody;
});

test("downloads the file's bytes (the proxy follows Graph's redirect)", async () => {
  assert.ok(uploaded, "the upload test ran first");
  const buf = await px.client.api(`/me/drive/items/${uploaded.id}/content`).responseType(ResponseType.ARRAYBUFFER).get();
  assert.ok(Buffer.from(buf).equals(data), `downloaded ${buf.byteLength} bytes, want ${data.length} equal bytes`);
});

test("downloads a range by path", async () => {
  const res = await px.client
    .api("/me/drive/root:/Projects/large.bin:/content")
    .header("Range", "bytes=100-199")
    .responseType(ResponseType.RAW)
    .get();
  assert.equal(res.status, 206);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(data.subarray(100, 200)));
});

test("a hostile full URL is refused, not fetched", async () => {
  const res = await px.fetch(px.info.proxyUrl + "https://127.0.0.1:1/v1.0/me", {
    headers: { Authorization: `Bearer ${px.info.userToken}` },
  });
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.error.code, "invalid");
});

test("without a user token the proxy answers 401", async () => {
  const res = await px.fetch(px.info.proxyUrl + "me/drive");
  assert.equal(res.status, 401);
});

test("the emulator saw no Authorization header on its pre-authenticated host", async () => {
  const res = await px.fetch(px.info.emulatorUrl + "/_emulator/counters");
  const counters = await res.json();
  assert.ok(counters.routes["preauth.download"] >= 2, JSON.stringify(counters.routes));
  assert.ok(counters.routes["preauth.upload"] >= 1, JSON.stringify(counters.routes));
  assert.equal(counters.preAuthWithAuthorization, 0);
});
