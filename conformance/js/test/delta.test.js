// Delta: a full enumeration in small pages through to a deltaLink, then the
// incremental changes since it, and token=latest.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { PageIterator } from "@microsoft/microsoft-graph-client";
import { startEmulator } from "../harness.js";

let emu;
const created = new Map(); // id -> name

before(async () => {
  emu = await startEmulator();
  for (const dir of ["d1", "d2", "d3"]) {
    const f = await emu.client.api("/me/drive/root/children").post({ name: dir, folder: {} });
    created.set(f.id, dir);
    for (let i = 0; i < 10; i++) {
      const item = await emu.client.api(`/me/drive/items/${f.id}:/file${i}.txt:/content`).header("Content-Type", "text/plain").put(`${dir}/${i}`);
      created.set(item.id, item.name);
    }
  }
});
after(() => emu?.stop());

// fullDelta enumerates with the client's PageIterator and returns the items
// (last occurrence wins) and the deltaLink.
async function fullDelta(url) {
  const first = await emu.client.api(url).get();
  const items = new Map();
  const it = new PageIterator(emu.client, first, (item) => {
    items.set(item.id, item);
    return true;
  });
  await it.iterate();
  return { first, items, deltaLink: it.getDeltaLink() };
}

let deltaLink;

test("full delta with $top=7 pages through every item to a deltaLink", async () => {
  const { first, items, deltaLink: link } = await fullDelta("/me/drive/root/delta?$top=7");
  assert.ok(first["@odata.nextLink"], "more than one page");
  assert.ok(first.value.length <= 7);
  for (const [id, name] of created) {
    assert.equal(items.get(id)?.name, name, `item ${name} enumerated`);
  }
  for (const item of items.values()) {
    assert.equal(item.parentReference?.path, undefined, "delta carries no parentReference.path");
  }
  assert.ok(link, "a deltaLink ends the round");
  assert.ok(new URL(link).searchParams.get("token"), "the deltaLink carries token= as a query parameter");
  deltaLink = link;
});

test("the deltaLink returns the changes since: new, renamed, deleted", async () => {
  assert.ok(deltaLink, "needs the previous test's deltaLink");
  const ids = [...created.keys()];
  const d1 = ids[0];
  const renamedID = ids[1];
  const deletedID = ids[2];
  const fresh = await emu.client.api(`/me/drive/items/${d1}:/new.txt:/content`).header("Content-Type", "text/plain").put("new");
  await emu.client.api(`/me/drive/items/${renamedID}`).patch({ name: "renamed.txt" });
  await emu.client.api(`/me/drive/items/${deletedID}`).delete();

  const { items, deltaLink: next } = await fullDelta(deltaLink);
  assert.equal(items.get(fresh.id)?.name, "new.txt");
  assert.equal(items.get(renamedID)?.name, "renamed.txt");
  assert.ok(items.get(deletedID)?.deleted, "deleted item carries the deleted facet");
  assert.equal(items.get(deletedID).cTag, undefined, "personal delete drops cTag");
  assert.equal(items.get(deletedID).size, undefined, "personal delete drops size");
  assert.ok(!items.has(ids[5]), "an unchanged file is not reported");
  assert.ok(next, "a new deltaLink");

  const { items: none } = await fullDelta(next);
  for (const item of none.values()) {
    assert.ok(item.folder || item.root, `only folders may repeat after no change, got ${item.name}`);
  }
});

test("a move (with a rename) shows in delta with the new parent id and no path", async () => {
  const latest = await emu.client.api("/me/drive/root/delta?token=latest").get();
  const ids = [...created.keys()];
  const target = ids[11]; // the folder d2
  const mover = ids[25]; // a file in d3
  assert.equal(created.get(target), "d2");
  await emu.client.api(`/me/drive/items/${mover}`).patch({ parentReference: { id: target }, name: "moved.txt" });
  const { items } = await fullDelta(latest["@odata.deltaLink"]);
  assert.equal(items.get(mover)?.parentReference?.id, target);
  assert.equal(items.get(mover)?.name, "moved.txt");
  assert.equal(items.get(mover)?.parentReference?.path, undefined);
});

test("token=latest returns no items and a deltaLink that sees later changes", async () => {
  const latest = await emu.client.api("/me/drive/root/delta?token=latest").get();
  assert.deepEqual(latest.value, []);
  const link = latest["@odata.deltaLink"];
  assert.ok(link);
  const later = await emu.client.api("/me/drive/root:/later.txt:/content").header("Content-Type", "text/plain").put("x");
  const { items } = await fullDelta(link);
  assert.equal(items.get(later.id)?.name, "later.txt");
});
