// Listing a folder of 1,050 children page by page: $top, the emulator's
// default page size, and the client's PageIterator following @odata.nextLink.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { PageIterator } from "@microsoft/microsoft-graph-client";
import { startEmulator } from "../harness.js";

const count = 1050;
let emu;
let folder;

before(async () => {
  emu = await startEmulator(["-page-size", "25"]);
  folder = await emu.client.api("/me/drive/root/children").post({ name: "many", folder: {} });
  const names = Array.from({ length: count }, (_, i) => `f${String(i).padStart(4, "0")}.txt`);
  await inPool(names, 16, (name) =>
    emu.client.api(`/me/drive/items/${folder.id}:/${name}:/content`).header("Content-Type", "text/plain").put(name),
  );
});
after(() => emu?.stop());

async function inPool(items, width, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

// iterate follows the pages with the client's own PageIterator.
async function iterate(first) {
  const names = [];
  const it = new PageIterator(emu.client, first, (item) => {
    names.push(item.name);
    return true;
  });
  await it.iterate();
  return names;
}

// pageSizes follows @odata.nextLink by hand (as opaque URLs) and returns the
// size of every page.
async function pageSizes(first) {
  const sizes = [first.value.length];
  let link = first["@odata.nextLink"];
  while (link) {
    const page = await emu.client.api(link).get();
    sizes.push(page.value.length);
    link = page["@odata.nextLink"];
  }
  return sizes;
}

test("$top=100 pages through all 1,050 children", async () => {
  const first = await emu.client.api(`/me/drive/items/${folder.id}/children`).top(100).get();
  assert.ok(first["@odata.nextLink"], "first page has a nextLink");
  const names = await iterate(first);
  assert.equal(names.length, count);
  assert.equal(new Set(names).size, count, "no child listed twice");
  const sizes = await pageSizes(first);
  assert.equal(sizes.reduce((a, b) => a + b, 0), count);
  assert.ok(Math.max(...sizes) <= 100, `a page held ${Math.max(...sizes)} items, more than $top`);
  assert.ok(sizes.length >= Math.ceil(count / 100), `only ${sizes.length} pages`);
});

test("without $top the emulator's page size applies and the iterator still sees every child", async () => {
  const first = await emu.client.api(`/me/drive/items/${folder.id}/children`).get();
  assert.equal(first.value.length, 25);
  const names = await iterate(first);
  assert.equal(new Set(names).size, count);
  const sizes = await pageSizes(first);
  assert.equal(sizes.length, Math.ceil(count / 25));
});

test("$top above 1000 is capped at 1000 items per page", async () => {
  const first = await emu.client.api(`/me/drive/items/${folder.id}/children`).top(5000).get();
  assert.equal(first.value.length, 1000);
  assert.ok(first["@odata.nextLink"], "the other 50 come on a next page");
});

test("$select keeps id and the selected fields only", async () => {
  const page = await emu.client.api(`/me/drive/items/${folder.id}/children`).select("name").top(3).get();
  for (const item of page.value) {
    assert.ok(item.id, "id is always returned");
    assert.ok(item.name);
    assert.equal(item.size, undefined, "size was not selected");
  }
});
