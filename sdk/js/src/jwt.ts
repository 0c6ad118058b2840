/**
 * Reading (not verifying) the user token in the client. The server verifies
 * the signature; the SDK only needs `sub` and `exp` to fail early.
 *
 * @module
 */
import { AuthenticationError } from "./errors.js";

/** The claims the SDK reads from a user token. */
export interface UserTokenClaims {
  sub?: string;
  id?: string;
  exp?: number;
  [claim: string]: unknown;
}

function base64UrlDecode(part: string): string {
  const b64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const binary = atob(b64);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/**
 * decodeUserToken returns the token's claims, throwing
 * {@link AuthenticationError} when it is not a JWT, has no `exp`, or has
 * expired at `now` (milliseconds since the epoch).
 */
export function decodeUserToken(token: string, now: number = Date.now()): UserTokenClaims {
  const parts = typeof token === "string" ? token.split(".") : [];
  let claims: UserTokenClaims;
  try {
    if (parts.length !== 3) throw new Error("not three parts");
    claims = JSON.parse(base64UrlDecode(parts[1]));
  } catch {
    throw new AuthenticationError("the user token is not a well-formed JWT");
  }
  if (claims === null || typeof claims !== "object") {
    throw new AuthenticationError("the user token is not a well-formed JWT");
  }
  if (typeof claims.exp !== "number") {
    throw new AuthenticationError("the user token has no exp claim");
  }
  if (now >= claims.exp * 1000) {
    throw new AuthenticationError("the user token has expired");
  }
  return claims;
}
