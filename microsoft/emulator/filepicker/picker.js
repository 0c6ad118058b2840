// The emulator's File Picker v8 page: the host window opened this page
// with a form POST (access_token) to a URL carrying the filePicker options.
// It hands the host a MessagePort ("initialize" with the channel id, sent
// only to messaging.origin), waits for "activate", then sends commands
// ("authenticate", "pick", "close") and notifications over the port.
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("picker-config").textContent);
  const opts = cfg.options || {};
  const selMode = (opts.selection && opts.selection.mode) === "multiple" ? "multiple" : "single";
  const maxCount = (opts.selection && opts.selection.maxCount) || Infinity;
  const tas = opts.typesAndSources || {};
  const typeMode = tas.mode || "all";
  const filters = (tas.filters || []).map((f) => String(f).toLowerCase());
  const $ = (id) => document.getElementById(id);
  let token = cfg.token || "";
  let port = null;
  let seq = 0;
  const pending = new Map();
  const selected = new Map();
  let crumbs = [];

  function notify(notification, extra) {
    if (port) port.postMessage({ type: "notification", data: Object.assign({ notification, timestamp: Date.now() }, extra || {}) });
  }

  // command sends a command and resolves with the host's result or error
  // message (or null when the host stays silent).
  function command(data, timeoutMs) {
    const id = "cmd-" + ++seq + "-" + Date.now();
    return new Promise((resolve) => {
      pending.set(id, resolve);
      port.postMessage({ type: "command", id, data });
      if (timeoutMs) setTimeout(() => { if (pending.delete(id)) resolve(null); }, timeoutMs);
    });
  }

  function onPortMessage(ev) {
    const m = ev.data || {};
    if (m.type === "activate") return activated();
    if ((m.type === "result" || m.type === "error") && pending.has(m.id)) {
      const resolve = pending.get(m.id);
      pending.delete(m.id);
      resolve(m);
    }
  }

  function start() {
    const host = window.opener || (window.parent !== window ? window.parent : null);
    if (!host) return showError("Open the picker from your app: no host window.");
    const ch = new MessageChannel();
    port = ch.port1;
    port.addEventListener("message", onPortMessage);
    port.start();
    host.postMessage({ type: "initialize", channelId: opts.messaging.channelId }, opts.messaging.origin, [ch.port2]);
  }

  // authenticate asks the host for a token for the picker's resource.
  async function authenticate(expiredError) {
    const data = { command: "authenticate", resource: cfg.resource, type: cfg.type };
    if (expiredError) data.expiration = { error: expiredError };
    const r = await command(data, 15000);
    if (r && r.type === "result" && r.data && r.data.result === "token" && r.data.token) {
      token = r.data.token;
      return token;
    }
    return "";
  }

  async function fetchWith(t, path) {
    return fetch(cfg.apiBase + path, { headers: { Authorization: "Bearer " + t } });
  }

  // api calls the drive API, asking the host for a token when it has none
  // or the one it has is refused.
  async function api(path) {
    if (!token && !(await authenticate())) throw new Error("The host app gave the picker no access token.");
    let res = await fetchWith(token, path);
    if (res.status === 401) {
      const body = await res.json().catch(() => ({}));
      const used = token;
      if ((await authenticate(body.error || {})) && token !== used) res = await fetchWith(token, path);
      else throw new Error("Access denied: " + ((body.error && body.error.message) || "401") + " (the picker needs a token for " + cfg.resource + ")");
    }
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      throw new Error((body.error && body.error.message) || "HTTP " + res.status);
    }
    return res.json();
  }

  function isFolder(it) { return !!(it.folder || (it.remoteItem && it.remoteItem.folder)); }

  function matchesFilter(it) {
    if (!filters.length) return true;
    const name = (it.name || "").toLowerCase();
    return filters.some((f) => {
      if (f.startsWith(".")) return !isFolder(it) && name.endsWith(f);
      if (f === "folder") return isFolder(it);
      if (f === "file") return !isFolder(it);
      if (f === "photo") return !!it.image || /\.(png|jpe?g|gif|bmp|heic|webp)$/.test(name);
      if (f === "video") return !!it.video || /\.(mp4|mov|avi|mkv|webm)$/.test(name);
      return false;
    });
  }

  function selectable(it) {
    if (typeMode === "files" && isFolder(it)) return false;
    if (typeMode === "folders" && !isFolder(it)) return false;
    return matchesFilter(it);
  }

  function visible(it) { return isFolder(it) || selectable(it); }

  async function activated() {
    notify("page-loaded");
    // An "authentication" object in the options says the host answers
    // authenticate commands: ask it first, keep the posted token otherwise.
    if (opts.authentication) await authenticate();
    if (opts.search && opts.search.enabled) $("search").hidden = false;
    const folder = opts.entry && opts.entry.oneDrive && opts.entry.oneDrive.files && opts.entry.oneDrive.files.folder;
    crumbs = [{ id: "root", name: "My files" }];
    if (folder) {
      try {
        const it = await api("/me/drive/root:/" + folder.split("/").filter(Boolean).map(encodeURIComponent).join("/"));
        crumbs.push({ id: it.id, name: it.name });
      } catch (e) { /* falls back to the root, as fallbackToRoot asks */ }
    }
    return load();
  }

  async function load() {
    $("status").hidden = false;
    $("status").textContent = "Loading…";
    const here = crumbs[crumbs.length - 1];
    const path = here.id === "root" ? "/me/drive/root/children" : "/me/drive/items/" + encodeURIComponent(here.id) + "/children";
    try {
      const body = await api(path + "?$top=200");
      render(body.value || []);
      $("error").hidden = true;
    } catch (e) {
      showError(e.message);
      notify("error", { code: "accessDenied", isExpected: false, message: e.message });
    }
  }

  function showError(msg) {
    $("status").hidden = true;
    $("items").hidden = true;
    $("error").hidden = false;
    $("error").textContent = msg;
  }

  function renderCrumbs(search) {
    const nav = $("crumbs");
    nav.textContent = "";
    crumbs.forEach((c, i) => {
      if (i) nav.append(" › ");
      const b = document.createElement("button");
      b.textContent = c.name;
      b.onclick = () => { crumbs = crumbs.slice(0, i + 1); load(); };
      nav.append(b);
    });
    if (search) nav.append(" › Search results for “" + search + "”");
  }

  function render(items, search) {
    renderCrumbs(search);
    const tbody = $("items").querySelector("tbody");
    tbody.textContent = "";
    items.filter(visible).forEach((it) => tbody.append(row(it)));
    $("status").hidden = items.filter(visible).length > 0;
    $("status").textContent = "This folder is empty.";
    $("items").hidden = false;
    updateCount();
  }

  function row(it) {
    const tr = document.createElement("tr");
    tr.dataset.id = it.id;
    tr.dataset.name = it.name;
    const can = selectable(it);
    if (!can) tr.className = "disabled";
    if (selected.has(it.id)) tr.classList.add("selected");
    const box = document.createElement("input");
    box.type = selMode === "multiple" ? "checkbox" : "radio";
    box.name = "pick";
    box.disabled = !can;
    box.checked = selected.has(it.id);
    box.setAttribute("aria-label", "Select " + it.name);
    box.onchange = () => toggle(it, box.checked);
    const name = document.createElement(isFolder(it) ? "button" : "span");
    name.textContent = (isFolder(it) ? "📁 " : "📄 ") + it.name;
    if (isFolder(it)) name.onclick = () => { crumbs.push({ id: it.id, name: it.name }); load(); };
    const cells = [box, name, (it.lastModifiedDateTime || "").slice(0, 10), isFolder(it) ? "" : fmtSize(it.size)];
    cells.forEach((c, i) => {
      const td = document.createElement("td");
      if (i === 1) td.className = "name";
      td.append(c);
      tr.append(td);
    });
    return tr;
  }

  function fmtSize(n) { return n < 1024 ? n + " B" : n < 1048576 ? (n / 1024).toFixed(1) + " KB" : (n / 1048576).toFixed(1) + " MB"; }

  function toggle(it, on) {
    if (selMode === "single") selected.clear();
    if (on && selected.size < maxCount) selected.set(it.id, it);
    else selected.delete(it.id);
    document.querySelectorAll("#items tbody tr").forEach((tr) => {
      tr.classList.toggle("selected", selected.has(tr.dataset.id));
      tr.querySelector("input").checked = selected.has(tr.dataset.id);
    });
    updateCount();
  }

  function updateCount() {
    $("pick-button").disabled = selected.size === 0;
    $("count").textContent = selected.size ? selected.size + " selected" : "";
  }

  // pickedItem is an item in the shape the picker's pick command carries.
  function pickedItem(it) {
    const pr = it.parentReference || {};
    const out = { id: it.id, name: it.name, size: it.size, webUrl: it.webUrl,
      parentReference: { driveId: pr.driveId, id: pr.id } };
    if (isFolder(it)) out.folder = it.folder || {}; else out.file = it.file || {};
    out["@sharePoint.endpoint"] = cfg.endpoint;
    if (!cfg.personal) {
      out.parentReference.sharepointIds = pr.sharepointIds || {};
      out["@sharePoint.embedUrl"] = it.webUrl;
      out["@sharePoint.listUrl"] = cfg.resource;
    }
    return out;
  }

  $("pick-button").onclick = async () => {
    const items = Array.from(selected.values()).map(pickedItem);
    const r = await command({ command: "pick", items, keepSharing: false });
    if (r && r.type === "error") showError("The app did not accept the selection: " + ((r.data && r.data.message) || "error"));
  };
  $("close-button").onclick = () => { command({ command: "close" }); };
  $("search").onsubmit = (ev) => {
    ev.preventDefault();
    const q = $("search-box").value.trim();
    if (!q) return load();
    loadSearch(q);
  };

  async function loadSearch(q) {
    try {
      const body = await api("/me/drive/root/search(q='" + encodeURIComponent(q.replace(/'/g, "''")) + "')?$top=200");
      render(body.value || [], q);
    } catch (e) { showError(e.message); }
  }

  start();
})();
