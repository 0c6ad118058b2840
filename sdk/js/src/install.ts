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
import { AuthenticationError, DrivewayError, InstallError, InstallTimeoutError, PopupBlockedError } from "./errors.js";
import type { Credential, MessageEventLike, PopupLike, WindowLike } from "./types.js";

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

/** Grace after the popup closes, for a callback already on its way. */
const closedGraceMs = 3000;

/** A random key identifying one install session (oauthMetaKeyId). */
export function sessionKey(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Runs the popup protocol and resolves the new (or reconnected) credential. */
export function runInstall(run: InstallRun): Promise<Credential> {
  const key = sessionKey();
  const origin = run.window.location.origin;
  const popup = run.window.open("", "driveway-connect", "width=500,height=600,left=100,top=150");
  if (!popup) {
    return Promise.reject(new PopupBlockedError("the browser blocked the sign-in window: call installIntegration from a click"));
  }
  return new Promise<Credential>((resolve, reject) => new Flow(run, key, origin, popup, resolve, reject).start());
}

/** One running install: its timers, listener and outcome. */
class Flow {
  private authorizeUrl?: string;
  private nonceLoaded = false;
  private done = false;
  private closedAt?: number;
  private readonly timers: ReturnType<typeof setTimeout>[] = [];
  private readonly onMessage = (ev: MessageEventLike) => this.message(ev);

  constructor(
    private readonly run: InstallRun,
    private readonly key: string,
    private readonly origin: string,
    private readonly popup: PopupLike,
    private readonly resolve: (c: Credential) => void,
    private readonly reject: (e: Error) => void,
  ) {}

  start(): void {
    this.run.window.addEventListener("message", this.onMessage);
    this.timers.push(setTimeout(() => this.fail(new InstallTimeoutError("connecting took too long")), this.run.timeoutMs));
    this.run.nonceUrl(this.key, this.origin).then(
      (url) => {
        if (!this.done) this.popup.location.href = url;
      },
      (err) => this.fail(err),
    );
    this.run.buildOAuth(this.key, this.origin).then(
      (url) => {
        this.authorizeUrl = url;
        this.navigate();
      },
      (err) => this.fail(err),
    );
    this.poll();
  }

  private navigate(): void {
    if (this.done || !this.nonceLoaded || !this.authorizeUrl) return;
    this.popup.location.href = this.authorizeUrl;
  }

  private message(ev: MessageEventLike): void {
    if (this.done || ev.origin !== this.run.drivewayOrigin) return;
    const data = ev.data as { type?: unknown; credential?: { payload?: unknown }; error?: unknown; errorResponse?: unknown } | null;
    if (!data || typeof data !== "object") return;
    switch (data.type) {
      case "oauth-nonce-loaded":
        this.nonceLoaded = true;
        this.navigate();
        return;
      case "oauth_success_callback":
        if (!this.ownPayload(data.credential?.payload)) return;
        this.run.completeFromPayload(data.credential?.payload).then(
          (c) => this.succeed(c),
          (err) => this.fail(err),
        );
        return;
      case "oauth_error_callback":
        this.fail(installError(data));
        return;
    }
  }

  /** Whether a callback payload is this run's: another run's is ignored. */
  private ownPayload(payload: unknown): boolean {
    const session = (payload as { sessionId?: unknown } | null | undefined)?.sessionId;
    return session === undefined || session === this.key;
  }

  private poll(): void {
    if (this.done) return;
    this.run.pollSession(this.key).then(
      (state) => {
        if (state?.error) {
          this.fail(installError(state));
          return;
        }
        const credentialId = state?.connectCredentialId;
        if (credentialId) {
          this.run.getCredential(credentialId).then(
            (c) => this.succeed(c),
            (err) => this.fail(err),
          );
          return;
        }
        this.schedulePoll();
      },
      (err) => (err instanceof AuthenticationError ? this.fail(err) : this.schedulePoll()),
    );
  }

  private schedulePoll(): void {
    if (this.done) return;
    if (this.popup.closed) {
      this.closedAt ??= Date.now();
      if (Date.now() - this.closedAt > closedGraceMs) {
        this.fail(new InstallError("the sign-in window was closed before connecting finished"));
        return;
      }
    }
    this.timers.push(setTimeout(() => this.poll(), this.run.pollIntervalMs));
  }

  private succeed(c: Credential): void {
    if (this.done) return;
    this.finish();
    this.resolve(c);
  }

  private fail(err: unknown): void {
    if (this.done) return;
    this.finish();
    this.reject(err instanceof Error ? err : new DrivewayError(String(err)));
  }

  private finish(): void {
    this.done = true;
    this.timers.forEach(clearTimeout);
    this.run.window.removeEventListener("message", this.onMessage);
    try {
      if (!this.popup.closed) this.popup.close();
    } catch {
      // a cross-origin popup may refuse; it closes itself after the callback
    }
    this.run.deleteSession(this.key).catch(() => undefined);
  }
}

/**
 * installError describes a failed sign-in from the callback's message
 * (`{error: code, errorResponse: {message}}`) or the session (`{error}`).
 */
export function installError(data: { error?: unknown; errorResponse?: unknown }): InstallError {
  const code = typeof data.error === "string" ? data.error : undefined;
  const detail = (data.errorResponse as { message?: unknown } | undefined)?.message;
  const message = typeof detail === "string" ? detail : `connecting failed${code ? ": " + code : ""}`;
  return new InstallError(message, { code, body: data });
}
