// Connect Portal: lists the user's OneDrive accounts and runs the same
// popup install flow as the Connect SDK (oauth-nonce page + build-oauth,
// then oauth_success_callback from /oauth). No build step, no framework.
//
// Embedded (/connect/ui), the Paragon SDK's connect() frames it: the user
// and the modal state arrive as UI_UPDATE messages from the parent window,
// and the page calls the SDK back with SDK_FUNCTION_INVOCATION messages
// (show or hide the frame, open and close events, the finished install,
// disconnects), so that the SDK's own state and events stay true.
(function () {
  "use strict";
  var root = document.getElementById("portal");
  var pid = root.dataset.projectId;
  var iid = root.dataset.integrationId;
  var returnTo = root.dataset.returnTo;
  // The sign-in's last page (/oauth) is on Driveway's public origin, which
  // differs from this page's when the SDK frames it at connect.{host}.
  var ownOrigins = [location.origin, root.dataset.publicOrigin];
  var embedded = root.dataset.embedded === "1";
  var parentOrigins = embedded ? JSON.parse(root.dataset.parentOrigins || "[]") : [];
  var tokenKey = "driveway-user-token:" + pid;
  var codeInURL = "";
  var token = embedded ? "" : readToken();
  var pending = null;
  var parentOrigin = null, calls = {}, callSeq = 0, shown = false;
  var workflowMeta = {};
  var noToken = "Open this page from the app: it needs a user token.";

  // sdk calls a method of the parent's ConnectSDK and resolves with its
  // result.
  function sdk(type) {
    var params = Array.prototype.slice.call(arguments, 1);
    return new Promise(function (ok, fail) {
      if (!parentOrigin) { fail(new Error("not framed by the app")); return; }
      var id = "dw-" + (++callSeq);
      calls[id] = { ok: ok, fail: fail };
      window.parent.postMessage({ messageType: "SDK_FUNCTION_INVOCATION", type: type, parameters: params, id: id }, parentOrigin);
    });
  }

  // fromParent handles the SDK's messages: the state to show, and the
  // answers to sdk calls.
  function fromParent(m) {
    if (m.messageType === "SDK_FUNCTION_RESPONSE" || m.messageType === "SDK_FUNCTION_ERROR") {
      var c = calls[m.id];
      delete calls[m.id];
      if (c) { if (m.error) { c.fail(new Error(m.message || "failed")); } else { c.ok(m.result); } }
      return;
    }
    if (m.messageType !== "UI_UPDATE") { return; }
    var ctx = m.nextContext || {}, modal = m.nextModalState || {};
    var user = ctx.user || {};
    token = user.token || "";
    if (token && document.getElementById("message").textContent === noToken) { say(""); }
    var opts = modal.apiInstallationOptions || {};
    var want = !!(modal.integration && modal.integration.type === "onedrive" && !opts.isApiInstallation);
    if (want && !shown) {
      shown = true;
      sdk("updateContainerStyle", { isModalShown: true });
      sdk("onOpen");
    } else if (!want && shown) {
      shown = false;
      sdk("updateContainerStyle", { isModalShown: false });
    }
    if (modal.config && modal.config.workflowMeta) { workflowMeta = modal.config.workflowMeta; }
    if (want && user.integrations && user.integrations.onedrive) { render(user); }
  }

  // readToken takes the user token from the fragment (#userToken=, as the
  // published Paragon SDK and older links give it) and forgets the
  // fragment; #code= is a single-use URL code, traded by redeem.
  function readToken() {
    var h = new URLSearchParams(location.hash.slice(1));
    var t = h.get("userToken") || h.get("token");
    if (t || h.get("code")) {
      history.replaceState(null, "", location.pathname + location.search);
    }
    if (t) {
      sessionStorage.setItem(tokenKey, t);
      return t;
    }
    codeInURL = h.get("code") || "";
    return sessionStorage.getItem(tokenKey) || "";
  }

  // redeem trades the URL code for the user token (once: the code is then
  // spent), so that no URL ever holds the token.
  function redeem() {
    if (!codeInURL) { return Promise.resolve(); }
    return fetch("/projects/" + pid + "/sdk/actions/url-code/redeem", {
      method: "POST", headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify({ code: codeInURL }),
    }).then(function (res) {
      return res.json().then(function (b) {
        if (!res.ok) { throw new Error((b && b.message) || ("HTTP " + res.status)); }
        token = b.userToken;
        sessionStorage.setItem(tokenKey, token);
      });
    });
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

  // adminLink shows the link a user forwards to their administrator when
  // the organization lets only an administrator approve the app.
  function adminLink(href) {
    if (typeof href !== "string" || !/^https?:\/\//.test(href)) { return; }
    var a = el("a", "", "Approval link for your administrator");
    a.id = "admin-consent";
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    var m = document.getElementById("message");
    m.appendChild(document.createTextNode(" "));
    m.appendChild(a);
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
    renderWorkflows(od.workflowSettings || {});
  }

  // renderWorkflows lists the project's workflows (workflowMeta) with the
  // user's choice (workflowSettings, else the workflow's default).
  function renderWorkflows(settings) {
    var ids = Object.keys(workflowMeta).sort(function (a, b) { return (workflowMeta[a].order || 0) - (workflowMeta[b].order || 0); });
    var section = document.getElementById("workflows");
    section.hidden = ids.length === 0;
    var list = document.getElementById("workflow-list");
    list.textContent = "";
    ids.forEach(function (id) {
      var m = workflowMeta[id];
      var on = settings[id] && typeof settings[id].enabled === "boolean" ? settings[id].enabled : !!m.defaultEnabled;
      var li = el("li");
      var label = el("label");
      var box = el("input", "workflow-toggle");
      box.type = "checkbox";
      box.checked = on;
      box.dataset.workflowId = id;
      box.addEventListener("change", function () { toggleWorkflow(id, box); });
      label.appendChild(box);
      label.appendChild(el("span", "", m.description || id));
      li.appendChild(label);
      list.appendChild(li);
    });
  }

  // toggleWorkflow records the user's choice, then tells the SDK (embedded:
  // onWorkflowChange, and its state read again) or reloads.
  function toggleWorkflow(id, box) {
    var on = box.checked;
    box.disabled = true;
    api(on ? "POST" : "DELETE", "/projects/" + pid + "/sdk/workflows/" + encodeURIComponent(id))
      .then(function () {
        var refreshed;
        if (embedded) {
          sdk("triggerSDKEvent", { type: "onWorkflowChange", integrationId: iid, integrationType: "onedrive",
            workflowId: id, workflowStateChange: { enabled: on } });
          refreshed = sdk("updateLocalState");
        } else {
          refreshed = load();
        }
        return refreshed.then(function () { say(on ? "Turned on." : "Turned off."); });
      })
      .catch(function (e) { box.checked = !on; say(e.message, true); })
      .then(function () { box.disabled = false; });
  }

  function load() {
    if (!token) { say(noToken, true); return Promise.resolve(); }
    var meta = embedded ? Promise.resolve() : api("GET", "/projects/" + pid + "/sdk/integrations").then(function (list) {
      var cfg = list && list[0] && list[0].configs && list[0].configs[0];
      workflowMeta = (cfg && cfg.values && cfg.values.workflowMeta) || {};
    });
    return meta.then(function () { return api("GET", "/projects/" + pid + "/sdk/me"); })
      .then(render).catch(function (e) { say(e.message, true); });
  }

  function connect(credentialId) {
    say("");
    var origin = location.origin;
    var session = Math.random().toString(36).substring(2, 15);
    // The popup opens blank inside the click, then goes to oauth-nonce with
    // a single-use URL code: the user token never is in a URL.
    var popup = window.open("", "_blank", "width=500,height=600,left=100,top=150");
    if (!popup) { say("Allow pop-ups for this page to connect OneDrive.", true); return; }
    api("POST", "/projects/" + pid + "/sdk/actions/url-code").then(function (c) {
      popup.location.href = "/projects/" + pid + "/sdk/actions/oauth-nonce?action=onedrive&integrationId=" + encodeURIComponent(iid) +
        "&originForPostMessage=" + encodeURIComponent(origin) + "&code=" + encodeURIComponent(c.code);
    }).catch(function (e) { say(e.message, true); popup.close(); });
    var q = new URLSearchParams({ action: "onedrive", integrationId: iid, originForPostMessage: origin, oauthMetaKeyId: session });
    if (credentialId) { q.set("selectedCredentialId", credentialId); }
    pending = { popup: popup, built: api("GET", "/v2/projects/" + pid + "/sdk/actions/build-oauth?" + q.toString()) };
    pending.built.catch(function (e) { say(e.message, true); popup.close(); });
  }

  function disconnect(credentialId) {
    if (embedded) {
      sdk("uninstallIntegration", "onedrive", { selectedCredentialId: credentialId })
        .then(function () { return load(); })
        .then(function () { say("Disconnected."); })
        .catch(function (e) { say(e.message, true); });
      return;
    }
    api("DELETE", "/projects/" + pid + "/sdk/integrations/" + encodeURIComponent(iid), undefined, { "X-Paragon-Credential": credentialId })
      .then(function () { return load(); })
      .then(function () { say("Disconnected."); })
      .catch(function (e) { say(e.message, true); });
  }

  function finished(data) {
    if (embedded) { // the SDK stores it, updates its state and fires onIntegrationInstall
      sdk("_oauthCallback", data.credential)
        .then(function (r) {
          var c = (r && r.credential) || {};
          say("Connected " + ((c.providerData && c.providerData.userPrincipalName) || "OneDrive") + ".");
        })
        .catch(function (e) { say(e.message, true); });
      return;
    }
    api("POST", "/projects/" + pid + "/sdk/credentials", { integrationId: data.credential.integrationId, config: {}, payload: data.credential.payload })
      .then(function (c) {
        if (returnTo) {
          var a = document.getElementById("return");
          a.href = returnTo;
          document.getElementById("back").hidden = false;
        }
        // The message comes once the list shows the account.
        return load().then(function () {
          say("Connected " + ((c.providerData && c.providerData.userPrincipalName) || "OneDrive") + ".");
        });
      })
      .catch(function (e) { say(e.message, true); });
  }

  window.addEventListener("message", function (ev) {
    if (embedded && ev.source === window.parent && parentOrigins.indexOf(ev.origin) >= 0 && ev.data) {
      parentOrigin = ev.origin;
      fromParent(ev.data);
      return;
    }
    if (ownOrigins.indexOf(ev.origin) < 0 || !ev.data || typeof ev.data.type !== "string") { return; }
    if (ev.data.type === "oauth-nonce-loaded" && pending) {
      var p = pending;
      p.built.then(function (b) { p.popup.location.href = b.redirectUrl; });
    } else if (ev.data.type === "oauth_success_callback") {
      pending = null;
      finished(ev.data);
    } else if (ev.data.type === "oauth_error_callback") {
      pending = null;
      var failure = ev.data.errorResponse || {};
      say(failure.message || "OneDrive was not connected.", true);
      adminLink(failure.adminConsentUrl);
    }
  });

  document.getElementById("connect").addEventListener("click", function () { connect(""); });
  if (embedded) {
    document.getElementById("close").addEventListener("click", function () { sdk("onClose"); });
  } else {
    redeem().then(load, function (e) { say(e.message, true); }); // embedded, the user and their token come with the SDK's UI_UPDATE
  }
})();
