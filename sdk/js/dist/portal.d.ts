import type { WindowLike } from "./types.js";
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
export declare function openPortal(run: PortalRun): Promise<PortalOutcome>;
