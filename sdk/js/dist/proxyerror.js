import { NotConnectedError } from "./errors.js";
import { apiError, graphError, readJSON, summarize } from "./http.js";
/**
 * Turns a failed proxy response into GraphError, NotConnectedError or
 * DrivewayError. On 401, 403, 404 or not_connected from Driveway it re-reads
 * the user's state (reread): a refused user token throws there; otherwise a
 * disabled integration means the credential is the problem.
 */
export async function proxyError(integration, res, reread) {
    const body = await readJSON(res);
    const s = summarize(body);
    if (!s.fromDriveway && s.code)
        return graphError(res, body, s);
    const details = { status: res.status, code: s.code, body };
    if (res.status === 401 || res.status === 403 || res.status === 404 || s.code === "not_connected") {
        const state = await reread();
        if (!state?.enabled || s.code === "not_connected") {
            return new NotConnectedError(integration, s.message ?? `${integration} is not connected`, details);
        }
    }
    return apiError(res, body);
}
