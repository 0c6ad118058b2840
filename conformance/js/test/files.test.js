// Uploads (simple PUT and the client's own LargeFileUploadTask) and ranged
// downloads through the pre-authenticated URL on the other host name.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { OneDriveLargeFileUploadTask, ResponseType } from "@microsoft/microsoft-graph-client";
import { startEmulator, quickXorHash, statusOf } from "../harness.js";

let emu;

before(async () => {
  // The pre-authenticated host answers 401 to any request carrying
  // Authorization, so a client that leaks the token fails here.
  emu = await startEmulator(["-reject-preauth-authorization"]);
  await emu.client.api("/me/drive/root/children").post({ name: "files", folder: {} });
});
after(() => emu?.stop());

function putRaw(path, body, query = "") {
  return emu.client
    .api(`/me/drive/root:/files/${path}:/content${query}`)
    .header("Content-Type", "application/octet-stream")
    .responseType(ResponseType.RAW)
    .put(body);
}

test("simple upload: 201 new, 200 replace, fail gives 409 nameAlreadyExists, rename numbers the name", async () => {
  const first = Buffer.from("hello, conformance\n");
  const created = await putRaw("small.txt", first);
  assert.equal(created.status, 201);
  const item = await created.json();
  assert.equal(item.name, "small.txt");
  assert.equal(item.size, first.length);
  assert.equal(item.file.hashes.quickXorHash, quickXorHash(first));
  assert.ok(item["@microsoft.graph.downloadUrl"], "files carry a downloadUrl");

  const second = Buffer.from("replaced");
  const replaced = await putRaw("small.txt", second);
  assert.equal(replaced.status, 200);
  const after = await replaced.json();
  assert.equal(after.id, item.id, "replace keeps the id");
  assert.equal(after.file.hashes.quickXorHash, quickXorHash(second));
  assert.notEqual(after.cTag, item.cTag, "cTag changes with content");
  assert.notEqual(after.eTag, item.eTag);

  const failed = await putRaw("small.txt", second, "?@microsoft.graph.conflictBehavior=fail");
  assert.equal(failed.status, 409);
  assert.equal((await failed.json()).error.code, "nameAlreadyExists");

  const renamed = await putRaw("small.txt", second, "?@microsoft.graph.conflictBehavior=rename");
  assert.equal(renamed.status, 201);
  assert.equal((await renamed.json()).name, "small 1.txt");
});

test("large file with OneDriveLargeFileUploadTask in 640 KiB ranges", async () => {
  const data = randomBytes(3 * 1024 * 1024 + 12345);
  const progress = [];
  const task = await OneDriveLargeFileUploadTask.create(emu.client, new Uint8Array(data), {
    fileName: "big.bin",
    path: "/files",
    rangeSize: 2 * 327680,
    conflictBehavior: "fail",
    uploadEventHandlers: { progress: (range) => progress.push(range.maxValue) },
  });
  const result = await task.upload();
  const item = result.responseBody;
  assert.equal(item.name, "big.bin");
  assert.equal(item.size, data.length);
  assert.equal(item.file.hashes.quickXorHash, quickXorHash(data));
  assert.equal(progress.length, Math.ceil(data.length / (2 * 327680)));

  const got = await emu.client.api(`/me/drive/items/${item.id}/content`).responseType(ResponseType.ARRAYBUFFER).get();
  assert.ok(Buffer.from(got).equals(data), "downloaded bytes equal the uploaded ones");
});

test("a second upload task with conflictBehavior fail is refused", async () => {
  const data = new Uint8Array(1000);
  const { status } = await statusOf(
    OneDriveLargeFileUploadTask.create(emu.client, data, { fileName: "big.bin", path: "/files", conflictBehavior: "fail" }).then((t) => t.upload()),
  );
  assert.equal(status, 409);
});

test("download with a Range: through /content (302 to the other host) and through downloadUrl", async () => {
  const data = Buffer.from("0123456789abcdefghijklmnopqrstuvwxyz");
  const item = await (await putRaw("range.txt", data)).json();

  const viaClient = await emu.client
    .api(`/me/drive/items/${item.id}/content`)
    .header("Range", "bytes=10-19")
    .responseType(ResponseType.RAW)
    .get();
  assert.equal(viaClient.status, 206);
  assert.equal(viaClient.headers.get("content-range"), `bytes 10-19/${data.length}`);
  assert.equal(await viaClient.text(), "abcdefghij");
  assert.notEqual(new URL(viaClient.url).hostname, emu.info.host, "the bytes came from the pre-authenticated host");

  const url = item["@microsoft.graph.downloadUrl"];
  assert.notEqual(new URL(url).hostname, emu.info.host);
  const direct = await emu.fetch(url, { headers: { Range: "bytes=30-" } });
  assert.equal(direct.status, 206);
  assert.equal(direct.headers.get("content-range"), `bytes 30-35/${data.length}`);
  assert.equal(await direct.text(), "uvwxyz");
});

test("the 302 from /content points at the pre-authenticated host", async () => {
  const item = await (await putRaw("redirect.txt", Buffer.from("x"))).json();
  const res = await emu.fetch(`${emu.info.graphUrl}/me/drive/items/${item.id}/content`, {
    headers: { Authorization: `Bearer ${emu.info.token}` },
    redirect: "manual",
  });
  assert.equal(res.status, 302);
  assert.notEqual(new URL(res.headers.get("location")).hostname, emu.info.host);
});

test("an upload session can be cancelled; its URL then answers 404", async () => {
  const data = new Uint8Array(2 * 327680);
  const task = await OneDriveLargeFileUploadTask.create(emu.client, data, { fileName: "cancel.bin", path: "/files", rangeSize: 327680 });
  const status = await task.getStatus();
  assert.deepEqual(status.nextExpectedRanges, ["0-"], "a fresh session expects everything");
  const res = await task.cancel();
  assert.equal(res.status, 204);
  const gone = await statusOf(task.getStatus());
  assert.equal(gone.status, 404);
});
