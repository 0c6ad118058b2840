package connect

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/authcache"
	"github.com/drivewayhq/driveway/httpapi"
	"github.com/drivewayhq/driveway/usertoken"
)

// caller is who an SDK request acts for.
type caller struct {
	Project *driveway.Project
	User    *driveway.ConnectedUser
}

// apiFunc is an SDK route handler; an error it returns is answered in the
// NestJS shape.
type apiFunc func(w http.ResponseWriter, r *http.Request, c *caller) error

// api wraps fn with CORS and the user token check: Authorization: Bearer
// only (the query parameter is accepted on the OAuth start routes alone).
func (h *Handler) api(fn apiFunc) http.Handler {
	return h.apiAs(fn, true)
}

// apiAs is api; without full, the caller's User holds only its ids (the
// proxy and other packages' routes need no more), which lets a known user
// be found in memory.
func (h *Handler) apiAs(fn apiFunc, full bool) http.Handler {
	return h.cors(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := h.authenticateAs(r, false, full)
		if err == nil {
			httpapi.Annotate(r.Context(), c.Project.ID, c.User.ID, "")
			err = fn(w, r, c)
		}
		if err != nil {
			h.writeError(w, r, err)
		}
	}))
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) string {
	a := r.Header.Get("Authorization")
	if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

var errNoToken = driveway.Errorf(driveway.EUNAUTHORIZED, "send the user token as Authorization: Bearer")

// authenticate verifies the user token for the project in the path and
// returns the caller, creating the connected user on first sight of its
// "sub". Only a missing or bad token is EUNAUTHORIZED; a store failure is
// EINTERNAL, so that the SDK does not log its user out.
func (h *Handler) authenticate(r *http.Request, allowQuery bool) (*caller, error) {
	return h.authenticateAs(r, allowQuery, true)
}

// authenticateAs is authenticate; without full, the caller's User holds
// only its ids.
func (h *Handler) authenticateAs(r *http.Request, allowQuery, full bool) (*caller, error) {
	ctx := r.Context()
	p, err := h.project(r)
	if err != nil {
		if driveway.ErrorCode(err) == driveway.ENOTFOUND {
			return nil, driveway.Errorf(driveway.ENOTFOUND, "no such project")
		}
		return nil, fmt.Errorf("get project: %w", err)
	}
	tok := bearer(r)
	if tok == "" && allowQuery {
		tok = r.URL.Query().Get("userToken")
	}
	if tok == "" {
		return nil, errNoToken
	}
	v, err := h.Verifier.Verify(ctx, p.ID, tok)
	if err != nil {
		return nil, err
	}
	if !full {
		return h.knownCaller(r, p, v)
	}
	u, err := h.connectedUser(r, p.ID, v)
	if err != nil {
		return nil, err
	}
	return &caller{Project: p, User: u}, nil
}

// knownCaller is the caller with only the user's ids, from memory when the
// user was seen since it last changed.
func (h *Handler) knownCaller(r *http.Request, p *driveway.Project, v *usertoken.Verified) (*caller, error) {
	stamp := h.Changes.Stamp(p.ID, v.Subject)
	key := authcache.Key(p.ID, v.Subject)
	if _, ok := h.users.Get(key, stamp); !ok {
		if _, err := h.connectedUser(r, p.ID, v); err != nil {
			return nil, err
		}
		h.users.Put(key, stamp, true)
	}
	return &caller{Project: p, User: &driveway.ConnectedUser{ProjectID: p.ID, ID: v.Subject}}, nil
}

func (h *Handler) connectedUser(r *http.Request, projectID string, v *usertoken.Verified) (*driveway.ConnectedUser, error) {
	u, err := h.Store.GetConnectedUser(r.Context(), projectID, v.Subject)
	if err == nil {
		return u, nil
	}
	if driveway.ErrorCode(err) != driveway.ENOTFOUND {
		return nil, fmt.Errorf("get connected user: %w", err)
	}
	now := h.now()
	u = &driveway.ConnectedUser{ProjectID: projectID, ID: v.Subject, Metadata: map[string]any{}, CreatedAt: now, UpdatedAt: now}
	if err := h.Store.UpsertConnectedUser(r.Context(), u); err != nil {
		return nil, fmt.Errorf("create connected user: %w", err)
	}
	return u, nil
}

// Authenticated wraps next, a handler of another package served under
// /projects/{pid}/sdk/... (the Graph proxy, workflow triggers), with CORS
// and the same user-token check as the SDK API: next runs with the
// driveway.Principal in its context, and a bad token is answered 401 in the
// SDK's error shape before next is reached.
//
// A CORS preflight (OPTIONS with Access-Control-Request-Method) is answered
// here, without a token, as on every SDK route: the proxy sees every
// method of its path before the router's preflight route could.
func (h *Handler) Authenticated(next http.Handler) http.Handler {
	authed := h.apiAs(func(w http.ResponseWriter, r *http.Request, c *caller) error {
		p := &driveway.Principal{ProjectID: c.Project.ID, UserID: c.User.ID}
		next.ServeHTTP(w, r.WithContext(driveway.WithPrincipal(r.Context(), p)))
		return nil
	}, false)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.preflight(w, r)
			return
		}
		authed.ServeHTTP(w, r)
	})
}
