/**
 * DrivewayConnect, the SDK's client. Flow of a typical page:
 *
 *   authenticate(projectId, userToken)  → GET /sdk/me + GET /sdk/integrations
 *   installIntegration("onedrive")      → the popup protocol (install.ts)
 *   request("onedrive", "/me/drive/root/children") → the Graph proxy
 *   uninstallIntegration("onedrive")    → DELETE /sdk/integrations/{id}
 *
 * State (the user and their integrations) lives in memory only: nothing,
 * least of all the user token, is written to localStorage.
 *
 * @module
 */
import { decodeBody, encodeBody } from "./body.js";
import { AuthenticationError, DrivewayError, NotConnectedError } from "./errors.js";
import { Emitter } from "./events.js";
import { apiError, buildUrl, readJSON, send } from "./http.js";
import { runInstall } from "./install.js";
import { decodeUserToken } from "./jwt.js";
import { credentialChanges, openPortal } from "./portal.js";
import { pickFiles } from "./picker.js";
import { proxyError } from "./proxyerror.js";
/** The header that picks one of several connected accounts. */
export const credentialHeader = "X-Paragon-Credential";
/** A Driveway Connect client: one per Driveway server and signed-in user. */
export class DrivewayConnect {
    options;
    session;
    events = new Emitter();
    transport = {
        baseUrl: () => this.baseUrl,
        token: () => this.session?.token,
        fetch: () => this.options.fetch ?? globalThis.fetch.bind(globalThis),
    };
    /** Creates a client; see {@link DrivewayConnectOptions} for the defaults. */
    constructor(options = {}) {
        this.options = { ...options };
    }
    /** Changes options (typically `baseUrl`, before `authenticate`). */
    configure(options) {
        this.options = { ...this.options, ...options };
    }
    /** Driveway's base URL: the configured one, else the page's origin. */
    get baseUrl() {
        const base = this.options.baseUrl ?? globalThis.location?.origin;
        if (!base)
            throw new DrivewayError("no baseUrl: pass {baseUrl: \"https://driveway.example.com\"}");
        return base.replace(/\/+$/, "");
    }
    /**
     * Signs the user in: checks the token's `exp`, loads the user's state,
     * and saves `metadata` (e.g. `{Name, Email}`) when given. Throws
     * {@link AuthenticationError} when the token is refused.
     */
    async authenticate(projectId, userToken, opts = {}) {
        if (!projectId)
            throw new DrivewayError("authenticate needs a project id");
        const claims = decodeUserToken(userToken);
        this.session = { projectId, token: userToken, userId: String(claims.sub ?? claims.id ?? ""), integrations: [] };
        try {
            await this.refresh();
            if (opts.metadata && Object.keys(opts.metadata).length > 0) {
                await this.api(this.path("/sdk/me"), { method: "PATCH", body: { meta: opts.metadata } });
                await this.refresh();
            }
        }
        catch (err) {
            this.session = undefined;
            throw err;
        }
    }
    /** Forgets the user and their token. */
    logout() {
        this.session = undefined;
    }
    /** The signed-in user and their integrations (never the token). */
    getUser() {
        const s = this.session;
        if (!s?.me)
            return { authenticated: false };
        return structuredClone({
            authenticated: true,
            userId: s.userId,
            meta: s.me.meta ?? {},
            integrations: s.me.integrations ?? {},
        });
    }
    /** Re-reads the user's state from Driveway (GET /sdk/me and /sdk/integrations). */
    async refresh() {
        const [me, list] = await Promise.all([
            this.api(this.path("/sdk/me")),
            this.api(this.path("/sdk/integrations")),
        ]);
        const s = this.requireSession();
        s.me = { ...me, integrations: me?.integrations ?? {} };
        s.integrations = Array.isArray(list) ? list : [];
        return this.getUser();
    }
    /** Listens for an SDK event; returns the function that stops listening. */
    subscribe(name, listener) {
        return this.events.subscribe(name, listener);
    }
    /** Stops a listener added with `subscribe`. */
    unsubscribe(name, listener) {
        this.events.unsubscribe(name, listener);
    }
    /**
     * Connects an integration without any Driveway UI: opens the Microsoft
     * sign-in popup (call it from a click handler) and resolves with the
     * credential once the user has consented. With `selectedCredentialId` it
     * reconnects that account, keeping its id. Fires `onIntegrationInstall`;
     * calls `onSuccess` or `onError`.
     */
    async installIntegration(type, opts = {}) {
        try {
            return await this.install(type, opts);
        }
        catch (err) {
            opts.onError?.(err);
            throw err;
        }
    }
    async install(type, opts) {
        this.requireSession();
        const info = this.integrationInfo(type);
        const win = this.window();
        const credential = await runInstall({
            integrationType: type,
            integrationId: info.id,
            selectedCredentialId: opts.selectedCredentialId,
            timeoutMs: opts.timeoutMs ?? 180_000,
            pollIntervalMs: this.options.pollIntervalMs ?? 1000,
            window: win,
            drivewayOrigin: new URL(this.baseUrl).origin,
            nonceUrl: async (key, origin) => buildUrl(this.baseUrl, this.path("/sdk/actions/oauth-nonce"), {
                action: type,
                integrationId: info.id,
                originForPostMessage: origin,
                oauthMetaKeyId: key,
                code: await this.urlCode(),
            }),
            buildOAuth: (key, origin) => this.buildOAuth(type, info.id, key, origin, opts.selectedCredentialId),
            pollSession: async (key) => (await this.api(this.path(`/sdk/actions/session-id/${encodeURIComponent(key)}`))),
            deleteSession: async (key) => {
                await this.api(this.path(`/sdk/actions/session-id/${encodeURIComponent(key)}`), { method: "DELETE" });
            },
            completeFromPayload: async (payload) => (await this.api(this.path("/sdk/credentials"), {
                method: "POST",
                body: { integrationId: info.id, config: {}, payload, installOptions: {} },
            })),
            getCredential: async (id) => (await this.api(this.path(`/sdk/credentials/${encodeURIComponent(id)}`))),
        });
        await this.refresh();
        const event = { integrationType: type, integrationId: info.id, credentialId: credential.id };
        if (credential.status === "VALID")
            this.events.emit("onIntegrationInstall", event, this.getUser());
        opts.onSuccess?.(event, this.getUser());
        return credential;
    }
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
    async connect(type, opts = {}) {
        const s = this.requireSession();
        this.integrationInfo(type);
        const known = this.credentialStatuses(type);
        let settled = false;
        return new Promise((resolve, reject) => {
            const succeed = (credentialId) => {
                if (settled)
                    return;
                settled = true;
                opts.onSuccess?.({ integrationType: type, credentialId }, this.getUser());
                resolve();
            };
            const fail = (err) => {
                if (settled)
                    return;
                settled = true;
                opts.onError?.(err);
                reject(err);
            };
            const check = async (closed) => {
                await this.refresh();
                this.emitChanges(type, known, succeed);
                if (!closed)
                    return;
                this.events.emit("onPortalClose", { integrationType: type }, this.getUser());
                const state = this.session?.me?.integrations?.[type];
                if (state?.enabled)
                    succeed(state.credentialId);
                else
                    fail(new NotConnectedError(type, `${type} was not connected`));
            };
            let watching;
            try {
                watching = openPortal({
                    window: this.window(),
                    baseUrl: this.baseUrl,
                    projectId: s.projectId,
                    code: () => this.urlCode(),
                    returnTo: opts.returnTo,
                    pollIntervalMs: Math.max(this.options.pollIntervalMs ?? 1000, 500),
                    check,
                });
            }
            catch (err) {
                fail(err);
                return;
            }
            this.events.emit("onPortalOpen", { integrationType: type }, this.getUser());
            watching.catch(fail);
        });
    }
    /** Fires uninstall and install events for the changes since known; calls onInstalled for each install. */
    emitChanges(type, known, onInstalled) {
        const { removed, validated } = credentialChanges(known, this.credentialStatuses(type));
        for (const id of removed) {
            this.events.emit("onIntegrationUninstall", { integrationType: type, credentialId: id }, this.getUser());
        }
        for (const id of validated) {
            this.events.emit("onIntegrationInstall", { integrationType: type, credentialId: id }, this.getUser());
            onInstalled(id);
        }
    }
    /**
     * Disconnects the integration (the selected account, else the current
     * one): Driveway deletes its tokens. Fires `onIntegrationUninstall`.
     */
    async uninstallIntegration(type, opts = {}) {
        const info = this.integrationInfo(type);
        const credentialId = opts.selectedCredentialId ?? this.session?.me?.integrations?.[type]?.credentialId;
        if (!credentialId)
            throw new NotConnectedError(type, `${type} is not connected`);
        await this.api(this.path(`/sdk/integrations/${encodeURIComponent(info.id)}`), {
            method: "DELETE",
            headers: { [credentialHeader]: credentialId },
        });
        await this.refresh();
        this.events.emit("onIntegrationUninstall", { integrationType: type, integrationId: info.id, credentialId }, this.getUser());
    }
    /**
     * The connected account of an integration (GET /sdk/credentials). With
     * `includeAccountAuth`, also its access token and drive URL, for the
     * OneDrive File Picker.
     */
    async getIntegrationAccount(type, opts = {}) {
        const headers = {};
        if (opts.selectedCredentialId)
            headers[credentialHeader] = opts.selectedCredentialId;
        const query = { integration: type, includeAccountAuth: String(Boolean(opts.includeAccountAuth)) };
        if (opts.pickerResource)
            query.pickerResource = opts.pickerResource; // the File Picker's resource (picker.ts)
        const r = await this.api(this.path("/sdk/credentials"), {
            query,
            headers,
        }).catch((err) => {
            if (err instanceof DrivewayError && err.status === 404) {
                throw new NotConnectedError(type, err.message, { status: err.status, code: err.code, body: err.body });
            }
            throw err;
        });
        const c = Array.isArray(r) ? r[0] : r;
        if (!c)
            throw new NotConnectedError(type, `${type} is not connected`);
        return c;
    }
    /**
     * Opens Microsoft's OneDrive File Picker for the connected account and
     * resolves with the picked items; see picker.ts. Call it from a click.
     */
    pickFiles(type, opts = {}) {
        return pickFiles(this, this.window(), type, opts);
    }
    /**
     * Calls the integration's API through Driveway's proxy, e.g.
     * `request("onedrive", "/me/drive/root/children", {method: "GET"})`.
     * Returns parsed JSON for JSON responses, `undefined` for empty ones, and
     * a `Blob` for anything else (file contents); see `responseType`.
     * Throws {@link GraphError} for Graph's errors and
     * {@link NotConnectedError} when the user has no valid connection.
     */
    async request(integration, path, opts = {}) {
        this.requireSession();
        const headers = new Headers(opts.headers);
        if (opts.selectedCredentialId)
            headers.set(credentialHeader, opts.selectedCredentialId);
        const body = encodeBody(opts.body, headers);
        if (!headers.has("Accept"))
            headers.set("Accept", "*/*");
        const rel = String(path).replace(/^\/+/, "");
        const url = this.baseUrl + this.path(`/sdk/proxy/${encodeURIComponent(integration)}/${rel}`);
        const res = await send(this.transport, url, { method: opts.method ?? "GET", headers, body, signal: opts.signal });
        if (res.ok)
            return decodeBody(res, opts.responseType ?? "auto");
        throw await this.proxyError(integration, res);
    }
    /** Runs a workflow's Request trigger (POST /sdk/triggers/{id}) and returns its response. */
    async workflow(workflowId, opts = {}) {
        const headers = { ...opts.headers };
        if (opts.selectedCredentialId)
            headers[credentialHeader] = opts.selectedCredentialId;
        return this.api(this.path(`/sdk/triggers/${encodeURIComponent(workflowId)}`), {
            method: "POST",
            body: opts.body ?? {},
            query: opts.query,
            headers,
        });
    }
    /** Sends an App Event (POST /v2/…/sdk/events/trigger) to the workflows that listen for it. */
    async event(name, payload = {}, opts = {}) {
        const s = this.requireSession();
        const headers = {};
        if (opts.selectedCredentialId)
            headers[credentialHeader] = opts.selectedCredentialId;
        await this.api(`/v2/projects/${encodeURIComponent(s.projectId)}/sdk/events/trigger`, {
            method: "POST",
            body: { name, payload },
            headers,
        });
    }
    // --- internals ---
    path(p) {
        return `/projects/${encodeURIComponent(this.requireSession().projectId)}${p}`;
    }
    requireSession() {
        if (!this.session)
            throw new AuthenticationError("not authenticated: call authenticate(projectId, userToken) first");
        return this.session;
    }
    window() {
        const w = this.options.window ?? globalThis.window;
        if (!w)
            throw new DrivewayError("no window to open the sign-in popup from (pass {window} outside a browser)");
        return w;
    }
    /** The user's credentials for type: id → status. */
    credentialStatuses(type) {
        const all = this.session?.me?.integrations?.[type]?.allCredentials ?? [];
        return new Map(all.map((c) => [c.id, c.status]));
    }
    integrationInfo(type) {
        const s = this.requireSession();
        const info = s.integrations.find((i) => i.type === type);
        if (!info || info.isActive === false) {
            throw new DrivewayError(`integration ${JSON.stringify(type)} is not enabled in this project`, { code: "not_found" });
        }
        return info;
    }
    /**
     * A single-use code that stands for the user token in a URL (a minute to
     * use it): the token itself goes only in Authorization headers.
     */
    async urlCode() {
        const r = (await this.api(this.path("/sdk/actions/url-code"), { method: "POST" }));
        if (!r?.code)
            throw new DrivewayError("Driveway did not return a URL code");
        return r.code;
    }
    async buildOAuth(type, integrationId, key, origin, credentialId) {
        const s = this.requireSession();
        const installOptions = credentialId ? { selectedCredentialId: credentialId } : {};
        const r = (await this.api(`/v2/projects/${encodeURIComponent(s.projectId)}/sdk/actions/build-oauth`, {
            query: {
                action: type,
                integrationId,
                originForPostMessage: origin,
                oauthMetaKeyId: key,
                endUserSuppliedValues: "{}",
                parameters: "[]",
                installOptions: JSON.stringify(installOptions),
                selectedCredentialId: credentialId,
            },
            headers: credentialId ? { [credentialHeader]: credentialId } : {},
        }));
        if (!r?.redirectUrl)
            throw new DrivewayError("Driveway did not return a sign-in URL");
        return r.redirectUrl;
    }
    /** Calls the SDK API; a 401/403 logs the user out and throws AuthenticationError. */
    async api(path, call = {}) {
        const headers = new Headers(call.headers);
        const body = call.body === undefined ? undefined : JSON.stringify(call.body);
        if (body !== undefined)
            headers.set("Content-Type", "application/json");
        const res = await send(this.transport, buildUrl(this.baseUrl, path, call.query), {
            method: call.method ?? "GET",
            headers,
            body,
        });
        const parsed = await readJSON(res);
        if (res.ok)
            return parsed;
        const err = apiError(res, parsed);
        if (res.status === 401) {
            this.logout();
            throw new AuthenticationError(err.message, { status: res.status, code: err.code, body: parsed });
        }
        throw err;
    }
    /** Turns a failed proxy response into GraphError, NotConnectedError or DrivewayError. */
    proxyError(integration, res) {
        return proxyError(integration, res, async () => {
            await this.refresh(); // a refused user token throws AuthenticationError here
            return this.session?.me?.integrations?.[integration];
        });
    }
}
