/**
 * The install (OAuth popup) protocol, as in connect-sdk-protocol §6.3:
 *
 *  1. open the popup (inside the click, blank), ask for a single-use URL
 *     code (`POST …/sdk/actions/url-code`, the user token in the
 *     Authorization header) and send the popup to `…/sdk/actions/oauth-nonce`
 *     with that code: no URL ever carries the user token;
 *  2. meanwhile fetch `…/v2/…/sdk/actions/build-oauth` for the authorize URL;
 *  3. when the popup posts `{type:"oauth-nonce-loaded"}`, send it to that URL;
 *  4. the user signs in at Microsoft, which redirects to Driveway's `/oauth`;
 *  5. the callback page posts `oauth_success_callback` to this window only
 *     (its opener, on the origin build-oauth named), carrying a single-use
 *     completion secret; the SDK finishes with `POST …/sdk/credentials`
 *     and the same user token, and only then does Driveway redeem the
 *     code and store the credential. Polling `…/sdk/actions/session-id/{key}`
 *     reports a failed sign-in, or a credential once this window finished
 *     it; it cannot finish a sign-in itself, so a sign-in link that reached
 *     any other browser connects nothing;
 *  6. `DELETE …/sdk/actions/session-id/{key}`.
 *
 * Messages are accepted only from Driveway's origin, and only for this
 * run's session key.
 *
 * @module
 */
import { InstallError } from "./errors.js";
import type { Credential, WindowLike } from "./types.js";
/** What one install run needs. */
export interface InstallRun {
    integrationType: string;
    integrationId: string;
    selectedCredentialId?: string;
    timeoutMs: number;
    pollIntervalMs: number;
    window: WindowLike;
    /** Driveway's origin: messages from anywhere else are ignored. */
    drivewayOrigin: string;
    /** The popup's first URL (the oauth-nonce page, with a fresh URL code). */
    nonceUrl(key: string, origin: string): Promise<string>;
    /** Calls build-oauth and returns the authorize URL. */
    buildOAuth(key: string, origin: string): Promise<string>;
    /** Polls the session: a credential id once the callback stored one, an error if the sign-in failed. */
    pollSession(key: string): Promise<SessionState | undefined>;
    /** Forgets the session (best effort). */
    deleteSession(key: string): Promise<void>;
    /** Turns the callback's payload into the credential (POST /sdk/credentials). */
    completeFromPayload(payload: unknown): Promise<Credential>;
    /** Reads a credential by id. */
    getCredential(id: string): Promise<Credential>;
}
/** What the session-id route answers. */
export interface SessionState {
    connectCredentialId?: string;
    error?: string;
}
/** A random key identifying one install session (oauthMetaKeyId). */
export declare function sessionKey(): string;
/** Runs the popup protocol and resolves the new (or reconnected) credential. */
export declare function runInstall(run: InstallRun): Promise<Credential>;
/**
 * installError describes a failed sign-in from the callback's message
 * (`{error: code, errorResponse: {message}}`) or the session (`{error}`).
 */
export declare function installError(data: {
    error?: unknown;
    errorResponse?: unknown;
}): InstallError;
