// A work account's business drive: its shapes and the operations only
// business drives have (permanentDelete), and the root-only subscription rule.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { OneDriveLargeFileUploadTask, ResponseType } from "@microsoft/microsoft-graph-client";
import { startEmulator, statusOf, quickXorHash } from "../harness.js";

let emu;

before(async () => {
  emu = await startEmulator(["-business"]);
});
after(() => emu?.stop());

test("business drive: driveType, no folder cTag, files with cTag and quickXorHash", async () => {
  const drive = await emu.client.api("/me/drive").get();
  assert.equal(drive.driveType, "business");
  const folder = await emu.client.api("/me/drive/root/children").post({ name: "biz", folder: {} });
  assert.equal(folder.cTag, undefined, "business folders have no cTag");
  const data = Buffer.from("business content");
  const file = await emu.client.api(`/me/drive/items/${folder.id}:/a.txt:/content`).header("Content-Type", "text/plain").put(data);
  assert.ok(file.cTag);
  assert.equal(file.file.hashes.quickXorHash, quickXorHash(data));
});

test("business drive: LargeFileUploadTask", async () => {
  const data = Buffer.alloc(700 * 1024, 7);
  const task = await OneDriveLargeFileUploadTask.create(emu.client, new Uint8Array(data), {
    fileName: "biz-big.bin",
    path: "/",
    rangeSize: 327680,
  });
  const { responseBody } = await task.upload();
  assert.equal(responseBody.size, data.length);
  assert.equal(responseBody.file.hashes.quickXorHash, quickXorHash(data));
});

test("business drive: permanentDelete answers 204 and the item is gone", async () => {
  const file = await emu.client.api("/me/drive/root:/gone.txt:/content").header("Content-Type", "text/plain").put("x");
  const res = await emu.client.api(`/me/drive/items/${file.id}/permanentDelete`).responseType(ResponseType.RAW).post({});
  assert.equal(res.status, 204);
  const { status } = await statusOf(emu.client.api(`/me/drive/items/${file.id}`).get());
  assert.equal(status, 404);
});

test("business drive: a subscription on a folder is refused, on the root accepted", async () => {
  const server = createServer((req, res) => {
    const token = new URL(req.url, "http://x").searchParams.get("validationToken");
    res.writeHead(token === null ? 202 : 200, { "Content-Type": "text/plain" });
    res.end(token ?? "");
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  try {
    const url = `http://127.0.0.1:${server.address().port}/hook`;
    const folder = await emu.client.api("/me/drive/root/children").post({ name: "watched", folder: {} });
    const sub = (resource) => ({
      changeType: "updated",
      notificationUrl: url,
      resource,
      expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const refused = await statusOf(emu.client.api("/subscriptions").post(sub(`/me/drive/items/${folder.id}`)));
    assert.equal(refused.status, 400);
    const ok = await emu.client.api("/subscriptions").post(sub("/me/drive/root"));
    assert.ok(ok.id);
  } finally {
    server.close();
  }
});

test("business delta: no cTag on created items; deleted items without cTag and name", async () => {
  const latest = await emu.client.api("/me/drive/root/delta?token=latest").get();
  const file = await emu.client.api("/me/drive/root:/delta-biz.txt:/content").header("Content-Type", "text/plain").put("x");
  const doomed = await emu.client.api("/me/drive/root:/delta-gone.txt:/content").header("Content-Type", "text/plain").put("y");
  let page = await emu.client.api(latest["@odata.deltaLink"]).get();
  const seen = [...page.value];
  while (page["@odata.nextLink"]) {
    page = await emu.client.api(page["@odata.nextLink"]).get();
    seen.push(...page.value);
  }
  const created = seen.find((i) => i.id === file.id);
  assert.ok(created, "the new file is in delta");
  assert.equal(created.cTag, undefined, "business delta drops cTag on create/modify");

  await emu.client.api(`/me/drive/items/${doomed.id}`).delete();
  page = await emu.client.api(page["@odata.deltaLink"]).get();
  const gone = page.value.find((i) => i.id === doomed.id);
  assert.ok(gone?.deleted, "the deleted file carries the deleted facet");
  assert.equal(gone.cTag, undefined, "business delete drops cTag");
  assert.equal(gone.name, undefined, "business delete drops name");
});
