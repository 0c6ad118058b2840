// The Connect Portal frame before it knows its project: the Paragon SDK
// creates its iframe (CONNECT_PUBLIC_URL + "/ui") when it is constructed,
// usually before authenticate() names the project, and does not reload
// it. On the first UI_UPDATE naming a project, this page loads the
// project's portal, which only the project's allowed origins may frame;
// the SDK sends its state again when that page loads.
(function () {
  "use strict";
  window.addEventListener("message", function (ev) {
    var m = ev.data;
    if (ev.source !== window.parent || !m || m.messageType !== "UI_UPDATE" || !m.nextContext) { return; }
    var pid = m.nextContext.projectId;
    if (typeof pid === "string" && /^[A-Za-z0-9_-]{1,100}$/.test(pid)) {
      location.replace("/connect/ui?projectId=" + encodeURIComponent(pid));
    }
  });
})();
