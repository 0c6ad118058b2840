// Shapes a OneDrive or SharePoint app reaches drives and items by, with
// Microsoft's JS client against a work account: beta, users/{UPN}, sites by
// root, host and path, shares by "u!" + base64url of a sharing URL,
// search/query for driveItems, JSON $batch, and names that need escaping.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, statusOf } from "../harness.js";

let emu;
let me;

before(async () => {
  emu = await startEmulator(["-business"]);
  me = await emu.client.api("/me").get();
});
after(() => emu?.stop());

test("beta is the same drive as v1.0", async () => {
  const file = await emu.client.api("/me/drive/root:/beta.txt:/content").version("beta").put("b");
  const same = await emu.client.api(`/me/drive/items/${file.id}`).get();
  assert.equal(same.name, "beta.txt");
});

test("users/{UPN} and users/{UPN}/drive", async () => {
  const user = await emu.client.api(`/users/${me.userPrincipalName}`).get();
  assert.equal(user.id, me.id);
  const drive = await emu.client.api(`/users/${me.userPrincipalName}/drive`).get();
  const mine = await emu.client.api("/me/drive").get();
  assert.equal(drive.id, mine.id);
});

test("sites: root, by hostname, by path, by id, and their drives", async () => {
  const root = await emu.client.api("/sites/root").get();
  assert.match(root.id, /^[a-z0-9-]+\.sharepoint\.com,[0-9a-f-]{36},[0-9a-f-]{36}$/);
  const host = root.siteCollection.hostname;
  const byHost = await emu.client.api(`/sites/${host}`).get();
  assert.equal(byHost.id, root.id);
  const lib = await emu.client.api(`/sites/${root.id}/drive`).get();
  assert.equal(lib.driveType, "business");
  const who = me.userPrincipalName.replace(/[@.]/g, "_");
  const myHost = host.replace(".sharepoint.com", "-my.sharepoint.com");
  const personal = await emu.client.api(`/sites/${myHost}:/personal/${who}`).get();
  assert.equal(personal.isPersonalSite, true);
  const drive = await emu.client.api(`/sites/${myHost}:/personal/${who}:/drive`).get();
  assert.equal(drive.id, (await emu.client.api("/me/drive").get()).id);
  const missing = await statusOf(emu.client.api(`/sites/${myHost}:/personal/nobody`).get());
  assert.equal(missing.status, 404);
  assert.equal(missing.code, "itemNotFound");
});

test("shares by encoded sharing URL", async () => {
  const file = await emu.client.api("/me/drive/root:/shared @ report.txt:/content").put("s");
  const perm = await emu.client.api(`/me/drive/items/${file.id}/createLink`).post({ type: "view", scope: "organization" });
  const enc = "u!" + Buffer.from(perm.link.webUrl).toString("base64url");
  const item = await emu.client.api(`/shares/${enc}/driveItem`).get();
  assert.equal(item.id, file.id);
});

test("search/query finds driveItems", async () => {
  await emu.client.api("/me/drive/root:/Quarterly plan.docx:/content").put("q");
  const res = await emu.client.api("/search/query").post({
    requests: [{ entityTypes: ["driveItem"], query: { queryString: "quarterly" }, from: 0, size: 10 }],
  });
  const c = res.value[0].hitsContainers[0];
  assert.equal(c.total, 1);
  assert.equal(c.hits[0].resource["@odata.type"], "#microsoft.graph.driveItem");
  assert.equal(c.hits[0].resource.name, "Quarterly plan.docx");
});

test("JSON $batch", async () => {
  const res = await emu.client.api("/$batch").post({
    requests: [
      { id: "a", method: "GET", url: "/me/drive/root:/beta.txt" },
      { id: "b", method: "GET", url: "/me/drive/root:/missing.txt" },
    ],
  });
  const byId = Object.fromEntries(res.responses.map((r) => [r.id, r]));
  assert.equal(byId.a.status, 200);
  assert.equal(byId.a.body.name, "beta.txt");
  assert.equal(byId.b.status, 404);
});

test("names with @, +, spaces and non-ASCII by path", async () => {
  for (const name of ["invoice@acme.pdf", "c++ notes.txt", "Ünïcødé 文件.txt"]) {
    const path = `/me/drive/root:/${encodeURIComponent(name)}`;
    const item = await emu.client.api(`${path}:/content`).put(name);
    assert.equal(item.name, name);
    assert.equal((await emu.client.api(path).get()).id, item.id);
  }
});
