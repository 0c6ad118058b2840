// Folders and item operations: create with each conflict behaviour, rename,
// move, copy with monitor polling, delete, search.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ResponseType } from "@microsoft/microsoft-graph-client";
import { startEmulator, statusOf, eventually } from "../harness.js";

let emu;
let drive;

before(async () => {
  emu = await startEmulator();
  drive = await emu.client.api("/me/drive").get();
});
after(() => emu?.stop());

function mkdir(parent, name, behavior) {
  const body = { name, folder: {} };
  if (behavior) body["@microsoft.graph.conflictBehavior"] = behavior;
  return emu.client.api(`/me/drive/items/${parent}/children`).responseType(ResponseType.RAW).post(body);
}

// put uploads text to a path under the root; each segment is percent-encoded.
async function put(path, text) {
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  return emu.client.api(`/me/drive/root:/${encoded}:/content`).header("Content-Type", "text/plain").put(text);
}

test("create folder with each conflict behaviour", async () => {
  const root = await emu.client.api("/me/drive/root").get();
  assert.deepEqual(root.root, {});

  const created = await mkdir(root.id, "Docs", "fail");
  assert.equal(created.status, 201);
  const docs = await created.json();
  assert.equal(docs.name, "Docs");
  assert.equal(docs.folder.childCount, 0);
  assert.equal(docs.parentReference.id, root.id);

  const failed = await mkdir(root.id, "docs", "fail");
  assert.equal(failed.status, 409, "names compare case-insensitively");
  assert.equal((await failed.json()).error.code, "nameAlreadyExists");

  const renamed = await mkdir(root.id, "Docs", "rename");
  assert.equal(renamed.status, 201);
  assert.equal((await renamed.json()).name, "Docs 1");

  const replaced = await mkdir(root.id, "Docs", "replace");
  assert.ok([200, 201].includes(replaced.status), `replace answered ${replaced.status}`);
  const replacement = await replaced.json();
  assert.equal(replacement.name, "Docs");
  assert.ok(replacement.folder);

  const children = await emu.client.api(`/me/drive/items/${root.id}/children`).get();
  assert.equal(children.value.filter((c) => c.name.toLowerCase() === "docs").length, 1);
});

test("rename and move keep the id; moving onto an existing name is 409", async () => {
  const a = await emu.client.api("/me/drive/root/children").post({ name: "move-a", folder: {} });
  const b = await emu.client.api("/me/drive/root/children").post({ name: "move-b", folder: {} });
  const file = await put("move-a/note.txt", "note");

  const renamed = await emu.client.api(`/me/drive/items/${file.id}`).patch({ name: "renamed.txt" });
  assert.equal(renamed.id, file.id);
  assert.equal(renamed.name, "renamed.txt");
  assert.notEqual(renamed.eTag, file.eTag, "eTag changes on rename");
  assert.equal(renamed.cTag, file.cTag, "cTag does not change on rename");

  const moved = await emu.client.api(`/me/drive/items/${file.id}`).patch({ parentReference: { id: b.id } });
  assert.equal(moved.id, file.id);
  assert.equal(moved.parentReference.id, b.id);
  const byPath = await emu.client.api("/me/drive/root:/move-b/RENAMED.txt").get();
  assert.equal(byPath.id, file.id, "path lookups are case-insensitive");

  await put("move-a/renamed.txt", "other");
  const { status, code } = await statusOf(emu.client.api(`/me/drive/items/${file.id}`).patch({ parentReference: { id: a.id } }));
  assert.equal(status, 409);
  assert.equal(code, "nameAlreadyExists");

  const stale = await statusOf(
    emu.client.api(`/me/drive/items/${file.id}`).header("If-Match", file.eTag).patch({ name: "x.txt" }),
  );
  assert.equal(stale.status, 412, "If-Match with an old eTag");
});

test("copy answers 202 with a monitor URL that completes with the new item", async () => {
  const src = await put("copy-src.txt", "copy me");
  const dest = await emu.client.api("/me/drive/root/children").post({ name: "copies", folder: {} });
  const res = await emu.client
    .api(`/me/drive/items/${src.id}/copy`)
    .header("Prefer", "respond-async")
    .responseType(ResponseType.RAW)
    .post({ parentReference: { driveId: drive.id, id: dest.id }, name: "copied.txt" });
  assert.equal(res.status, 202);
  const monitor = res.headers.get("location");
  assert.ok(monitor, "Location header");

  let polls = 0;
  const done = await eventually(async () => {
    polls++;
    // The monitor is not on a Graph host: the client sends no token there.
    const r = await emu.client.api(monitor).responseType(ResponseType.RAW).get();
    const body = r.status === 303 ? { status: "completed" } : await r.json();
    assert.notEqual(body.status, "failed", JSON.stringify(body));
    return body.status === "completed" ? body : null;
  }, { what: "copy to complete" });
  assert.ok(polls >= 2, "the monitor reported progress before completing");
  assert.ok(done.resourceId, "completed monitor names the new item");

  const copy = await emu.client.api(`/me/drive/items/${done.resourceId}`).get();
  assert.equal(copy.name, "copied.txt");
  assert.equal(copy.parentReference.id, dest.id);
  assert.equal(copy.file.hashes.quickXorHash, src.file.hashes.quickXorHash);
  assert.notEqual(copy.id, src.id);
});

test("copy onto an existing name fails (synchronously with 409, or through a failed monitor)", async () => {
  const dir = await emu.client.api("/me/drive/root/children").post({ name: "copy-conflict", folder: {} });
  const src = await put("copy-conflict/same.txt", "one");
  const res = await emu.client
    .api(`/me/drive/items/${src.id}/copy`)
    .responseType(ResponseType.RAW)
    .post({ parentReference: { driveId: drive.id, id: dir.id } });
  if (res.status === 409) {
    assert.equal((await res.json()).error.code, "nameAlreadyExists");
    return;
  }
  assert.equal(res.status, 202, "either 409 now or 202 with a monitor");
  const monitor = res.headers.get("location");
  const final = await eventually(async () => {
    const body = await (await emu.client.api(monitor).responseType(ResponseType.RAW).get()).json();
    return ["completed", "failed"].includes(body.status) ? body : null;
  }, { what: "the copy to finish" });
  assert.equal(final.status, "failed", `copy onto an existing name ended ${JSON.stringify(final)}`);
});

test("deleting a folder deletes its subtree", async () => {
  const dir = await emu.client.api("/me/drive/root/children").post({ name: "tree", folder: {} });
  const inner = await put("tree/inner.txt", "x");
  await emu.client.api(`/me/drive/items/${dir.id}`).delete();
  const { status } = await statusOf(emu.client.api(`/me/drive/items/${inner.id}`).get());
  assert.equal(status, 404);
});

test("delete answers 204 and the item is gone", async () => {
  const f = await put("doomed.txt", "bye");
  const res = await emu.client.api(`/me/drive/items/${f.id}`).responseType(ResponseType.RAW).delete();
  assert.equal(res.status, 204);
  const { status, code } = await statusOf(emu.client.api(`/me/drive/items/${f.id}`).get());
  assert.equal(status, 404);
  assert.equal(code, "itemNotFound");
});

test("search finds items by name, with '' quoting", async () => {
  await emu.client.api("/me/drive/root/children").post({ name: "search", folder: {} });
  await put("search/needle report.txt", "a");
  await put("search/it's here.txt", "b");
  const hits = await eventually(async () => {
    const r = await emu.client.api("/me/drive/root/search(q='needle')").get();
    return r.value.length ? r.value : null;
  }, { what: "search to index the file" });
  assert.deepEqual(hits.map((h) => h.name), ["needle report.txt"]);

  const quoted = await eventually(async () => {
    const q = encodeURIComponent("it''s");
    const r = await emu.client.api(`/me/drive/root/search(q='${q}')`).get();
    return r.value.length ? r.value : null;
  }, { what: "search with a quote" });
  assert.ok(quoted.some((h) => h.name === "it's here.txt"));

  const none = await emu.client.api("/me/drive/root/search(q='zzzznothing')").get();
  assert.deepEqual(none.value, []);
});
