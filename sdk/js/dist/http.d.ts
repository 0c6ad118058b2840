/**
 * The transport: building URLs, sending with the user token, and turning
 * error responses into typed errors.
 *
 * @module
 */
import { DrivewayError, GraphError } from "./errors.js";
/** What a transport needs from its client. */
export interface TransportConfig {
    baseUrl(): string;
    token(): string | undefined;
    fetch(): typeof fetch;
}
/** The parts of an error body the SDK understands. */
export interface ErrorSummary {
    message?: string;
    code?: string;
    requestId?: string;
    /** True when Driveway (not Graph) produced the error. */
    fromDriveway: boolean;
}
/** Builds `{base}{path}?{query}`, dropping undefined query values. */
export declare function buildUrl(base: string, path: string, query?: Record<string, string | undefined>): string;
/** Sends a request with the user token, turning fetch failures into {@link NetworkError}. */
export declare function send(cfg: TransportConfig, url: string, init: RequestInit): Promise<Response>;
/** Reads a body as JSON: undefined when it is empty or not JSON. */
export declare function readJSON(res: Response): Promise<unknown>;
/** Returns seconds from a Retry-After header (seconds or an HTTP date). */
export declare function retryAfter(res: Response): number | undefined;
/**
 * summarize reads the error shapes the SDK meets: the Paragon style
 * `{statusCode,message,code}` of Driveway's SDK API and proxy (which adds
 * Graph's envelope beside it), Driveway's admin `{error:{code,message}}`,
 * and Graph's own `{error:{code,message,innerError}}`.
 */
export declare function summarize(body: unknown): ErrorSummary;
/** A DrivewayError for a non-2xx answer of the SDK API. */
export declare function apiError(res: Response, body: unknown): DrivewayError;
/** A GraphError for an error Graph produced, passed through by the proxy. */
export declare function graphError(res: Response, body: unknown, s: ErrorSummary): GraphError;
