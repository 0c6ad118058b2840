/**
 * Encoding `request` bodies and decoding its responses.
 *
 * @module
 */
import type { ResponseType } from "./types.js";
/**
 * encodeBody returns the fetch body for a `request` body and sets a
 * Content-Type on headers unless the caller set one: JSON for plain
 * values, the Blob's type or `application/octet-stream` for bytes, `auto`
 * for strings (the proxy infers JSON or text, as Paragon's SDK expects).
 */
export declare function encodeBody(body: unknown, headers: Headers): BodyInit | undefined;
/** True for `application/json` and `+json` media types. */
export declare function isJSON(contentType: string | null): boolean;
/** decodeBody turns a successful response into what `request` returns. */
export declare function decodeBody(res: Response, type: ResponseType): Promise<unknown>;
