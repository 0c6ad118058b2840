/**
 * Typed errors. Every error the SDK throws is a {@link DrivewayError}; the
 * subclasses say what went wrong so that callers branch with `instanceof`
 * rather than on message text.
 *
 * @module
 */
/** The base class of every error the SDK throws. */
export class DrivewayError extends Error {
    /** The HTTP status of the response, when there was one. */
    status;
    /** A machine-readable error code, when the server gave one. */
    code;
    /** The parsed response body, when there was one. */
    body;
    /** Seconds to wait before trying again, from `Retry-After`. */
    retryAfter;
    constructor(message, details = {}) {
        super(message, details.cause === undefined ? undefined : { cause: details.cause });
        this.name = new.target.name;
        this.status = details.status;
        this.code = details.code;
        this.body = details.body;
        this.retryAfter = details.retryAfter;
    }
}
/**
 * The user token is missing, malformed or expired, or Driveway refused it
 * (401 or 403 outside the proxy). The SDK has logged the user out: call
 * `authenticate` again with a fresh token.
 */
export class AuthenticationError extends DrivewayError {
}
/**
 * The user has no valid connection to the integration: never connected,
 * disconnected, or the credential became INVALID (for example the user
 * revoked access). Reconnect with `installIntegration` or `connect`.
 */
export class NotConnectedError extends DrivewayError {
    /** The integration type, e.g. `"onedrive"`. */
    integration;
    constructor(integration, message, details = {}) {
        super(message, details);
        this.integration = integration;
    }
}
/**
 * Microsoft Graph answered a proxied request with an error. `status` is
 * Graph's HTTP status and `graphCode` its `error.code` (also in `code`).
 */
export class GraphError extends DrivewayError {
    /** Graph's `error.code`, e.g. `itemNotFound`, `nameAlreadyExists`, `activityLimitReached`. */
    graphCode;
    /** Graph's `innerError["request-id"]`, for support requests to Microsoft. */
    requestId;
    constructor(message, graphCode, details = {}) {
        super(message, { ...details, code: graphCode });
        this.graphCode = graphCode;
        this.requestId = details.requestId;
    }
}
/** The request never got an HTTP answer (offline, DNS, CORS refusal, aborted). */
export class NetworkError extends DrivewayError {
}
/** The browser blocked the sign-in popup: call from a click handler. */
export class PopupBlockedError extends DrivewayError {
}
/** The install flow did not finish in time (the user closed the popup, or never consented). */
export class InstallTimeoutError extends DrivewayError {
}
/** The install flow ended in an error (consent denied, Microsoft sign-in error). */
export class InstallError extends DrivewayError {
}
