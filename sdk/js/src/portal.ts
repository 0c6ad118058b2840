/**
 * The hosted Connect Portal, opened in a popup by `connect()`: Driveway's
 * page `GET /connect/?projectId=…#userToken=…` (the token travels in the
 * fragment, so it reaches no server log). The portal runs the install and
 * disconnect itself and sends the opener nothing, so the SDK watches the
 * user's state instead: it re-reads `/sdk/me` while the portal is open and
 * once more when it closes.
 *
 * @module
 */
import { PopupBlockedError } from "./errors.js";
import type { PopupLike, WindowLike } from "./types.js";

/** What one portal session needs. */
export interface PortalRun {
  window: WindowLike;
  /** Driveway's base URL. */
  baseUrl: string;
  projectId: string;
  token: string;
  /** Where the portal's "Return to the app" link goes (must be an allowed origin). */
  returnTo?: string;
  pollIntervalMs: number;
  /** Called every pollIntervalMs while the portal is open, and once after it closed. */
  check(closed: boolean): Promise<void>;
}

/** The portal's URL, with the token in the fragment. */
export function portalUrl(run: Pick<PortalRun, "baseUrl" | "projectId" | "token" | "returnTo">): string {
  const q = new URLSearchParams({ projectId: run.projectId });
  if (run.returnTo) q.set("returnTo", run.returnTo);
  return `${run.baseUrl}/connect/?${q}#${new URLSearchParams({ userToken: run.token })}`;
}

/**
 * Opens the portal, throwing {@link PopupBlockedError} when the browser
 * refuses, and returns a promise that resolves once the portal has closed
 * and the last check ran. A failing check while open is retried on the
 * next tick; the last check's error rejects.
 */
export function openPortal(run: PortalRun): Promise<void> {
  const popup = run.window.open(portalUrl(run), "driveway-connect-portal", "width=520,height=680,left=100,top=100");
  if (!popup) {
    throw new PopupBlockedError("the browser blocked the Connect Portal window: call connect from a click");
  }
  return watch(popup, run);
}

async function watch(popup: PopupLike, run: PortalRun): Promise<void> {
  while (!popup.closed) {
    await new Promise((r) => setTimeout(r, run.pollIntervalMs));
    if (popup.closed) break;
    await run.check(false).catch(() => undefined);
  }
  await run.check(true);
}

/**
 * credentialChanges compares credential statuses (id → status) before and
 * now: the ids gone, and the ids that became VALID. It updates known to now.
 */
export function credentialChanges(known: Map<string, string>, now: Map<string, string>): { removed: string[]; validated: string[] } {
  const removed = [...known.keys()].filter((id) => !now.has(id));
  const validated = [...now].filter(([id, status]) => status === "VALID" && known.get(id) !== "VALID").map(([id]) => id);
  known.clear();
  for (const [id, status] of now) known.set(id, status);
  return { removed, validated };
}
