// Microsoft's Graph JavaScript client through Driveway's proxy, over the
// shapes of issue 12: paging and delta with the client's PageIterator (every
// @odata.nextLink and @odata.deltaLink must lead back through the proxy, and
// the emulator must never see the Driveway user token), names holding
// characters that need escaping, UPN addressing, beta, search/query, shares
// by encoded URL and $batch.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { PageIterator, ResponseType } from "@microsoft/microsoft-graph-client";
import { startProxy } from "../harness.js";

let px;

before(async () => {
  px = await startProxy();
});
after(() => px?.stop());

async function counters() {
  const res = await px.fetch(px.info.emulatorUrl + "/_emulator/counters");
  return res.json();
}

async function makeFolder(name, files) {
  const folder = await px.client.api("/me/drive/root/children").post({ name, folder: {} });
  for (let i = 0; i < files; i++) {
    await px.client.api(`/me/drive/items/${folder.id}:/f${String(i).padStart(2, "0")}.txt:/content`).put(`file ${i}`);
  }
  return folder;
}

test("PageIterator pages a folder through the proxy", async () => {
  const folder = await makeFolder("Pages", 10);
  const before = (await counters()).routes["graph.children"] ?? 0;
  const first = await px.client.api(`/me/drive/items/${folder.id}/children`).top(3).get();
  assert.ok(first["@odata.nextLink"].startsWith(px.info.proxyUrl + "v1.0/"), first["@odata.nextLink"]);
  const names = [];
  const it = new PageIterator(px.client, first, (item) => {
    names.push(item.name);
    return true;
  });
  await it.iterate();
  assert.deepEqual(names, Array.from({ length: 10 }, (_, i) => `f${String(i).padStart(2, "0")}.txt`));
  const c = await counters();
  assert.equal(c.routes["graph.children"] - before, 4, "four pages, all through the proxy to Graph");
  assert.equal(c.unknownTokens, 0, "the emulator saw a token it never issued");
});

test("PageIterator runs a delta round of several pages, then the deltaLink", async () => {
  const first = await px.client.api("/me/drive/root/delta").top(4).get();
  const seen = [];
  const it = new PageIterator(px.client, first, (item) => {
    seen.push(item.name);
    return true;
  });
  await it.iterate();
  assert.ok(seen.length > 8, `delta saw ${seen.length} items`);
  const deltaLink = it.getDeltaLink();
  assert.ok(deltaLink?.startsWith(px.info.proxyUrl + "v1.0/"), String(deltaLink));
  await px.client.api("/me/drive/root:/after-delta.txt:/content").put("new");
  const next = await px.client.api(deltaLink).get();
  assert.ok(next.value.some((i) => i.name === "after-delta.txt"), JSON.stringify(next.value.map((i) => i.name)));
  assert.ok(next["@odata.deltaLink"].startsWith(px.info.proxyUrl), next["@odata.deltaLink"]);
  assert.equal((await counters()).unknownTokens, 0);
});

test("names with @ # % + spaces and non-ASCII, by path", async () => {
  for (const name of ["invoice@acme.pdf", "a#b.txt", "100% done.txt", "50%2f.txt", "c++ notes.txt", "Ünïcødé 文件.txt"]) {
    const path = `/me/drive/root:/${encodeURIComponent("Odd @#% names")}/${encodeURIComponent(name)}:/content`;
    const item = await px.client.api(path).put(name);
    assert.equal(item.name, name);
    const buf = await px.client.api(path).responseType(ResponseType.ARRAYBUFFER).get();
    assert.equal(Buffer.from(buf).toString(), name);
  }
});

test("UPN addressing, beta, search/query, shares and $batch", async () => {
  const me = await px.client.api("/me").get();
  const byUpn = await px.client.api(`/users/${me.userPrincipalName}/drive`).get();
  assert.equal(byUpn.id, px.info.driveId);
  const beta = await px.client.api("/me/drive/root:/after-delta.txt").version("beta").get();
  assert.equal(beta.name, "after-delta.txt");

  const found = await px.client.api("/search/query").post({
    requests: [{ entityTypes: ["driveItem"], query: { queryString: "invoice" }, from: 0, size: 5 }],
  });
  const hits = found.value[0].hitsContainers[0].hits;
  assert.ok(hits.some((h) => h.resource.name === "invoice@acme.pdf"), JSON.stringify(found));

  const item = await px.client.api("/me/drive/root:/after-delta.txt").get();
  const perm = await px.client.api(`/me/drive/items/${item.id}/createLink`).post({ type: "view", scope: "anonymous" });
  const enc = "u!" + Buffer.from(perm.link.webUrl).toString("base64url");
  const shared = await px.client.api(`/shares/${enc}/driveItem`).get();
  assert.equal(shared.id, item.id);

  const batch = await px.client.api("/$batch").post({
    requests: [
      { id: "1", method: "GET", url: "/me/drive/root:/after-delta.txt" },
      { id: "2", method: "GET", url: `/users/${me.userPrincipalName}/drive/root/children?$top=1` },
    ],
  });
  const byId = Object.fromEntries(batch.responses.map((r) => [r.id, r]));
  assert.equal(byId["1"].status, 200);
  assert.ok(byId["2"].body["@odata.nextLink"].startsWith(px.info.proxyUrl), byId["2"].body["@odata.nextLink"]);
  assert.equal((await counters()).unknownTokens, 0);
});
