/**
 * `pickFiles`: Microsoft's OneDrive File Picker (v8) for a connected
 * account. The picker is a page Microsoft hosts in the user's OneDrive
 * (onedrive.live.com/picker for a personal account, the tenant's
 * -my.sharepoint.com/_layouts/15/FilePicker.aspx for a work or school one);
 * the SDK opens it in a popup with a form POST, then answers its commands
 * over a MessageChannel. Every token the picker asks for (`authenticate`,
 * naming a resource) is asked of Driveway at that moment, through
 * getIntegrationAccount's accountAuth: short-lived access tokens for that
 * resource only, never a refresh token. The project's accountAuth setting
 * must be on.
 *
 * @module
 */
import { DrivewayError, PopupBlockedError } from "./errors.js";
/** The picker's URL for an accountAuth DOMAIN. */
export function pickerUrl(domain) {
    const d = domain.replace(/\/+$/, "");
    return /^https:\/\/onedrive\.live\.com$/i.test(d) ? `${d}/picker` : `${d}/_layouts/15/FilePicker.aspx`;
}
async function tokenFor(client, opts, resource) {
    const acct = await client.getIntegrationAccount("onedrive", {
        includeAccountAuth: true,
        selectedCredentialId: opts.selectedCredentialId,
        pickerResource: resource,
    });
    const a = acct.accountAuth;
    if (!a?.OAUTH_ACCESS_TOKEN || !a.DOMAIN) {
        throw new DrivewayError("Driveway gave no token for the File Picker: turn on the project's accountAuth setting (dashboard → OneDrive)", { code: "forbidden" });
    }
    return { token: a.OAUTH_ACCESS_TOKEN, domain: a.DOMAIN };
}
function pickerOptions(opts, origin, channelId) {
    return {
        sdk: "8.0",
        entry: { oneDrive: { files: {} } },
        authentication: {},
        search: { enabled: opts.search ?? true },
        messaging: { origin, channelId },
        selection: { mode: opts.multiple ? "multiple" : "single" },
        typesAndSources: { mode: opts.mode ?? "files", filters: opts.filters ?? [], pivots: { oneDrive: true, recent: true } },
    };
}
/** Submits the form POST of access_token to the picker URL in popup. */
function postTo(popup, url, options, token) {
    const doc = popup.document;
    const form = doc.createElement("form");
    form.setAttribute("action", `${url}?${new URLSearchParams({ filePicker: JSON.stringify(options) })}`);
    form.setAttribute("method", "POST");
    const input = doc.createElement("input");
    input.setAttribute("type", "hidden");
    input.setAttribute("name", "access_token");
    input.setAttribute("value", token);
    form.appendChild(input);
    doc.body.appendChild(form);
    form.submit();
}
/**
 * Opens the OneDrive File Picker for the user's connected account and
 * resolves with the picked items (an empty array when the user cancels or
 * closes it). Call it from a click handler: it opens a popup.
 */
export async function pickFiles(client, win, type, opts = {}) {
    if (type !== "onedrive")
        throw new DrivewayError(`pickFiles supports "onedrive", not ${JSON.stringify(type)}`);
    const popup = win.open("", "DrivewayFilePicker", "width=1080,height=680");
    if (!popup)
        throw new PopupBlockedError("the browser blocked the File Picker's popup: call pickFiles from a click");
    let first;
    try {
        first = await tokenFor(client, opts);
    }
    catch (err) {
        popup.close();
        throw err;
    }
    const channelId = `driveway-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const options = pickerOptions(opts, win.location.origin, channelId);
    postTo(popup, pickerUrl(first.domain), options, first.token);
    return new Promise((resolve) => {
        let done = false;
        const finish = (items) => {
            if (done)
                return;
            done = true;
            win.removeEventListener("message", onInitialize);
            clearInterval(watch);
            if (items.length)
                opts.onPick?.(items);
            if (!popup.closed)
                popup.close();
            opts.onClose?.();
            resolve(items);
        };
        const watch = setInterval(() => { if (popup.closed)
            finish([]); }, 500);
        const onInitialize = (ev) => {
            const d = ev.data;
            if (ev.source !== popup || d?.type !== "initialize" || d.channelId !== channelId || !ev.ports[0])
                return;
            serve(ev.ports[0], client, opts, finish);
        };
        win.addEventListener("message", onInitialize);
    });
}
/** Answers the picker's commands on port. */
function serve(port, client, opts, finish) {
    port.onmessage = async (ev) => {
        const m = ev.data;
        if (m?.type === "notification")
            return opts.onNotification?.(m.data ?? {});
        if (m?.type !== "command" || !m.data)
            return;
        port.postMessage({ type: "acknowledge", id: m.id });
        const command = m.data;
        switch (command.command) {
            case "authenticate":
                try {
                    const a = await tokenFor(client, opts, command.resource);
                    port.postMessage({ type: "result", id: m.id, data: { result: "token", token: a.token } });
                }
                catch (err) {
                    port.postMessage({ type: "error", id: m.id, data: { code: "unableToObtainToken", message: err.message } });
                }
                return;
            case "pick":
                port.postMessage({ type: "result", id: m.id, data: { result: "success" } });
                return finish(command.items ?? []);
            case "close":
                return finish([]);
            default:
                port.postMessage({ type: "error", id: m.id, data: { code: "unsupportedCommand", message: String(command.command) } });
        }
    };
    port.postMessage({ type: "activate" });
}
