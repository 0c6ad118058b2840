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
import type { MessageEventLike, WindowLike } from "./types.js";

/** What one portal session needs. */
export interface PortalRun {
  window: WindowLike;
  /** The portal URL, without the token. */
  url: string;
  drivewayOrigin: string;
  /** The user token, appended as `userToken` (the portal's pages need it, as oauth-nonce does). */
  token: string;
  pollIntervalMs: number;
  timeoutMs: number;
}

/** What happened in the portal. */
export interface PortalOutcome {
  installed: boolean;
  uninstalled: boolean;
}

/** Opens the portal and resolves once the user is done with it. */
export function openPortal(run: PortalRun): Promise<PortalOutcome> {
  const url = run.url + (run.url.includes("?") ? "&" : "?") + "userToken=" + encodeURIComponent(run.token);
  const popup = run.window.open(url, "driveway-connect-portal", "width=520,height=680,left=100,top=100");
  if (!popup) {
    return Promise.reject(new PopupBlockedError("the browser blocked the Connect Portal window: call connect from a click"));
  }
  return new Promise((resolve, reject) => {
    const outcome: PortalOutcome = { installed: false, uninstalled: false };
    let done = false;
    const end = (err?: Error) => {
      if (done) return;
      done = true;
      clearInterval(watch);
      clearTimeout(timeout);
      run.window.removeEventListener("message", onMessage);
      try {
        if (!popup.closed) popup.close();
      } catch {
        // ignore
      }
      if (err) reject(err);
      else resolve(outcome);
    };
    const onMessage = (ev: MessageEventLike) => {
      if (ev.origin !== run.drivewayOrigin || !ev.data || typeof ev.data !== "object") return;
      const type = (ev.data as { type?: unknown }).type;
      if (type === "oauth_success_callback" || type === "driveway:installed") {
        outcome.installed = true;
        end();
      } else if (type === "driveway:uninstalled") {
        outcome.uninstalled = true;
      } else if (type === "driveway:close") {
        end();
      } else if (type === "oauth_error_callback") {
        const e = (ev.data as { error?: unknown }).error;
        end(new DrivewayError(typeof e === "string" ? e : "connecting failed", { body: ev.data }));
      }
    };
    run.window.addEventListener("message", onMessage);
    const watch = setInterval(() => {
      if (popup.closed) end();
    }, run.pollIntervalMs);
    const timeout = setTimeout(() => end(new InstallTimeoutError("the Connect Portal was open too long")), run.timeoutMs);
  });
}
