// A drive subscription: the validation handshake against a loopback HTTP
// server, a notification after a change, renewal and deletion.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { ResponseType } from "@microsoft/microsoft-graph-client";
import { startEmulator, eventually, statusOf } from "../harness.js";

let emu;
let receiver;

// startReceiver serves a notification URL. answer decides the reply to a
// validation request; notifications are recorded and acknowledged with 202.
function startReceiver(answer = (token) => token) {
  const seen = { validations: [], notifications: [] };
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const token = url.searchParams.get("validationToken");
      if (token !== null) {
        seen.validations.push({ token, contentType: req.headers["content-type"], auth: req.headers.authorization, query: url.search });
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.end(answer(token));
        return;
      }
      seen.notifications.push({ body: JSON.parse(body), query: url.search });
      res.writeHead(202);
      res.end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, seen, url: `http://127.0.0.1:${server.address().port}/hook` })),
  );
}

before(async () => {
  emu = await startEmulator();
  receiver = await startReceiver();
});
after(async () => {
  await emu?.stop();
  receiver?.server.close();
});

function expiry(minutes) {
  return new Date(Date.now() + minutes * 60_000).toISOString();
}

test("subscription: validation handshake, notification on change, renew, delete", async () => {
  const res = await emu.client.api("/subscriptions").responseType(ResponseType.RAW).post({
    changeType: "updated",
    notificationUrl: `${receiver.url}?tenant=abc`,
    resource: "/me/drive/root",
    expirationDateTime: expiry(60),
    clientState: "conformance-state",
  });
  assert.equal(res.status, 201);
  const sub = await res.json();
  assert.ok(sub.id);
  assert.equal(sub.clientState, "conformance-state");

  assert.equal(receiver.seen.validations.length, 1, "one validation request before create returned");
  const v = receiver.seen.validations[0];
  assert.match(v.contentType, /^text\/plain/);
  assert.equal(v.auth, undefined, "validation carries no Authorization");
  assert.match(v.query, /tenant=abc/, "the notification URL's own query is kept");

  await emu.client.api("/me/drive/root:/notify.txt:/content").header("Content-Type", "text/plain").put("ping");
  const n = await eventually(() => receiver.seen.notifications.find((x) => x.body.value?.some((e) => e.subscriptionId === sub.id)), {
    what: "a change notification",
  });
  const entry = n.body.value.find((e) => e.subscriptionId === sub.id);
  assert.equal(entry.changeType, "updated");
  assert.equal(entry.clientState, "conformance-state");
  assert.equal(entry.resource, sub.resource, "a shoulder tap names the subscribed root");
  assert.ok(entry.tenantId, "tenantId");
  assert.ok(entry.subscriptionExpirationDateTime);
  assert.ok(!entry.resourceData || Object.keys(entry.resourceData).length === 0, "no item detail");
  assert.match(n.query, /tenant=abc/);

  const renewed = await emu.client.api(`/subscriptions/${sub.id}`).patch({ expirationDateTime: expiry(120) });
  assert.ok(new Date(renewed.expirationDateTime) > new Date(sub.expirationDateTime));

  const del = await emu.client.api(`/subscriptions/${sub.id}`).responseType(ResponseType.RAW).delete();
  assert.equal(del.status, 204);
  const gone = await statusOf(emu.client.api(`/subscriptions/${sub.id}`).get());
  assert.equal(gone.status, 404);
});

test("lifecycle URL: validated at creation, reauthorizationRequired delivered, reauthorize accepted", async () => {
  const life = await startReceiver();
  try {
    const sub = await emu.client.api("/subscriptions").post({
      changeType: "updated",
      notificationUrl: receiver.url,
      lifecycleNotificationUrl: life.url,
      resource: "/me/drive/root",
      expirationDateTime: expiry(60),
      clientState: "life-state",
    });
    assert.equal(sub.lifecycleNotificationUrl, life.url);
    assert.equal(life.seen.validations.length, 1, "the lifecycle URL is validated too");

    await emu.control("POST", `/subscriptions/${sub.id}/reauthorization-required`);
    const event = await eventually(
      () => life.seen.notifications.flatMap((n) => n.body.value ?? []).find((v) => v.subscriptionId === sub.id),
      { what: "a lifecycle notification" },
    );
    assert.equal(event.lifecycleEvent, "reauthorizationRequired");
    assert.equal(event.clientState, "life-state");

    const res = await emu.client.api(`/subscriptions/${sub.id}/reauthorize`).responseType(ResponseType.RAW).post({});
    assert.ok([200, 204].includes(res.status), `reauthorize answered ${res.status}`);
  } finally {
    life.server.close();
  }
});

test("a notification URL that echoes the wrong token fails creation with 400", async () => {
  const bad = await startReceiver(() => "not-the-token");
  try {
    const { status } = await statusOf(
      emu.client.api("/subscriptions").post({
        changeType: "updated",
        notificationUrl: bad.url,
        resource: "/me/drive/root",
        expirationDateTime: expiry(60),
      }),
    );
    assert.equal(status, 400);
    assert.equal(bad.seen.validations.length, 1);
  } finally {
    bad.server.close();
  }
});

test("an expiration beyond 42,300 minutes is rejected", async () => {
  const { status } = await statusOf(
    emu.client.api("/subscriptions").post({
      changeType: "updated",
      notificationUrl: receiver.url,
      resource: "/me/drive/root",
      expirationDateTime: expiry(42_300 + 60),
    }),
  );
  assert.equal(status, 400);
});
