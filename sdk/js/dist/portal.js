/**
 * The hosted Connect Portal, opened in a popup by `connect()`: Driveway's
 * page `GET /connect/?projectId=…#code=…`, where the code is a single-use
 * URL code (a minute to use) that the page trades for the user token with
 * a POST: no URL, history entry or log holds the token. The popup opens
 * blank inside the click and goes to the portal once the code is there.
 * The portal runs the install and
 * disconnect itself and sends the opener nothing, so the SDK watches the
 * user's state instead: it re-reads `/sdk/me` while the portal is open and
 * once more when it closes.
 *
 * @module
 */
import { PopupBlockedError } from "./errors.js";
/** The portal's URL, with a URL code in the fragment. */
export function portalUrl(run, code) {
    const q = new URLSearchParams({ projectId: run.projectId });
    if (run.returnTo)
        q.set("returnTo", run.returnTo);
    return `${run.baseUrl}/connect/?${q}#${new URLSearchParams({ code })}`;
}
/**
 * Opens the portal, throwing {@link PopupBlockedError} when the browser
 * refuses, and returns a promise that resolves once the portal has closed
 * and the last check ran. A failing check while open is retried on the
 * next tick; the last check's error rejects.
 */
export function openPortal(run) {
    const popup = run.window.open("", "driveway-connect-portal", "width=520,height=680,left=100,top=100");
    if (!popup) {
        throw new PopupBlockedError("the browser blocked the Connect Portal window: call connect from a click");
    }
    return run.code().then((code) => {
        popup.location.href = portalUrl(run, code);
        return watch(popup, run);
    }, (err) => {
        popup.close();
        throw err;
    });
}
async function watch(popup, run) {
    while (!popup.closed) {
        await new Promise((r) => setTimeout(r, run.pollIntervalMs));
        if (popup.closed)
            break;
        await run.check(false).catch(() => undefined);
    }
    await run.check(true);
}
/**
 * credentialChanges compares credential statuses (id → status) before and
 * now: the ids gone, and the ids that became VALID. It updates known to now.
 */
export function credentialChanges(known, now) {
    const removed = [...known.keys()].filter((id) => !now.has(id));
    const validated = [...now].filter(([id, status]) => status === "VALID" && known.get(id) !== "VALID").map(([id]) => id);
    known.clear();
    for (const [id, status] of now)
        known.set(id, status);
    return { removed, validated };
}
