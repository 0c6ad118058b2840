/**
 * `@driveway/connect`: connect your users' OneDrive through Driveway and
 * call Microsoft Graph for them.
 *
 * ```js
 * import { driveway } from "@driveway/connect";
 * await driveway.authenticate(projectId, userToken);
 * const files = await driveway.request("onedrive", "/me/drive/root/children", { method: "GET" });
 * ```
 *
 * @module
 */
import { DrivewayConnect } from "./client.js";

export { DrivewayConnect, credentialHeader } from "./client.js";
export {
  AuthenticationError,
  DrivewayError,
  GraphError,
  InstallError,
  InstallTimeoutError,
  NetworkError,
  NotConnectedError,
  PopupBlockedError,
} from "./errors.js";
export type { DrivewayErrorDetails } from "./errors.js";
export { pickerUrl } from "./picker.js";
export type { PickedItem, PickFilesOptions } from "./picker.js";
export type * from "./types.js";

/**
 * The default client, for pages that talk to one Driveway. Its `baseUrl`
 * is the page's origin unless set with `driveway.configure({baseUrl})`.
 */
export const driveway = new DrivewayConnect();

export default driveway;
