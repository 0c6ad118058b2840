import { DrivewayError } from "./errors.js";
/**
 * Turns a failed proxy response into GraphError, NotConnectedError or
 * DrivewayError. On 401, 403, 404 or not_connected from Driveway it re-reads
 * the user's state (reread): a refused user token throws there; otherwise a
 * disabled integration means the credential is the problem.
 */
export declare function proxyError(integration: string, res: Response, reread: () => Promise<{
    enabled?: boolean;
} | undefined>): Promise<DrivewayError>;
