// Acme Files: the demo app of `driveway dev`, built on @driveway/connect.
// Flow: sign in (a dev-minted user token) → connect OneDrive (the Microsoft
// sign-in popup) → browse, upload, download through Driveway's Graph proxy
// → disconnect. Everything OneDrive-specific is a `driveway.request` call.
import { driveway, NotConnectedError } from "./sdk/index.js";

const $ = (id) => document.getElementById(id);
const MAX_SIMPLE_UPLOAD = 4 * 1024 * 1024; // Graph's limit for a single PUT

// The folder path being shown, root first.
let path = [{ id: "root", name: "OneDrive" }];

// --- helpers ---------------------------------------------------------------

function say(text, isError = false) {
  $("message").textContent = text;
  $("message").className = isError ? "error" : "";
}

function log(text) {
  const li = document.createElement("li");
  li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  $("activity").prepend(li);
}

// run wraps a click handler: shows errors and keeps the page consistent.
function run(fn) {
  return async (event) => {
    event?.preventDefault();
    say("");
    try {
      await fn(event);
    } catch (err) {
      if (err instanceof NotConnectedError) await render();
      say(`${err.name}: ${err.message}`, true);
    }
  };
}

function folderRef(id) {
  return id === "root" ? "/me/drive/root" : `/me/drive/items/${encodeURIComponent(id)}`;
}

function formatSize(n) {
  if (n == null) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

async function sha256(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function accountLabel(onedrive) {
  const c = onedrive?.allCredentials?.find((x) => x.id === onedrive.credentialId);
  const p = { ...(c?.providerData ?? {}), ...(onedrive?.providerData ?? {}) };
  return p.userPrincipalName ?? p.email ?? p.displayName ?? onedrive?.providerId ?? "";
}

// --- rendering -------------------------------------------------------------

async function render() {
  const user = driveway.getUser();
  $("signin-section").hidden = user.authenticated;
  $("account-section").hidden = !user.authenticated;
  const onedrive = user.authenticated ? user.integrations.onedrive : undefined;
  const connected = Boolean(onedrive?.enabled);
  $("files-section").hidden = !connected;
  if (!user.authenticated) return;
  $("signed-in-as").textContent = user.userId;
  $("status").textContent = connected ? "Connected" : onedrive?.credentialStatus === "INVALID" ? "Needs reconnecting" : "Not connected";
  $("account").textContent = connected ? accountLabel(onedrive) : "";
  $("connect").textContent = onedrive?.credentialStatus === "INVALID" ? "Reconnect OneDrive" : "Connect OneDrive";
  $("connect").hidden = connected;
  $("disconnect").hidden = !connected;
  if (connected) await listFolder();
}

function renderBreadcrumb() {
  const nav = $("breadcrumb");
  nav.replaceChildren();
  path.forEach((folder, i) => {
    if (i > 0) nav.append(Object.assign(document.createElement("span"), { className: "sep", textContent: "/" }));
    const b = Object.assign(document.createElement("button"), { type: "button", textContent: folder.name });
    b.dataset.depth = String(i);
    b.addEventListener("click", run(() => openFolderAt(i)));
    nav.append(b);
  });
}

function fileRow(item) {
  const tr = document.createElement("tr");
  tr.dataset.id = item.id;
  tr.dataset.name = item.name;
  tr.dataset.kind = item.folder ? "folder" : "file";
  const name = Object.assign(document.createElement("button"), {
    type: "button",
    className: item.folder ? "item folder" : "item file",
    textContent: item.name,
  });
  name.addEventListener("click", run(() => (item.folder ? openFolder(item) : download(item))));
  const cells = [name, formatSize(item.size), item.lastModifiedDateTime ? new Date(item.lastModifiedDateTime).toLocaleString() : ""];
  for (const c of cells) {
    const td = document.createElement("td");
    td.append(c);
    tr.append(td);
  }
  tr.children[1].className = "num";
  const action = document.createElement("td");
  if (!item.folder) {
    const dl = Object.assign(document.createElement("button"), { type: "button", className: "secondary download", textContent: "Download" });
    dl.addEventListener("click", run(() => download(item)));
    action.append(dl);
  }
  tr.append(action);
  return tr;
}

// --- actions ---------------------------------------------------------------

async function signIn() {
  const sub = $("user-id").value.trim();
  const res = await fetch("token", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ sub }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(body.message ?? `sign-in failed (${res.status})`);
  // The two lines every app using Driveway has: a project id and a user token.
  await driveway.authenticate(body.projectId, body.userToken, { metadata: { Name: sub } });
  log(`signed in as ${sub}`);
  path = [path[0]];
  await render();
}

async function signOut() {
  driveway.logout();
  log("signed out");
  await render();
}

async function connect() {
  say("Waiting for Microsoft sign-in in the popup…");
  const credential = await driveway.installIntegration("onedrive");
  say(`OneDrive connected (${credential.status}).`);
  await render();
}

async function openPortal() {
  await driveway.connect("onedrive", { onSuccess: () => say("Connected in the Connect Portal.") });
  await render();
}

async function disconnect() {
  await driveway.uninstallIntegration("onedrive");
  say("OneDrive disconnected.");
  path = [path[0]];
  await render();
}

async function listFolder() {
  const folder = path.at(-1);
  // As in the OneDrive guide: request("onedrive", "/me/drive/root/children", {method: "GET"})
  const page = await driveway.request("onedrive", `${folderRef(folder.id)}/children`, { method: "GET" });
  const items = [...(page.value ?? [])].sort((a, b) => Number(Boolean(b.folder)) - Number(Boolean(a.folder)) || a.name.localeCompare(b.name));
  renderBreadcrumb();
  $("files").replaceChildren(...items.map(fileRow));
  $("files").dataset.folder = folder.id;
  $("files").dataset.count = String(items.length);
}

async function openFolder(item) {
  path.push({ id: item.id, name: item.name });
  await listFolder();
}

async function openFolderAt(depth) {
  path = path.slice(0, depth + 1);
  await listFolder();
}

async function upload() {
  const file = $("upload-input").files[0];
  if (!file) throw new Error("choose a file first");
  if (file.size > MAX_SIMPLE_UPLOAD) throw new Error("this demo uploads files up to 4 MB (larger ones need an upload session)");
  const folder = path.at(-1);
  const item = await driveway.request("onedrive", `${folderRef(folder.id)}:/${encodeURIComponent(file.name)}:/content`, {
    method: "PUT",
    body: file,
    headers: { "Content-Type": file.type || "application/octet-stream" },
  });
  log(`uploaded ${item.name} (${item.size} bytes)`);
  say(`Uploaded ${item.name}.`);
  $("upload-input").value = "";
  await listFolder();
}

async function download(item) {
  // As in the OneDrive guide: request("onedrive", "/me/drive/items/<item-id>/content", {method: "GET"})
  const drive = item.parentReference?.driveId ? `/drives/${encodeURIComponent(item.parentReference.driveId)}` : "/me/drive";
  const blob = await driveway.request("onedrive", `${drive}/items/${encodeURIComponent(item.id)}/content`, { method: "GET" });
  const digest = await sha256(blob);
  const out = $("download-result");
  const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: item.name, textContent: "Save" });
  out.replaceChildren(`Downloaded ${item.name}: ${blob.size} bytes, SHA-256 ${digest.slice(0, 16)}… `, link);
  out.dataset.name = item.name;
  out.dataset.size = String(blob.size);
  out.dataset.sha256 = digest;
  out.hidden = false;
  log(`downloaded ${item.name} (${blob.size} bytes)`);
}

// pickFiles opens Microsoft's OneDrive File Picker (the emulator's, in
// driveway dev); each picked file can be downloaded by its drive and id.
async function pickFiles() {
  const items = await driveway.pickFiles("onedrive", { multiple: true });
  if (!items.length) return say("Nothing picked.");
  log(`picked ${items.map((i) => i.name).join(", ")}`);
  $("picked").replaceChildren(...items.map((item) => {
    const li = Object.assign(document.createElement("li"), { textContent: `${item.name} ` });
    li.dataset.id = item.id;
    li.dataset.name = item.name;
    li.dataset.driveId = item.parentReference?.driveId ?? "";
    const dl = Object.assign(document.createElement("button"), { type: "button", className: "secondary download", textContent: "Download" });
    dl.addEventListener("click", run(() => download(item)));
    li.append(dl);
    return li;
  }));
  $("picked-section").hidden = false;
}

// --- wiring ----------------------------------------------------------------

driveway.subscribe("onIntegrationInstall", (e) => log(`event onIntegrationInstall: ${e.integrationType}`));
driveway.subscribe("onIntegrationUninstall", (e) => log(`event onIntegrationUninstall: ${e.integrationType}`));

$("signin-form").addEventListener("submit", run(signIn));
$("sign-out").addEventListener("click", run(signOut));
$("connect").addEventListener("click", run(connect));
$("portal").addEventListener("click", run(openPortal));
$("disconnect").addEventListener("click", run(disconnect));
$("upload").addEventListener("click", run(upload));
$("pick").addEventListener("click", run(pickFiles));
document.body.dataset.ready = "true";
