/**
 * Typed errors. Every error the SDK throws is a {@link DrivewayError}; the
 * subclasses say what went wrong so that callers branch with `instanceof`
 * rather than on message text.
 *
 * @module
 */
/** What an error carries besides its message. */
export interface DrivewayErrorDetails {
    /** The HTTP status of the response, when there was one. */
    status?: number;
    /** A machine-readable code: Driveway's (`unauthorized`, `not_found`, ...) or Graph's (`itemNotFound`, ...). */
    code?: string;
    /** The parsed response body, when there was one (never holds a token). */
    body?: unknown;
    /** Seconds to wait before trying again, from a `Retry-After` header. */
    retryAfter?: number;
    /** The underlying error, for network failures. */
    cause?: unknown;
}
/** The base class of every error the SDK throws. */
export declare class DrivewayError extends Error {
    /** The HTTP status of the response, when there was one. */
    readonly status?: number;
    /** A machine-readable error code, when the server gave one. */
    readonly code?: string;
    /** The parsed response body, when there was one. */
    readonly body?: unknown;
    /** Seconds to wait before trying again, from `Retry-After`. */
    readonly retryAfter?: number;
    constructor(message: string, details?: DrivewayErrorDetails);
}
/**
 * The user token is missing, malformed or expired, or Driveway refused it
 * (401 or 403 outside the proxy). The SDK has logged the user out: call
 * `authenticate` again with a fresh token.
 */
export declare class AuthenticationError extends DrivewayError {
}
/**
 * The user has no valid connection to the integration: never connected,
 * disconnected, or the credential became INVALID (for example the user
 * revoked access). Reconnect with `installIntegration` or `connect`.
 */
export declare class NotConnectedError extends DrivewayError {
    /** The integration type, e.g. `"onedrive"`. */
    readonly integration: string;
    constructor(integration: string, message: string, details?: DrivewayErrorDetails);
}
/**
 * Microsoft Graph answered a proxied request with an error. `status` is
 * Graph's HTTP status and `graphCode` its `error.code` (also in `code`).
 */
export declare class GraphError extends DrivewayError {
    /** Graph's `error.code`, e.g. `itemNotFound`, `nameAlreadyExists`, `activityLimitReached`. */
    readonly graphCode: string;
    /** Graph's `innerError["request-id"]`, for support requests to Microsoft. */
    readonly requestId?: string;
    constructor(message: string, graphCode: string, details?: DrivewayErrorDetails & {
        requestId?: string;
    });
}
/** The request never got an HTTP answer (offline, DNS, CORS refusal, aborted). */
export declare class NetworkError extends DrivewayError {
}
/** The browser blocked the sign-in popup: call from a click handler. */
export declare class PopupBlockedError extends DrivewayError {
}
/** The install flow did not finish in time (the user closed the popup, or never consented). */
export declare class InstallTimeoutError extends DrivewayError {
}
/** The install flow ended in an error (consent denied, Microsoft sign-in error). */
export declare class InstallError extends DrivewayError {
}
