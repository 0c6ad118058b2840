// Protocol details a client relies on: query options on children ($orderby,
// $expand, $filter refused), conditional GET, request-id headers,
// the error envelope, delta links keeping $select, and notification bodies.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ResponseType } from "@microsoft/microsoft-graph-client";
import { startEmulator, statusOf } from "../harness.js";

let emu;
let folder;

before(async () => {
  emu = await startEmulator();
  folder = await emu.client.api("/me/drive/root/children").post({ name: "proto", folder: {} });
  for (const name of ["b.txt", "C.txt", "a.txt"]) {
    await emu.client.api(`/me/drive/items/${folder.id}:/${name}:/content`).header("Content-Type", "text/plain").put(name);
  }
});
after(() => emu?.stop());

test("$orderby=name sorts children, $expand=children embeds them", async () => {
  const sorted = await emu.client.api(`/me/drive/items/${folder.id}/children`).orderby("name").get();
  assert.deepEqual(sorted.value.map((c) => c.name.toLowerCase()), ["a.txt", "b.txt", "c.txt"]);
  const expanded = await emu.client.api(`/me/drive/items/${folder.id}`).expand("children").get();
  assert.equal(expanded.children.length, 3);
});

test("$filter on children is refused with 400 invalidRequest", async () => {
  const { status, code } = await statusOf(emu.client.api(`/me/drive/items/${folder.id}/children`).filter("name eq 'a.txt'").get());
  assert.equal(status, 400);
  assert.equal(code, "invalidRequest");
});

test("If-None-Match with the current eTag answers 304", async () => {
  const item = await emu.client.api(`/me/drive/items/${folder.id}:/a.txt:`).get();
  const res = await emu.client
    .api(`/me/drive/items/${item.id}`)
    .header("If-None-Match", item.eTag)
    .responseType(ResponseType.RAW)
    .get();
  assert.equal(res.status, 304);
});

test("request-id is sent and client-request-id echoed", async () => {
  const res = await emu.client
    .api("/me/drive/root")
    .header("client-request-id", "11111111-2222-3333-4444-555555555555")
    .responseType(ResponseType.RAW)
    .get();
  assert.ok(res.headers.get("request-id"));
  assert.equal(res.headers.get("client-request-id"), "11111111-2222-3333-4444-555555555555");
  assert.match(res.headers.get("content-type"), /^application\/json/);
});

test("errors use the Graph envelope with innerError date and request-id", async () => {
  const res = await emu.client.api("/me/drive/items/nope").responseType(ResponseType.RAW).get();
  assert.equal(res.status, 404);
  const body = await res.json();
  assert.equal(body.error.code, "itemNotFound");
  assert.ok(body.error.message);
  const inner = body.error.innerError ?? body.error.innererror;
  assert.ok(inner?.["request-id"], "innerError carries request-id");
  assert.match(inner.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/, "innerError.date is UTC without a zone");
});

test("a request without a token gets 401 InvalidAuthenticationToken", async () => {
  const res = await emu.fetch(`${emu.info.graphUrl}/me/drive/root`);
  assert.equal(res.status, 401);
  assert.equal((await res.json()).error.code, "InvalidAuthenticationToken");
});

test("the deltaLink keeps $select and personal delta includes the root", async () => {
  let page = await emu.client.api("/me/drive/root/delta").select("id,name").get();
  const seen = [...page.value];
  while (page["@odata.nextLink"]) {
    page = await emu.client.api(page["@odata.nextLink"]).get();
    seen.push(...page.value);
  }
  const link = new URL(page["@odata.deltaLink"]);
  assert.ok(link.searchParams.get("token"));
  assert.match(link.searchParams.get("$select") ?? "", /name/, "deltaLink keeps $select");
  const root = await emu.client.api("/me/drive/root").get();
  assert.ok(seen.some((i) => i.id === root.id), "personal delta includes the root item");
  for (const i of seen) assert.equal(i.size, undefined, "$select applies to delta items");
});

test("timestamps are UTC with Z; files carry a downloadUrl", async () => {
  const item = await emu.client.api(`/me/drive/items/${folder.id}:/a.txt:`).get();
  for (const f of ["createdDateTime", "lastModifiedDateTime"]) assert.match(item[f], /Z$/);
  assert.match(item.fileSystemInfo.lastModifiedDateTime, /Z$/);
  assert.ok(item["@microsoft.graph.downloadUrl"]);
  assert.ok(item.parentReference.path.startsWith("/drive/root:"), `path ${item.parentReference.path}`);
});

test("special/approot is created on first access and addressable by path", async () => {
  const approot = await emu.client.api("/me/drive/special/approot").get();
  assert.ok(approot.folder);
  assert.equal(approot.specialFolder?.name, "approot");
  const file = await emu.client.api("/me/drive/special/approot:/settings.json:/content").header("Content-Type", "application/json").put("{}");
  assert.equal(file.parentReference.id, approot.id);
  const again = await emu.client.api("/me/drive/special/approot").get();
  assert.equal(again.id, approot.id, "the same folder on the next access");
});

test("alternate drive addressing: /drives/{id}, /users/{id}/drive", async () => {
  const me = await emu.client.api("/me/drive/root").get();
  const byDrive = await emu.client.api(`/drives/${emu.info.driveId}/root`).get();
  const byUser = await emu.client.api(`/users/${emu.info.userId}/drive/root`).get();
  assert.equal(byDrive.id, me.id);
  assert.equal(byUser.id, me.id);
});
