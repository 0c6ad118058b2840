// Connect Portal: lists the user's OneDrive accounts and runs the same
// popup install flow as the Connect SDK (oauth-nonce page + build-oauth,
// then oauth_success_callback from /oauth). No build step, no framework.
(function () {
  "use strict";
  var root = document.getElementById("portal");
  var pid = root.dataset.projectId;
  var iid = root.dataset.integrationId;
  var returnTo = root.dataset.returnTo;
  var tokenKey = "driveway-user-token:" + pid;
  var token = readToken();
  var pending = null;

  function readToken() {
    var h = new URLSearchParams(location.hash.slice(1));
    var t = h.get("userToken") || h.get("token");
    if (t) {
      sessionStorage.setItem(tokenKey, t);
      history.replaceState(null, "", location.pathname + location.search);
      return t;
    }
    return sessionStorage.getItem(tokenKey) || "";
  }

  function api(method, path, body, headers) {
    var init = { method: method, headers: { Accept: "application/json", Authorization: "Bearer " + token } };
    Object.keys(headers || {}).forEach(function (k) { init.headers[k] = headers[k]; });
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      if (res.status === 204) { return null; }
      return res.json().then(function (b) {
        if (!res.ok) { throw new Error((b && b.message) || ("HTTP " + res.status)); }
        return b;
      });
    });
  }

  function say(text, isError) {
    var m = document.getElementById("message");
    m.textContent = text;
    m.className = isError ? "err" : "";
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function render(me) {
    var od = me.integrations.onedrive;
    var meta = me.meta || {};
    var who = meta.Name ? meta.Name + (meta.Email ? " <" + meta.Email + ">" : "") : (meta.Email || me.userId);
    document.getElementById("for").textContent = "Connecting for your account in this app: " + who;
    var list = document.getElementById("accounts");
    list.textContent = "";
    od.allCredentials.forEach(function (c) {
      var d = c.providerData || {};
      var li = el("li");
      li.dataset.credentialId = c.id;
      var who = el("div", "who");
      who.appendChild(el("div", "name", d.displayName || d.userPrincipalName || "OneDrive account"));
      who.appendChild(el("div", "meta email", d.email || d.userPrincipalName || ""));
      who.appendChild(el("div", "meta drive", (d.driveType === "personal" ? "OneDrive (personal)" : "OneDrive for Business") + " · " + (d.driveType || "")));
      li.appendChild(who);
      li.appendChild(el("span", "status " + c.status, c.status === "VALID" ? "Connected" : c.status === "INVALID" ? "Needs reconnecting" : c.status));
      var re = el("button", "reconnect", "Reconnect");
      re.type = "button";
      re.addEventListener("click", function () { connect(c.id); });
      var del = el("button", "disconnect", "Disconnect");
      del.type = "button";
      del.addEventListener("click", function () { disconnect(c.id); });
      li.appendChild(re);
      li.appendChild(del);
      list.appendChild(li);
    });
    var state = document.getElementById("state");
    var any = od.allCredentials.some(function (c) { return c.status === "VALID"; });
    state.textContent = any ? "Connected" : "Not connected";
    state.className = any ? "badge on" : "badge";
    document.getElementById("connect").textContent = od.allCredentials.length ? "Connect another account" : "Connect";
  }

  function load() {
    if (!token) { say("Open this page from the app: it needs a user token.", true); return Promise.resolve(); }
    return api("GET", "/projects/" + pid + "/sdk/me").then(render).catch(function (e) { say(e.message, true); });
  }

  function connect(credentialId) {
    say("");
    var origin = location.origin;
    var session = Math.random().toString(36).substring(2, 15);
    var nonce = "/projects/" + pid + "/sdk/actions/oauth-nonce?action=onedrive&integrationId=" + encodeURIComponent(iid) +
      "&originForPostMessage=" + encodeURIComponent(origin) + "&userToken=" + encodeURIComponent(token);
    var popup = window.open(nonce, "_blank", "width=500,height=600,left=100,top=150");
    if (!popup) { say("Allow pop-ups for this page to connect OneDrive.", true); return; }
    var q = new URLSearchParams({ action: "onedrive", integrationId: iid, originForPostMessage: origin, oauthMetaKeyId: session });
    if (credentialId) { q.set("selectedCredentialId", credentialId); }
    pending = { popup: popup, built: api("GET", "/v2/projects/" + pid + "/sdk/actions/build-oauth?" + q.toString()) };
    pending.built.catch(function (e) { say(e.message, true); popup.close(); });
  }

  function disconnect(credentialId) {
    api("DELETE", "/projects/" + pid + "/sdk/integrations/" + encodeURIComponent(iid), undefined, { "X-Paragon-Credential": credentialId })
      .then(function () { say("Disconnected."); return load(); })
      .catch(function (e) { say(e.message, true); });
  }

  function finished(data) {
    api("POST", "/projects/" + pid + "/sdk/credentials", { integrationId: data.credential.integrationId, config: {}, payload: data.credential.payload })
      .then(function (c) {
        say("Connected " + ((c.providerData && c.providerData.userPrincipalName) || "OneDrive") + ".");
        if (returnTo) {
          var a = document.getElementById("return");
          a.href = returnTo;
          document.getElementById("back").hidden = false;
        }
        return load();
      })
      .catch(function (e) { say(e.message, true); });
  }

  window.addEventListener("message", function (ev) {
    if (ev.origin !== location.origin || !ev.data || typeof ev.data.type !== "string") { return; }
    if (ev.data.type === "oauth-nonce-loaded" && pending) {
      var p = pending;
      p.built.then(function (b) { p.popup.location.href = b.redirectUrl; });
    } else if (ev.data.type === "oauth_success_callback") {
      pending = null;
      finished(ev.data);
    } else if (ev.data.type === "oauth_error_callback") {
      pending = null;
      say((ev.data.errorResponse && ev.data.errorResponse.message) || "OneDrive was not connected.", true);
    }
  });

  document.getElementById("connect").addEventListener("click", function () { connect(""); });
  load();
})();
