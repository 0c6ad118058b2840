// Microsoft's Graph JavaScript client through Driveway's proxy on a work
// account whose emulated tenant has SharePoint sites (proxyserver -work):
// site search, a site by {hostname}:/{path}:, its subsites and document
// libraries, a file written to and read from a second library through
// sites/{id}/drives/{id}, following a site, and a sharing link with
// organization scope.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ResponseType } from "@microsoft/microsoft-graph-client";
import { startProxy } from "../harness.js";

let px;

before(async () => {
  px = await startProxy(["-work"]);
});
after(() => px?.stop());

test("sites: search, by path, subsites and libraries", async () => {
  const found = await px.client.api("/sites").query({ search: "press" }).get();
  assert.deepEqual(found.value.map((s) => s.displayName), ["Marketing"]);
  const site = await px.client.api("/sites/contoso.sharepoint.com:/sites/marketing").get();
  assert.equal(site.id, found.value[0].id);
  assert.equal(site.webUrl, "https://contoso.sharepoint.com/sites/marketing");
  const subs = await px.client.api(`/sites/${site.id}/sites`).get();
  assert.deepEqual(subs.value.map((s) => s.displayName), ["Campaigns"]);
  const libs = await px.client.api("/sites/contoso.sharepoint.com:/sites/marketing:/drives").get();
  assert.deepEqual(libs.value.map((d) => [d.name, d.driveType]), [["Documents", "documentLibrary"], ["Brand Assets", "documentLibrary"]]);
});

test("a second library takes a file and gives it back", async () => {
  const site = await px.client.api("/sites/contoso.sharepoint.com:/sites/marketing").get();
  const libs = await px.client.api(`/sites/${site.id}/drives`).get();
  const brand = libs.value.find((d) => d.name === "Brand Assets");
  const item = await px.client.api(`/sites/${site.id}/drives/${brand.id}/root:/Logos/mark.svg:/content`).put("<svg/>");
  assert.equal(item.parentReference.driveId, brand.id);
  assert.equal(item.parentReference.driveType, "documentLibrary");
  const body = await px.client.api(`/drives/${brand.id}/items/${item.id}/content`).responseType(ResponseType.TEXT).get();
  assert.equal(body, "<svg/>");
  const link = await px.client.api(`/drives/${brand.id}/items/${item.id}/createLink`).post({ type: "view", scope: "organization" });
  assert.equal(link.link.scope, "organization");
});

test("follow and unfollow a site", async () => {
  const [eng] = (await px.client.api("/sites").query({ search: "engineering" }).get()).value;
  const me = await px.client.api("/me").get();
  const added = await px.client.api(`/users/${me.id}/followedSites/add`).post({ value: [{ id: eng.id }] });
  assert.deepEqual(added.value.map((s) => s.id), [eng.id]);
  assert.deepEqual((await px.client.api("/me/followedSites").get()).value.map((s) => s.id), [eng.id]);
  await px.client.api(`/users/${me.id}/followedSites/remove`).post({ value: [{ id: eng.id }] });
  assert.equal((await px.client.api("/me/followedSites").get()).value.length, 0);
});
