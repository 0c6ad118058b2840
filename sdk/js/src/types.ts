/**
 * The shapes Driveway's SDK API answers with (they follow the Paragon
 * Connect API), and the SDK's option types.
 *
 * @module
 */

/** A credential's status: VALID can call Graph; INVALID needs the user to reconnect. */
export type CredentialStatus = "VALID" | "INVALID" | "PENDING";

/** One configuration of a credential (Driveway keeps one, the default). */
export interface CredentialConfiguration {
  id: string;
  connectCredentialId: string;
  isDefault: boolean;
  externalId?: string;
  sharedSettings?: Record<string, unknown>;
  workflowSettings?: Record<string, { enabled: boolean; settings?: Record<string, unknown> }>;
  [field: string]: unknown;
}

/** A connected account: one OneDrive of the user (a user may connect several). */
export interface Credential {
  id: string;
  projectId?: string;
  integrationId: string;
  status: CredentialStatus;
  providerId?: string;
  providerData?: Record<string, unknown>;
  dateCreated?: string;
  dateUpdated?: string;
  dateRefreshed?: string;
  externalId?: string;
  /** Present only from `getIntegrationAccount(type, {includeAccountAuth: true})`. */
  accountAuth?: Record<string, unknown>;
  configurations?: CredentialConfiguration[];
  [field: string]: unknown;
}

/** The user's state for one integration, from `GET /sdk/me`. */
export interface IntegrationState {
  /** True when the user has a VALID credential. */
  enabled: boolean;
  credentialId?: string;
  credentialStatus?: CredentialStatus;
  providerId?: string;
  providerData?: Record<string, unknown>;
  allCredentials: Credential[];
  [field: string]: unknown;
}

/** `GET /projects/{pid}/sdk/me`. */
export interface MeResponse {
  project?: { id: string; accessibleFeatures?: string[]; [field: string]: unknown };
  meta?: Record<string, unknown>;
  integrations: Record<string, IntegrationState>;
  [field: string]: unknown;
}

/** One entry of `GET /projects/{pid}/sdk/integrations`. */
export interface IntegrationInfo {
  /** The integration's id (a UUID), used by install and uninstall. */
  id: string;
  /** The integration type, e.g. `"onedrive"`. */
  type: string;
  name?: string;
  brandColor?: string;
  isActive?: boolean;
  [field: string]: unknown;
}

/** What `getUser()` returns. It never contains the user token. */
export type AuthenticatedUser =
  | { authenticated: false }
  | {
      authenticated: true;
      /** The token's `sub`. */
      userId: string;
      /** The user's metadata (`Name`, `Email`, anything set with `authenticate(..., {metadata})`). */
      meta: Record<string, unknown>;
      /** Per integration type: connected or not, and the credentials. */
      integrations: Record<string, IntegrationState>;
    };

/** Names accepted by `subscribe`. */
export type SDKEventName =
  | "onIntegrationInstall"
  | "onIntegrationUninstall"
  | "onWorkflowChange"
  | "onPortalOpen"
  | "onPortalClose";

/** The payload of an SDK event. */
export interface SDKEvent {
  integrationType: string;
  integrationId?: string;
  credentialId?: string;
  workflowId?: string;
  workflowStateChange?: { enabled: boolean };
}

/** A `subscribe` callback: the event and the user's state after it. */
export type SDKEventListener = (event: SDKEvent, user: AuthenticatedUser) => void;

/** How `request` returns a successful response body. */
export type ResponseType = "auto" | "json" | "text" | "blob" | "arrayBuffer" | "response";

/** Options of `request`. */
export interface RequestOptions {
  /** HTTP method, default `GET`. */
  method?: string;
  /**
   * The request body: a plain object or array is sent as JSON; a string is
   * sent as is (with `Content-Type: auto`, which the proxy reads as JSON
   * when it parses, otherwise as text); a Blob, ArrayBuffer, typed array,
   * FormData or URLSearchParams is sent as is.
   */
  body?: unknown;
  /** Extra headers for Graph (e.g. `Prefer`, `If-Match`, `Content-Type`). */
  headers?: Record<string, string>;
  /** The credential (connected account) to act for, when the user has several. */
  selectedCredentialId?: string;
  /**
   * How to return the body. `auto` (the default): parsed JSON for JSON
   * responses, `undefined` for empty ones, a `Blob` for anything else (file
   * contents). `response` returns the `Response` itself (for streaming).
   */
  responseType?: ResponseType;
  /** Aborts the request. */
  signal?: AbortSignal;
}

/** Options of `connect` and `installIntegration`. */
export interface InstallOptions {
  /** Reconnect this credential (keeps its id) instead of adding a new one. */
  selectedCredentialId?: string;
  /** Called with the credential when the user has connected. */
  onSuccess?: (event: SDKEvent, user: AuthenticatedUser) => void;
  /** Called when connecting failed or was cancelled. */
  onError?: (error: Error) => void;
  /** How long to wait for the user to finish, in ms (default 180000). */
  timeoutMs?: number;
}

/** Options of `workflow`. */
export interface WorkflowOptions {
  body?: unknown;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  selectedCredentialId?: string;
}

/** The window the SDK opens popups from and listens on (the browser's `window` by default). */
export interface WindowLike {
  open(url: string, target: string, features: string): PopupLike | null;
  addEventListener(type: "message", listener: (event: MessageEventLike) => void): void;
  removeEventListener(type: "message", listener: (event: MessageEventLike) => void): void;
  location: { origin: string };
}

/** A popup window opened by the SDK. */
export interface PopupLike {
  location: { href: string };
  readonly closed: boolean;
  close(): void;
}

/** The part of a `MessageEvent` the SDK reads. */
export interface MessageEventLike {
  origin: string;
  data: unknown;
}

/** Options of `new DrivewayConnect(...)` and `configure(...)`. */
export interface DrivewayConnectOptions {
  /**
   * Driveway's public URL, e.g. `https://driveway.example.com`. Defaults to
   * the page's own origin.
   */
  baseUrl?: string;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /** The window for popups and messages (default: the global `window`). */
  window?: WindowLike;
  /** How often the install flow polls for completion, in ms (default 1000). */
  pollIntervalMs?: number;
}
