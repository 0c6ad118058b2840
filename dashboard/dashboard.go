// Package dashboard serves the operators' web pages under /dashboard/:
// server-rendered html/template pages over admin.Service, with embedded
// assets and no JavaScript build step.
//
// The flow of a request:
//
//	securityHeaders (CSP, frame-ancestors, no-referrer, nosniff, no-store)
//	  └─ ServeMux route
//	       ├─ /dashboard/static/…        embedded CSS and JS, no login
//	       ├─ /dashboard/login, logout   anonymous session cookie + CSRF token
//	       ├─ GET  page → requireLogin → handler: parse, call admin, render
//	       └─ POST form → requireLogin → checkCSRF (Sec-Fetch-Site/Origin and
//	                      the session's token in the form) → handler → redirect
//	                      or re-render with field errors
//
// The session lives in one cookie sealed with the Sealer (SealedRef
// {Table: "cookie", Column: "dashboard_session"}): it carries an id, the
// expiry, the CSRF token and a fingerprint of the admin password, so it
// works on any node, survives a key rotation (every key of the keyring
// opens), and ends when it expires, the password changes, or it is logged
// out (logout records its id as revoked in the database, checked on every
// request). Login attempts are counted in the database per client (an
// IPv4 address, an IPv6 /64; the forwarded one behind configured proxies),
// so the limit holds across nodes. An admin password shorter than
// MinPasswordLength opens nothing.
//
// Secrets are write-only: a client secret is never rendered back, not even
// into the form after a validation error; generated private keys and API key
// secrets are shown once, in the response to the POST that made them.
package dashboard

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/action"
	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/audit"
	"github.com/drivewayhq/driveway/internal/signals"
	"github.com/drivewayhq/driveway/webhook"
)

// Prefix is the path the dashboard is served under; mount the handler of New
// on "/dashboard/" without stripping it.
const Prefix = "/dashboard"

// SessionTTL is how long a login lasts.
const SessionTTL = 12 * time.Hour

// Options configure the dashboard.
type Options struct {
	// Admin runs every operation; required.
	Admin *admin.Service
	// AdminPassword is DRIVEWAY_ADMIN_PASSWORD. When empty, nobody can log in.
	AdminPassword string
	// Sealer seals the session cookie; required.
	Sealer driveway.Sealer
	// Secure sets the cookie's Secure flag; true when the public URL is https.
	Secure bool
	// Logger receives internal errors and failed logins, never a secret;
	// slog.Default() when nil.
	Logger *slog.Logger
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// Disconnect removes a user's OneDrive account (tokens, subscriptions)
	// for the Connected Users page; the button answers 501 when nil.
	Disconnect func(ctx context.Context, projectID, credentialID string) error
	// Actions runs OneDrive actions for the Actions page's "try it" form;
	// when nil, the page says that actions are not available.
	Actions *action.Executor
	// Webhooks manages outgoing webhook endpoints and deliveries for the
	// Webhooks page; when nil, the page says they are not configured.
	Webhooks *webhook.Service
	// Workflows is the workflow engine (*workflow.Engine) for the Workflows
	// pages (editor, task history); when nil, they answer 501.
	Workflows Workflows
	// Signals, when set, are drawn on the home page: this node's last 24
	// hours of the metrics the alerts watch (*signals.Recorder).
	Signals interface {
		Signals() []signals.Signal
		Every() time.Duration
	}
	// ClientKey names the client of a login attempt for the limit of
	// failed logins; default the remote address (IPv6: its /64), trusting
	// no forwarded header. cmd/driveway passes a clientip.Resolver with
	// DRIVEWAY_TRUSTED_PROXIES.
	ClientKey func(*http.Request) string
	// Audit records every change made in the dashboard and every "Try it";
	// nil records nothing. The Audit log page reads Admin.Store either way.
	Audit *audit.Recorder
}

type handler struct {
	opts  Options
	pages map[string]*pageTemplate
	cop   *http.CrossOriginProtection
	log   *slog.Logger
}

// New returns the handler for every path under /dashboard/. It panics when
// Admin or Sealer is nil, or when an embedded template does not parse (a
// programming error caught by any test).
func New(opts Options) http.Handler {
	if opts.Admin == nil || opts.Sealer == nil {
		panic("dashboard: Options.Admin and Options.Sealer are required")
	}
	h := &handler{opts: opts, pages: mustParsePages(), cop: http.NewCrossOriginProtection(), log: opts.Logger}
	if h.log == nil {
		h.log = slog.Default()
	}
	return securityHeaders(h.routes())
}

func (h *handler) now() time.Time {
	if h.opts.Now != nil {
		return h.opts.Now()
	}
	return time.Now()
}

func (h *handler) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET "+Prefix+"/static/", staticHandler())
	mux.HandleFunc("GET "+Prefix+"/login", h.loginPage)
	mux.HandleFunc("POST "+Prefix+"/login", h.withCSRF(h.login))
	mux.HandleFunc("POST "+Prefix+"/logout", h.withCSRF(h.logout))

	mux.HandleFunc("GET "+Prefix+"/{$}", h.page(h.projectsPage))
	mux.HandleFunc("GET "+Prefix+"/audit", h.page(h.auditPage))
	mux.HandleFunc("POST "+Prefix+"/projects", h.action(h.createProject))
	mux.HandleFunc("GET "+Prefix+"/projects/{pid}", h.page(h.projectPage))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}", h.action(h.updateProject))
	mux.HandleFunc("GET "+Prefix+"/projects/{pid}/onedrive", h.page(h.oneDrivePage))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}/onedrive", h.action(h.saveOneDrive))
	mux.HandleFunc("GET "+Prefix+"/projects/{pid}/signing-keys", h.page(h.signingKeysPage))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}/signing-keys", h.action(h.addSigningKey))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}/signing-keys/generate", h.action(h.generateSigningKey))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}/signing-keys/{kid}/delete", h.action(h.deleteSigningKey))
	mux.HandleFunc("GET "+Prefix+"/projects/{pid}/api-keys", h.page(h.apiKeysPage))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}/api-keys", h.action(h.createAPIKey))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}/api-keys/{kid}/revoke", h.action(h.revokeAPIKey))
	mux.HandleFunc("GET "+Prefix+"/projects/{pid}/users", h.page(h.usersPage))
	mux.HandleFunc("GET "+Prefix+"/projects/{pid}/file-change", h.page(h.fileChangePage))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}/users/credentials/{cid}/disconnect", h.action(h.disconnect))
	h.actionRoutes(mux)
	h.webhookRoutes(mux)
	h.workflowRoutes(mux)
	mux.HandleFunc(Prefix+"/", h.notFound)
	return mux
}

// page wraps a GET handler: it requires a login. A page that shows end
// users' data records the view with audit.Note.
func (h *handler) page(fn http.HandlerFunc) http.HandlerFunc {
	return h.requireLogin(h.audited(fn))
}

// action wraps a POST handler: it requires a login and a valid CSRF check,
// and records the change in the audit trail.
func (h *handler) action(fn http.HandlerFunc) http.HandlerFunc {
	return h.requireLogin(h.withCSRF(h.audited(fn)))
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.renderError(w, r, http.StatusNotFound, "Page not found", "There is no dashboard page at this address.")
}
