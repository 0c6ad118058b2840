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
    /** The popup's first URL (the oauth-nonce page). */
    nonceUrl(key: string, origin: string): string;
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
