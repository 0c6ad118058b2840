import { type PickedItem, type PickFilesOptions } from "./picker.js";
import type { AuthenticatedUser, Credential, DrivewayConnectOptions, InstallOptions, RequestOptions, SDKEventListener, SDKEventName, WorkflowOptions } from "./types.js";
/** The header that picks one of several connected accounts. */
export declare const credentialHeader = "X-Paragon-Credential";
/** A Driveway Connect client: one per Driveway server and signed-in user. */
export declare class DrivewayConnect {
    private options;
    private session?;
    private readonly events;
    private readonly transport;
    /** Creates a client; see {@link DrivewayConnectOptions} for the defaults. */
    constructor(options?: DrivewayConnectOptions);
    /** Changes options (typically `baseUrl`, before `authenticate`). */
    configure(options: DrivewayConnectOptions): void;
    /** Driveway's base URL: the configured one, else the page's origin. */
    get baseUrl(): string;
    /**
     * Signs the user in: checks the token's `exp`, loads the user's state,
     * and saves `metadata` (e.g. `{Name, Email}`) when given. Throws
     * {@link AuthenticationError} when the token is refused.
     */
    authenticate(projectId: string, userToken: string, opts?: {
        metadata?: Record<string, unknown>;
    }): Promise<void>;
    /** Forgets the user and their token. */
    logout(): void;
    /** The signed-in user and their integrations (never the token). */
    getUser(): AuthenticatedUser;
    /** Re-reads the user's state from Driveway (GET /sdk/me and /sdk/integrations). */
    refresh(): Promise<AuthenticatedUser>;
    /** Listens for an SDK event; returns the function that stops listening. */
    subscribe(name: SDKEventName, listener: SDKEventListener): () => void;
    /** Stops a listener added with `subscribe`. */
    unsubscribe(name: SDKEventName, listener: SDKEventListener): void;
    /**
     * Connects an integration without any Driveway UI: opens the Microsoft
     * sign-in popup (call it from a click handler) and resolves with the
     * credential once the user has consented. With `selectedCredentialId` it
     * reconnects that account, keeping its id. Fires `onIntegrationInstall`;
     * calls `onSuccess` or `onError`.
     */
    installIntegration(type: string, opts?: InstallOptions): Promise<Credential>;
    private install;
    /**
     * Opens Driveway's hosted Connect Portal in a popup (call it from a click
     * handler): the user connects, reconnects or disconnects accounts there.
     * Resolves as soon as the user has connected a new account (the portal
     * stays open until they close it), or when they close the portal while
     * connected; rejects with {@link NotConnectedError} when they close it
     * without a connection. `onSuccess` / `onError` are called as well.
     * Fires `onPortalOpen`, `onPortalClose`, and the install and uninstall
     * events for what the user did there.
     */
    connect(type: string, opts?: InstallOptions & {
        returnTo?: string;
    }): Promise<void>;
    /** Fires uninstall and install events for the changes since known; calls onInstalled for each install. */
    private emitChanges;
    /**
     * Disconnects the integration (the selected account, else the current
     * one): Driveway deletes its tokens. Fires `onIntegrationUninstall`.
     */
    uninstallIntegration(type: string, opts?: {
        selectedCredentialId?: string;
    }): Promise<void>;
    /**
     * The connected account of an integration (GET /sdk/credentials). With
     * `includeAccountAuth`, also its access token and drive URL, for the
     * OneDrive File Picker.
     */
    getIntegrationAccount(type: string, opts?: {
        includeAccountAuth?: boolean;
        selectedCredentialId?: string;
        pickerResource?: string;
    }): Promise<Credential>;
    /**
     * Opens Microsoft's OneDrive File Picker for the connected account and
     * resolves with the picked items; see picker.ts. Call it from a click.
     */
    pickFiles(type: string, opts?: PickFilesOptions): Promise<PickedItem[]>;
    /**
     * Calls the integration's API through Driveway's proxy, e.g.
     * `request("onedrive", "/me/drive/root/children", {method: "GET"})`.
     * Returns parsed JSON for JSON responses, `undefined` for empty ones, and
     * a `Blob` for anything else (file contents); see `responseType`.
     * Throws {@link GraphError} for Graph's errors and
     * {@link NotConnectedError} when the user has no valid connection.
     */
    request(integration: string, path: string, opts?: RequestOptions): Promise<any>;
    /** Runs a workflow's Request trigger (POST /sdk/triggers/{id}) and returns its response. */
    workflow(workflowId: string, opts?: WorkflowOptions): Promise<unknown>;
    /** Sends an App Event (POST /v2/…/sdk/events/trigger) to the workflows that listen for it. */
    event(name: string, payload?: Record<string, unknown>, opts?: {
        selectedCredentialId?: string;
    }): Promise<void>;
    private path;
    private requireSession;
    private window;
    /** The user's credentials for type: id → status. */
    private credentialStatuses;
    private integrationInfo;
    /**
     * A single-use code that stands for the user token in a URL (a minute to
     * use it): the token itself goes only in Authorization headers.
     */
    private urlCode;
    private buildOAuth;
    /** Calls the SDK API; a 401/403 logs the user out and throws AuthenticationError. */
    private api;
    /** Turns a failed proxy response into GraphError, NotConnectedError or DrivewayError. */
    private proxyError;
}
