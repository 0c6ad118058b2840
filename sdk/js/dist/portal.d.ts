import type { WindowLike } from "./types.js";
/** What one portal session needs. */
export interface PortalRun {
    window: WindowLike;
    /** Driveway's base URL. */
    baseUrl: string;
    projectId: string;
    /** Asks Driveway for a single-use URL code standing for the user token. */
    code(): Promise<string>;
    /** Where the portal's "Return to the app" link goes (must be an allowed origin). */
    returnTo?: string;
    pollIntervalMs: number;
    /** Called every pollIntervalMs while the portal is open, and once after it closed. */
    check(closed: boolean): Promise<void>;
}
/** The portal's URL, with a URL code in the fragment. */
export declare function portalUrl(run: Pick<PortalRun, "baseUrl" | "projectId" | "returnTo">, code: string): string;
/**
 * Opens the portal, throwing {@link PopupBlockedError} when the browser
 * refuses, and returns a promise that resolves once the portal has closed
 * and the last check ran. A failing check while open is retried on the
 * next tick; the last check's error rejects.
 */
export declare function openPortal(run: PortalRun): Promise<void>;
/**
 * credentialChanges compares credential statuses (id → status) before and
 * now: the ids gone, and the ids that became VALID. It updates known to now.
 */
export declare function credentialChanges(known: Map<string, string>, now: Map<string, string>): {
    removed: string[];
    validated: string[];
};
