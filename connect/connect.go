// Package connect serves what an end user's browser talks to: the Connect
// SDK API (the routes of the Paragon Connect protocol under
// /projects/{pid}/sdk/...), the OAuth install flow with Microsoft and its
// /oauth callback, and the hosted Connect Portal page at /connect/.
//
// Map of the flow:
//
//	Register (connect.go)        every route on the root mux, CORS first (cors.go)
//	 ├─ /projects/{pid}/sdk/...  user token (auth.go) → me, integrations (sdk.go),
//	 │                           credentials, disconnect (credentials.go), sessions (install.go)
//	 ├─ oauth-nonce, build-oauth the popup protocol: an HTML page that tells the opener it
//	 │                           loaded, and the Microsoft authorize URL with a fresh state
//	 │                           and PKCE (install.go)
//	 ├─ GET /oauth               state first; the code is kept sealed under a single-use
//	 │                           completion secret, and a page posts that secret to the
//	 │                           opener's validated origin only (callback.go, complete.go)
//	 ├─ POST .../sdk/credentials {payload:{completion}} with the starting user's token: the
//	 │                           code exchange, id token, /me and /me/drive, the credential
//	 │                           created or replaced, the install session and an event
//	 │                           (complete.go, account.go); bounds per user (limits.go)
//	 └─ GET /connect/            the portal page: html/template + vanilla JS (portal.go, assets/)
//
// Errors are answered in the NestJS shape the SDK reads,
// {"statusCode","message","code"}; 401 means only "bad user token", since
// the SDK logs its user out on 401 and 403.
package connect

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/authcache"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/usertoken"
)

// Handler serves the SDK API, the install flow and the Connect Portal.
// Set the fields, then call Register once. Safe for concurrent use.
type Handler struct {
	Store driveway.Store
	// Verifier checks the user token of every SDK call (give it a Cache).
	Verifier *usertoken.Verifier
	// Resolver gives the Microsoft endpoints of the integration's cloud;
	// its Override points tests and `driveway dev` at the emulator.
	Resolver microsoft.Resolver
	// PublicURL is DRIVEWAY_PUBLIC_URL without a trailing slash; the OAuth
	// redirect URI is PublicURL + "/oauth", and its origin may receive
	// postMessage (the Connect Portal's popups).
	PublicURL string
	// HTTP calls Microsoft (token endpoint and Graph); http.DefaultClient
	// when nil.
	HTTP *http.Client
	// Tokens gives a credential's current access token (refreshed when
	// due), for getIntegrationAccount's accountAuth when the integration
	// allows it. Without Tokens, accountAuth is never returned.
	Tokens TokenSource
	// PickerBaseURL, when set (driveway dev: the emulator's URL), is
	// accountAuth's DOMAIN for every account, so that the browser opens the
	// emulator's File Picker rather than Microsoft's hosts (picker_auth.go).
	PickerBaseURL string
	// Logger receives operator logs (never a token, code or state);
	// discarded when nil.
	Logger *slog.Logger
	// Now returns the time; time.Now when nil.
	Now func() time.Time
	// OnConnect are called after a user connected (or reconnected) a
	// OneDrive account and its credential is stored: File Change watches,
	// Integration Enabled workflows. Errors are theirs to log.
	OnConnect []func(ctx context.Context, cr *driveway.Credential, reconnected bool)
	// BeforeDisconnect are called while a credential being disconnected
	// still exists (its token still works), to undo what was set up at
	// Microsoft for it: File Change subscriptions.
	BeforeDisconnect []func(ctx context.Context, cr *driveway.Credential)
	// OnDisconnect are called after a credential was disconnected (by the
	// user, the portal or the dashboard), to let other parts forget it: the
	// proxy's cache, File Change subscriptions. Errors are theirs to log.
	OnDisconnect []func(ctx context.Context, cr *driveway.Credential)
	// Workflows, when set, lists the project's workflows with the user's
	// enablement, for workflowMeta in /sdk/integrations and workflowSettings
	// in /sdk/me (the SDK's workflow() and the portal's toggles read them).
	Workflows func(ctx context.Context, projectID, userID string) ([]WorkflowInfo, error)
	// SDKRoutes are routes of other packages under /projects/{pid}/sdk/ (or
	// /v2/projects/...): Register serves them behind Authenticated, so they
	// find the caller with driveway.PrincipalFrom.
	SDKRoutes []Route
	// Changes, when set, lets the SDK routes keep projects and the
	// existence of connected users in memory until they change (Store must
	// then be the authcache.Store that bumps it on every write). Nothing is
	// cached without it, or while it is not live.
	Changes *authcache.Feed

	projects authcache.Cache[*driveway.Project]
	users    authcache.Cache[bool]
}

// WorkflowInfo is what the SDK is told of one workflow a user may enable.
type WorkflowInfo struct {
	ID, Description string
	DefaultEnabled  bool
	// Enabled is the user's state: their choice, or the default.
	Enabled bool
}

// StateLifetime is how long a sign-in started by build-oauth may take.
const StateLifetime = 10 * time.Minute

// sessionLifetime is how long the SDK may poll an install session.
const sessionLifetime = 30 * time.Minute

// Route is one entry of the route table.
type Route struct {
	Pattern string // a net/http pattern with its method
	Handler http.Handler
}

// Routes returns the route table.
func (h *Handler) Routes() []Route {
	sdk := "/projects/{pid}/sdk"
	return append(h.unsupportedRoutes(), []Route{
		{"OPTIONS /projects/{pid}/sdk/{rest...}", http.HandlerFunc(h.preflight)},
		{"OPTIONS /v2/projects/{pid}/sdk/{rest...}", http.HandlerFunc(h.preflight)},
		{"GET " + sdk + "/me", h.api(h.getMe)},
		{"PATCH " + sdk + "/me", h.api(h.patchMe)},
		{"GET " + sdk + "/integrations", h.api(h.listIntegrations)},
		{"DELETE " + sdk + "/integrations/{integrationId}", h.api(h.disconnect)},
		{"GET " + sdk + "/credentials", h.api(h.listCredentials)},
		{"POST " + sdk + "/credentials", h.api(h.completeCredential)},
		{"GET " + sdk + "/credentials/{credentialId}", h.api(h.getCredential)},
		{"PATCH " + sdk + "/credentials/{credentialId}", h.api(h.updateCredential)},
		{"POST " + sdk + "/credentials/{credentialId}/complete-setup", h.api(h.completeCredential)},
		{"GET " + sdk + "/actions/session-id/{sessionId}", h.api(h.getSession)},
		{"DELETE " + sdk + "/actions/session-id/{sessionId}", h.api(h.deleteSession)},
		{"GET " + sdk + "/actions/oauth-nonce", http.HandlerFunc(h.oauthNonce)},
		{"POST " + sdk + "/actions/url-code", h.api(h.createURLCode)},
		{"POST " + sdk + "/actions/url-code/redeem", http.HandlerFunc(h.redeemURLCode)},
		{"GET /v2" + sdk + "/actions/build-oauth", h.cors(http.HandlerFunc(h.buildOAuth))},
		{"/projects/{pid}/sdk/{rest...}", h.cors(http.HandlerFunc(notFound))},
		{"GET /oauth", http.HandlerFunc(h.callback)},
		{"POST /oauth/finish", http.HandlerFunc(h.finishHere)},
		{"GET /connect", http.HandlerFunc(toPortal)},
		{"GET /connect/{$}", http.HandlerFunc(h.portal)},
		{"GET /connect/ui", http.HandlerFunc(h.portalUI)},
		{"GET /connect/assets/{file}", http.HandlerFunc(serveAsset)},
	}...)
}

// Register adds every route to mux. It panics when Store, Verifier or
// PublicURL is missing: a wiring mistake, caught at start-up.
func (h *Handler) Register(mux *http.ServeMux) {
	if h.Store == nil || h.Verifier == nil || !strings.HasPrefix(h.PublicURL, "http") {
		panic("connect: Handler needs Store, Verifier and an absolute PublicURL")
	}
	for _, r := range h.Routes() {
		mux.Handle(r.Pattern, r.Handler)
	}
	preflights := map[string]bool{}
	for _, r := range h.SDKRoutes {
		mux.Handle(r.Pattern, h.Authenticated(r.Handler))
		if path, ok := needsPreflight(r.Pattern); ok && !preflights[path] {
			preflights[path] = true
			mux.Handle("OPTIONS "+path, http.HandlerFunc(h.preflight))
		}
	}
}

// needsPreflight returns the path of an SDKRoutes pattern that names a
// method outside /projects/{pid}/sdk/ (the triggers API): the browser's
// CORS preflight of its path reaches no other route.
func needsPreflight(pattern string) (string, bool) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok || method == http.MethodOptions {
		return "", false
	}
	for _, covered := range []string{"/projects/{pid}/sdk/", "/v2/projects/{pid}/sdk/"} {
		if strings.HasPrefix(path, covered) {
			return "", false
		}
	}
	return path, true
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now().UTC()
	}
	return time.Now().UTC()
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

func (h *Handler) client() *http.Client {
	if h.HTTP == nil {
		return http.DefaultClient
	}
	return h.HTTP
}

// publicOrigin is the scheme and host of PublicURL.
func (h *Handler) publicOrigin() string {
	u := strings.TrimRight(h.PublicURL, "/")
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.Index(u[i+3:], "/"); j >= 0 {
			return strings.ToLower(u[:i+3+j])
		}
	}
	return strings.ToLower(u)
}

// redirectURI is the one OAuth redirect URI, from configuration only.
func (h *Handler) redirectURI() string {
	return strings.TrimRight(h.PublicURL, "/") + "/oauth"
}

// TokenSource gives a credential's access token (credential.Manager).
type TokenSource interface {
	AccessToken(ctx context.Context, projectID, credentialID string) (string, *driveway.Credential, error)
}
