// pickFiles' parts that need no browser: the picker URL per account kind,
// and the refusals before any token reaches a window.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DrivewayError, PopupBlockedError, pickerUrl } from "../dist/index.js";
import { pickFiles } from "../dist/picker.js";

test("pickerUrl: onedrive.live.com/picker for personal accounts, FilePicker.aspx elsewhere", () => {
  assert.equal(pickerUrl("https://onedrive.live.com"), "https://onedrive.live.com/picker");
  assert.equal(pickerUrl("https://contoso-my.sharepoint.com/"), "https://contoso-my.sharepoint.com/_layouts/15/FilePicker.aspx");
  assert.equal(pickerUrl("http://localhost:8080/_ms"), "http://localhost:8080/_ms/_layouts/15/FilePicker.aspx");
});

function fakeWindow(popup) {
  return { open: () => popup, location: { origin: "http://app.test" }, addEventListener() {}, removeEventListener() {} };
}

test("pickFiles refuses other integrations and a blocked popup", async () => {
  const client = { getIntegrationAccount: async () => assert.fail("no account read") };
  await assert.rejects(pickFiles(client, fakeWindow({}), "googledrive"), DrivewayError);
  await assert.rejects(pickFiles(client, fakeWindow(null), "onedrive"), PopupBlockedError);
});

test("pickFiles without accountAuth closes its popup and says to turn the setting on", async () => {
  let closed = false;
  const popup = { closed: false, close: () => { closed = true; }, document: { createElement: () => assert.fail("nothing posted") } };
  const client = { getIntegrationAccount: async () => ({ id: "c1", status: "VALID" }) };
  await assert.rejects(pickFiles(client, fakeWindow(popup), "onedrive"), (err) => err instanceof DrivewayError && err.code === "forbidden" && /accountAuth/.test(err.message));
  assert.equal(closed, true);
});
