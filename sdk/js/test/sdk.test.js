// The SDK against a real Driveway (`driveway dev` with the emulated
// Microsoft, auto-consent): authenticate, install through the popup
// protocol, the seed guide's two request calls, upload and download,
// errors, uninstall.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  AuthenticationError,
  DrivewayConnect,
  GraphError,
  InstallError,
  NotConnectedError,
  PopupBlockedError,
} from "../dist/index.js";
import { FakeWindow, startDriveway } from "./harness.js";

let dw;
before(async () => {
  dw = await startDriveway();
});
after(async () => {
  await dw?.stop();
});

/** A client for a new user, signed in, with a fake window for popups. */
async function signedIn(sub, windowOptions) {
  const win = new FakeWindow(new URL(dw.baseUrl).origin, windowOptions);
  const client = new DrivewayConnect({ baseUrl: dw.baseUrl, window: win, pollIntervalMs: 50 });
  await client.authenticate(dw.projectId, await dw.token(sub));
  return { client, win };
}

test("authenticate loads the user; getUser shows OneDrive not connected and no token", async () => {
  const { client } = await signedIn("user-auth");
  const user = client.getUser();
  assert.equal(user.authenticated, true);
  assert.equal(user.userId, "user-auth");
  assert.ok(user.integrations.onedrive, "onedrive listed for the user");
  assert.equal(user.integrations.onedrive.enabled, false);
  assert.ok(!JSON.stringify(user).includes(".ey"), "getUser must not contain the token");
});

test("authenticate saves metadata", async () => {
  const client = new DrivewayConnect({ baseUrl: dw.baseUrl });
  await client.authenticate(dw.projectId, await dw.token("user-meta"), { metadata: { Name: "Ada Lovelace" } });
  assert.equal(client.getUser().meta.Name, "Ada Lovelace");
});

test("a token with a bad signature is an AuthenticationError and logs out", async () => {
  const tok = await dw.token("user-forged");
  const [h, p, s] = tok.split(".");
  const forged = `${h}.${p}.${s.startsWith("A") ? "B" : "A"}${s.slice(1)}`;
  const client = new DrivewayConnect({ baseUrl: dw.baseUrl });
  await assert.rejects(client.authenticate(dw.projectId, forged), AuthenticationError);
  assert.deepEqual(client.getUser(), { authenticated: false });
});

test("request before connecting is a NotConnectedError", async () => {
  const { client } = await signedIn("user-unconnected");
  await assert.rejects(client.request("onedrive", "/me/drive/root/children", { method: "GET" }), NotConnectedError);
  assert.equal(client.getUser().authenticated, true, "a missing connection does not log out");
});

test("installIntegration with a blocked popup is a PopupBlockedError", async () => {
  const { client, win } = await signedIn("user-blocked");
  win.blockPopups = true;
  let failed;
  await assert.rejects(client.installIntegration("onedrive", { onError: (e) => (failed = e) }), PopupBlockedError);
  assert.ok(failed instanceof PopupBlockedError, "onError is called");
});

test("polling cannot finish a sign-in whose callback message never reached the SDK", async () => {
  // As when the sign-in link was opened in another browser: /oauth answered,
  // but its completion secret reached no one, so nothing may be connected.
  const { client, win } = await signedIn("user-polling", { deliverCallbackMessage: false });
  await assert.rejects(client.installIntegration("onedrive", { timeoutMs: 30_000 }), InstallError);
  assert.equal(win.popups[0].callback?.status, 200);
  assert.match(win.popups[0].callback.html, /"completion":"[A-Za-z0-9_-]{43}"/);
  await client.refresh();
  assert.equal(client.getUser().integrations.onedrive.enabled, false);
  assert.equal(client.getUser().integrations.onedrive.allCredentials?.length ?? 0, 0);
});

describe("a connected user", () => {
  let client, win, credential;
  const installs = [];
  const uninstalls = [];

  before(async () => {
    ({ client, win } = await signedIn("user-connected"));
    client.subscribe("onIntegrationInstall", (e) => installs.push(e));
    client.subscribe("onIntegrationUninstall", (e) => uninstalls.push(e));
    credential = await client.installIntegration("onedrive", { timeoutMs: 30_000 });
  });

  test("installIntegration ran the popup protocol and returned a VALID credential", () => {
    assert.equal(credential.status, "VALID");
    const popup = win.popups[0];
    assert.deepEqual(popup.errors, []);
    assert.ok(popup.pages[0].includes("/sdk/actions/oauth-nonce?"), popup.pages[0]);
    assert.ok(popup.pages.some((p) => p.includes("/oauth2/v2.0/authorize")), "went to the Microsoft authorize page");
    assert.equal(popup.callback?.status, 200, "the /oauth callback page loaded");
    assert.equal(installs.length, 1);
    assert.equal(installs[0].integrationType, "onedrive");
    const od = client.getUser().integrations.onedrive;
    assert.equal(od.enabled, true);
    assert.equal(od.credentialId, credential.id);
  });

  test("the seed guide's calls: list the root, download a file", async () => {
    const listing = await client.request("onedrive", "/me/drive/root/children", { method: "GET" });
    assert.ok(Array.isArray(listing.value), "a driveItem collection");
    assert.ok(listing.value.length > 0, "the demo user's seeded files");
    const file = listing.value.find((i) => i.file);
    if (file) {
      const blob = await client.request("onedrive", `/me/drive/items/${file.id}/content`, { method: "GET" });
      assert.ok(blob instanceof Blob);
      assert.equal(blob.size, file.size);
    }
  });

  test("upload bytes, then download the same bytes", async () => {
    const bytes = randomBytes(200_000);
    const item = await client.request("onedrive", "/me/drive/root:/sdk-upload.bin:/content", { method: "PUT", body: bytes });
    assert.equal(item.name, "sdk-upload.bin");
    assert.equal(item.size, bytes.length);
    const blob = await client.request("onedrive", `/me/drive/items/${item.id}/content`, { method: "GET" });
    assert.ok(blob instanceof Blob);
    assert.ok(Buffer.from(await blob.arrayBuffer()).equals(bytes), "downloaded bytes equal uploaded bytes");
    const ab = await client.request("onedrive", `/me/drive/items/${item.id}/content`, { responseType: "arrayBuffer" });
    assert.equal(ab.byteLength, bytes.length);
  });

  test("JSON bodies: create a folder", async () => {
    const folder = await client.request("onedrive", "/me/drive/root/children", {
      method: "POST",
      body: { name: "sdk-folder", folder: {}, "@microsoft.graph.conflictBehavior": "rename" },
    });
    assert.ok(folder.folder, "a folder item");
    const children = await client.request("onedrive", `/me/drive/items/${folder.id}/children`);
    assert.deepEqual(children.value, []);
  });

  test("a Graph error is a GraphError with status and Graph's code", async () => {
    const err = await client.request("onedrive", "/me/drive/root:/does-not-exist.txt", { method: "GET" }).catch((e) => e);
    assert.ok(err instanceof GraphError, `got ${err}`);
    assert.equal(err.status, 404);
    assert.equal(err.graphCode, "itemNotFound");
  });

  test("getIntegrationAccount returns the connected credential", async () => {
    const account = await client.getIntegrationAccount("onedrive");
    assert.equal(account.id, credential.id);
    assert.equal(account.status, "VALID");
  });

  test("uninstallIntegration disconnects; request then is a NotConnectedError", async () => {
    await client.uninstallIntegration("onedrive");
    assert.equal(uninstalls.length, 1);
    assert.equal(client.getUser().integrations.onedrive.enabled, false);
    await assert.rejects(client.uninstallIntegration("onedrive"), NotConnectedError);
    await assert.rejects(client.getIntegrationAccount("onedrive"), NotConnectedError);
    // The disconnect drops the proxy's cached session on this node: the very
    // next call fails.
    await assert.rejects(client.request("onedrive", "/me/drive/root/children"), NotConnectedError);
  });
});

describe("connect opens the Connect Portal", () => {
  test("it resolves once the user connected there, and fires the portal and install events", async () => {
    const { client, win } = await signedIn("user-portal");
    const events = [];
    for (const name of ["onPortalOpen", "onPortalClose", "onIntegrationInstall"]) {
      client.subscribe(name, (e) => events.push(name));
    }
    let succeeded;
    const done = client.connect("onedrive", { onSuccess: (e) => (succeeded = e) });
    for (let i = 0; i < 200 && !win.popups[0].openedWith; i++) await new Promise((r) => setTimeout(r, 10));
    const url = new URL(win.popups[0].openedWith);
    assert.equal(url.pathname, "/connect/");
    assert.equal(url.searchParams.get("projectId"), dw.projectId);
    const code = new URLSearchParams(url.hash.slice(1)).get("code");
    assert.ok(code, "a URL code is in the fragment");
    assert.ok(!url.href.includes("userToken") && !url.href.includes("eyJ"), "no user token in the portal's URL");
    // The portal page trades the code for the token once; a second time fails.
    const redeem = () =>
      fetch(`${dw.baseUrl}/projects/${dw.projectId}/sdk/actions/url-code/redeem`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ code }),
      });
    const first = await redeem();
    assert.equal(first.status, 200);
    assert.equal((await first.json()).userToken.split(".").length, 3, "the code stands for the user token");
    assert.equal((await redeem()).status, 401, "a code works once");
    // The user connects in the portal (the portal page uses the same API).
    const other = await signedIn("user-portal");
    const credential = await other.client.installIntegration("onedrive");
    await done;
    assert.equal(win.popups[0].portal?.status, 200, "the portal page loaded");
    assert.equal(succeeded?.credentialId, credential.id);
    assert.deepEqual(events, ["onPortalOpen", "onIntegrationInstall"]);
    win.popups[0].close();
  });

  test("closing the portal without connecting rejects with NotConnectedError", async () => {
    const { client, win } = await signedIn("user-portal-cancel");
    let failed;
    const done = client.connect("onedrive", { onError: (e) => (failed = e) });
    win.popups[0].close();
    await assert.rejects(done, NotConnectedError);
    assert.ok(failed instanceof NotConnectedError);
  });

  test("a blocked portal popup is a PopupBlockedError", async () => {
    const { client, win } = await signedIn("user-portal-blocked");
    win.blockPopups = true;
    await assert.rejects(client.connect("onedrive"), PopupBlockedError);
  });
});

