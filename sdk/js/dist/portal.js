/**
 * The hosted Connect Portal, opened in a popup by `connect()`. The portal
 * is Driveway's page at `/connect/{type}`; it runs the install itself and
 * tells the opener what happened with postMessage (accepted only from
 * Driveway's origin):
 *
 *   {type: "oauth_success_callback", ...}  the user connected an account
 *   {type: "driveway:uninstalled"}          the user disconnected
 *   {type: "driveway:close"}                the user closed the portal
 *
 * The popup closing ends the session as well.
 *
 * @module
 */
import { DrivewayError, InstallTimeoutError, PopupBlockedError } from "./errors.js";
/** Opens the portal and resolves once the user is done with it. */
export function openPortal(run) {
    const url = run.url + (run.url.includes("?") ? "&" : "?") + "userToken=" + encodeURIComponent(run.token);
    const popup = run.window.open(url, "driveway-connect-portal", "width=520,height=680,left=100,top=100");
    if (!popup) {
        return Promise.reject(new PopupBlockedError("the browser blocked the Connect Portal window: call connect from a click"));
    }
    return new Promise((resolve, reject) => {
        const outcome = { installed: false, uninstalled: false };
        let done = false;
        const end = (err) => {
            if (done)
                return;
            done = true;
            clearInterval(watch);
            clearTimeout(timeout);
            run.window.removeEventListener("message", onMessage);
            try {
                if (!popup.closed)
                    popup.close();
            }
            catch {
                // ignore
            }
            if (err)
                reject(err);
            else
                resolve(outcome);
        };
        const onMessage = (ev) => {
            if (ev.origin !== run.drivewayOrigin || !ev.data || typeof ev.data !== "object")
                return;
            const type = ev.data.type;
            if (type === "oauth_success_callback" || type === "driveway:installed") {
                outcome.installed = true;
                end();
            }
            else if (type === "driveway:uninstalled") {
                outcome.uninstalled = true;
            }
            else if (type === "driveway:close") {
                end();
            }
            else if (type === "oauth_error_callback") {
                const e = ev.data.error;
                end(new DrivewayError(typeof e === "string" ? e : "connecting failed", { body: ev.data }));
            }
        };
        run.window.addEventListener("message", onMessage);
        const watch = setInterval(() => {
            if (popup.closed)
                end();
        }, run.pollIntervalMs);
        const timeout = setTimeout(() => end(new InstallTimeoutError("the Connect Portal was open too long")), run.timeoutMs);
    });
}
