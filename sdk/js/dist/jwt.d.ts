/** The claims the SDK reads from a user token. */
export interface UserTokenClaims {
    sub?: string;
    id?: string;
    exp?: number;
    [claim: string]: unknown;
}
/**
 * decodeUserToken returns the token's claims, throwing
 * {@link AuthenticationError} when it is not a JWT, has no `exp`, or has
 * expired at `now` (milliseconds since the epoch).
 */
export declare function decodeUserToken(token: string, now?: number): UserTokenClaims;
