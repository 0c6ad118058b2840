/**
 * The transport: building URLs, sending with the user token, and turning
 * error responses into typed errors.
 *
 * @module
 */
import { DrivewayError, GraphError, NetworkError } from "./errors.js";
/** Driveway's own error codes (Graph's are camelCase, these never are). */
const drivewayCodes = new Set([
    "invalid",
    "unauthorized",
    "forbidden",
    "not_found",
    "not_connected",
    "conflict",
    "throttled",
    "unavailable",
    "internal",
]);
/** Builds `{base}{path}?{query}`, dropping undefined query values. */
export function buildUrl(base, path, query) {
    const url = base.replace(/\/+$/, "") + path;
    if (!query)
        return url;
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
        if (v !== undefined)
            params.set(k, v);
    }
    const qs = params.toString();
    return qs ? url + (url.includes("?") ? "&" : "?") + qs : url;
}
/** Sends a request with the user token, turning fetch failures into {@link NetworkError}. */
export async function send(cfg, url, init) {
    const headers = new Headers(init.headers);
    const token = cfg.token();
    if (token && !headers.has("Authorization"))
        headers.set("Authorization", "Bearer " + token);
    if (!headers.has("Accept"))
        headers.set("Accept", "application/json");
    try {
        return await cfg.fetch()(url, { ...init, headers });
    }
    catch (err) {
        if (err instanceof DOMException && err.name === "AbortError")
            throw err;
        throw new NetworkError("could not reach Driveway at " + new URL(url).origin, { cause: err });
    }
}
/** Reads a body as JSON: undefined when it is empty or not JSON. */
export async function readJSON(res) {
    const text = await res.text();
    if (!text)
        return undefined;
    try {
        return JSON.parse(text);
    }
    catch {
        return undefined;
    }
}
/** Returns seconds from a Retry-After header (seconds or an HTTP date). */
export function retryAfter(res) {
    const v = res.headers.get("Retry-After");
    if (!v)
        return undefined;
    if (/^\d+$/.test(v.trim()))
        return Number(v.trim());
    const at = Date.parse(v);
    return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
function str(v) {
    if (typeof v === "string")
        return v;
    if (typeof v === "number")
        return String(v);
    return undefined;
}
/**
 * summarize reads the error shapes the SDK meets: the Paragon style
 * `{statusCode,message,code}` of Driveway's SDK API and proxy (which adds
 * Graph's envelope beside it), Driveway's admin `{error:{code,message}}`,
 * and Graph's own `{error:{code,message,innerError}}`.
 */
export function summarize(body) {
    if (!body || typeof body !== "object")
        return { fromDriveway: false };
    const b = body;
    if (typeof b.message === "string") {
        return { message: b.message, code: str(b.code), fromDriveway: true };
    }
    if (b.error && typeof b.error === "object") {
        const e = b.error;
        const inner = (e.innerError ?? e.innererror);
        const code = str(e.code);
        return {
            message: str(e.message),
            code,
            requestId: str(inner?.["request-id"]) ?? str(e.requestId),
            fromDriveway: code !== undefined && drivewayCodes.has(code),
        };
    }
    if (typeof b.error === "string") {
        return { message: str(b.error_description) ?? b.error, code: b.error, fromDriveway: false };
    }
    return { fromDriveway: false };
}
/** A DrivewayError for a non-2xx answer of the SDK API. */
export function apiError(res, body) {
    const s = summarize(body);
    return new DrivewayError(s.message ?? `Driveway answered ${res.status} ${res.statusText}`.trim(), {
        status: res.status,
        code: s.code,
        body,
        retryAfter: retryAfter(res),
    });
}
/** A GraphError for an error Graph produced, passed through by the proxy. */
export function graphError(res, body, s) {
    return new GraphError(s.message ?? `Microsoft Graph answered ${res.status}`, s.code ?? "unknown", {
        status: res.status,
        body,
        retryAfter: retryAfter(res),
        requestId: s.requestId,
    });
}
