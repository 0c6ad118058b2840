package connect

import (
	"context"
	"net/http"
	"time"

	"github.com/drivewayhq/driveway"
)

// URL codes keep user tokens out of URLs. A URL is logged by every load
// balancer and kept in browser history, so a page that needs the user
// (the oauth-nonce popup, the Connect Portal) is opened with a code: the
// SDK first asks for one with the token in its Authorization header
// (POST .../sdk/actions/url-code), then puts the code in the URL. A code
// works once, within URLCodeLifetime, for its project only. The popup's
// page redeems it on the server; the portal's script redeems it for the
// token (POST .../sdk/actions/url-code/redeem) and keeps that in memory.
//
// The published Paragon SDK still sends userToken in the query of
// oauth-nonce and build-oauth; both keep accepting it there. The access log
// records route patterns, never queries (docs/security.md names what a load
// balancer in front should redact).

// URLCodeLifetime is how long a URL code may wait to be used.
const URLCodeLifetime = time.Minute

// MaxURLCodes is how many unexpired URL codes one user may hold: an SDK
// asks for one per popup, so more is a loop or a flood, refused (429)
// with nothing stored.
const MaxURLCodes = 20

// createURLCode is POST /projects/{pid}/sdk/actions/url-code: a new code
// for the caller's token ({code, expiresIn} in seconds).
func (h *Handler) createURLCode(w http.ResponseWriter, r *http.Request, c *caller) error {
	n, err := h.Store.CountURLCodes(r.Context(), c.Project.ID, c.User.ID, h.now())
	if err != nil {
		return err
	}
	if n >= MaxURLCodes {
		return driveway.Errorf(driveway.ETHROTTLED, "this user already has %d unused URL codes, the most allowed: "+
			"wait up to %v for them to expire", n, URLCodeLifetime)
	}
	code := randomToken()
	uc := &driveway.URLCode{ID: stateID(code), ProjectID: c.Project.ID, UserID: c.User.ID, Token: bearer(r),
		ExpiresAt: h.now().Add(URLCodeLifetime)}
	if err := h.Store.CreateURLCode(r.Context(), uc); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"code": code, "expiresIn": int(URLCodeLifetime.Seconds())})
	return nil
}

// redeemURLCode is POST /projects/{pid}/sdk/actions/url-code/redeem
// {code}: the token the code stands for, once ({userToken}).
func (h *Handler) redeemURLCode(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Code string `json:"code"`
	}
	err := decodeJSON(w, r, &in)
	var tok string
	if err == nil {
		tok, err = h.consumeURLCode(r.Context(), r.PathValue("pid"), in.Code)
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"userToken": tok})
}

var errBadCode = driveway.Errorf(driveway.EUNAUTHORIZED, "the code is unknown, used or expired: ask for a new one")

// consumeURLCode uses up a code of the project and returns its token.
func (h *Handler) consumeURLCode(ctx context.Context, projectID, code string) (string, error) {
	if code == "" {
		return "", errBadCode
	}
	uc, err := h.Store.ConsumeURLCode(ctx, stateID(code))
	switch {
	case driveway.ErrorCode(err) == driveway.ENOTFOUND:
		return "", errBadCode
	case err != nil:
		return "", err
	case uc.ProjectID != projectID || !h.now().Before(uc.ExpiresAt):
		return "", errBadCode
	}
	return uc.Token, nil
}

// withCodeToken returns r with the token of its code query parameter as
// its Authorization header, when it has one (the popup's first page).
func (h *Handler) withCodeToken(r *http.Request) (*http.Request, error) {
	code := r.URL.Query().Get("code")
	if code == "" {
		return r, nil
	}
	tok, err := h.consumeURLCode(r.Context(), r.PathValue("pid"), code)
	if err != nil {
		return nil, err
	}
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+tok)
	return r2, nil
}
