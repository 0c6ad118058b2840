package connect

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"slices"

	"github.com/drivewayhq/driveway"
)

// AllowHeaders are the request headers a cross-origin SDK call may send.
const AllowHeaders = "Authorization, Content-Type, Accept, X-Paragon-SDK-Version, X-Paragon-Credential, " +
	"X-Paragon-Configuration-Id, X-Paragon-Use-Raw-Response, X-Driveway-Credential"

const allowMethods = "GET, POST, PUT, PATCH, DELETE"

// originAllowed reports whether origin may call the project's SDK API or
// receive postMessage from Driveway: it must be byte-for-byte one of the
// project's allowed origins (stored normalised, as browsers serialise
// them) or Driveway's own origin (the Connect Portal). Nothing is
// normalised here, so no spelling trick can pass.
func (h *Handler) originAllowed(p *driveway.Project, origin string) bool {
	if origin == "" || origin == "null" {
		return false
	}
	if origin == h.publicOrigin() || h.connectServiceOrigin(origin) {
		return true
	}
	return slices.Contains(p.AllowedOrigins, origin)
}

// connectServiceOrigin reports whether origin is the portal's own origin
// when the published SDK derives it from the public host
// (configureGlobal): connect.{public host}, with the public URL's scheme
// and port, or connect.localhost when the public host is loopback.
func (h *Handler) connectServiceOrigin(origin string) bool {
	u, err := url.Parse(h.publicOrigin())
	if err != nil || u.Host == "" {
		return false
	}
	port := ""
	if u.Port() != "" {
		port = ":" + u.Port()
	}
	if origin == u.Scheme+"://connect."+u.Hostname()+port {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return (u.Hostname() == "localhost" || ip != nil && ip.IsLoopback()) && origin == u.Scheme+"://connect.localhost"+port
}

// preflight answers CORS preflight requests for the project's SDK routes.
// A request from an origin the project does not allow gets 403 and no
// Access-Control-Allow-Origin, so the browser refuses the call.
func (h *Handler) preflight(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	p, err := h.getProject(r.Context(), r.PathValue("pid"))
	w.Header().Add("Vary", "Origin")
	if err != nil || !h.originAllowed(p, origin) {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", origin)
	hd.Set("Access-Control-Allow-Methods", allowMethods)
	hd.Set("Access-Control-Allow-Headers", AllowHeaders)
	hd.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

type projectKey struct{}

// cors adds the CORS answer headers for an allowed Origin. The project it
// read is passed on in the request context, so that authenticate does not
// read it again.
func (h *Handler) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		if origin := r.Header.Get("Origin"); origin != "" {
			p, err := h.getProject(r.Context(), r.PathValue("pid"))
			if err == nil {
				r = r.WithContext(context.WithValue(r.Context(), projectKey{}, p))
				if h.originAllowed(p, origin) {
					w.Header().Set("Access-Control-Allow-Origin", origin)
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// project returns the project of the path, from the context when cors
// already read it.
func (h *Handler) project(r *http.Request) (*driveway.Project, error) {
	if p, ok := r.Context().Value(projectKey{}).(*driveway.Project); ok && p.ID == r.PathValue("pid") {
		return p, nil
	}
	return h.getProject(r.Context(), r.PathValue("pid"))
}

// getProject reads the project, from memory while it has not changed.
// The project returned may be shared: callers must not change it.
func (h *Handler) getProject(ctx context.Context, id string) (*driveway.Project, error) {
	stamp := h.Changes.Stamp(id, "")
	if p, ok := h.projects.Get(id, stamp); ok {
		return p, nil
	}
	p, err := h.Store.GetProject(ctx, id)
	if err == nil {
		h.projects.Put(id, stamp, p)
	}
	return p, err
}

// CORS wraps next (a handler under /projects/{pid}/...) with the CORS
// answer headers for the project's allowed origins.
func (h *Handler) CORS(next http.Handler) http.Handler { return h.cors(next) }
