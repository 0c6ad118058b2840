package connect

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/drivewayhq/driveway"
)

// The no-opener fallback. A browser may sever a popup from its opener on
// the way through Microsoft's pages (Cross-Origin-Opener-Policy); the
// /oauth page then has no one to hand its completion secret to, and both
// SDKs fall back to polling, which expects the server to finish. The
// server finishes only in a browser that proves it started the flow: the
// popup's first page (oauth-nonce), reached by a navigation from a page on
// the origin build-oauth named (Referer, Sec-Fetch-Site), sets a cookie
// naming the project and user; POST /oauth/finish, called by the /oauth
// page itself, requires it to match the sign-in. A forwarded sign-in link
// opens in a browser that never loaded that page from the app: no cookie,
// nothing connected.

// bindingCookieName is the cookie's name: __Host- (Secure, Path=/, no
// Domain, so no sibling host can plant it) when Driveway is served over
// https, a plain name scoped to /oauth otherwise (local development).
func (h *Handler) bindingCookieName() (name, path string) {
	if strings.HasPrefix(h.PublicURL, "https://") {
		return "__Host-driveway_signin", "/"
	}
	return "driveway_signin", "/oauth"
}

// openedByApp reports whether r, the navigation to oauth-nonce, came from
// a page on origin: never a typed, bookmarked or pasted address
// (Sec-Fetch-Site: none), always a document, and with a Referer on origin,
// or from Driveway's own pages (same-origin: the Connect Portal, which
// sends no Referer).
func openedByApp(r *http.Request, origin string) bool {
	site, dest := r.Header.Get("Sec-Fetch-Site"), r.Header.Get("Sec-Fetch-Dest")
	if site == "none" || (dest != "" && dest != "document") {
		return false
	}
	if ref, err := url.Parse(r.Header.Get("Referer")); err == nil && ref.Host != "" {
		return ref.Scheme+"://"+ref.Host == origin
	}
	return site == "same-origin"
}

// setBinding sets the binding cookie for the caller when the oauth-nonce
// page was opened by the app on origin, and does nothing otherwise.
func (h *Handler) setBinding(w http.ResponseWriter, r *http.Request, c *caller, origin string) {
	if !openedByApp(r, origin) {
		return
	}
	name, path := h.bindingCookieName()
	http.SetCookie(w, &http.Cookie{Name: name, Value: bindingValue(c.Project.ID, c.User.ID), Path: path,
		MaxAge: int(StateLifetime.Seconds()), HttpOnly: true, Secure: strings.HasPrefix(name, "__Host-"),
		SameSite: http.SameSiteLaxMode})
}

func bindingValue(projectID, userID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(projectID + "\x00" + userID))
}

// boundTo returns the project and user the request's binding cookie names.
func (h *Handler) boundTo(r *http.Request) (projectID, userID string, ok bool) {
	name, _ := h.bindingCookieName()
	ck, err := r.Cookie(name)
	if err != nil {
		return "", "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil {
		return "", "", false
	}
	projectID, userID, ok = strings.Cut(string(b), "\x00")
	return projectID, userID, ok && projectID != "" && userID != ""
}

var errNotThisBrowser = driveway.Errorf(driveway.EFORBIDDEN,
	"this browser did not start this sign-in from the app, so nothing was connected")

// finishHere is POST /oauth/finish {completion}, sent by the /oauth page
// when it has no opener: it finishes the sign-in server-side when the
// browser's binding cookie names the sign-in's project and user, so that
// the SDK's polling finds the credential.
func (h *Handler) finishHere(w http.ResponseWriter, r *http.Request) {
	if err := h.finishInBrowser(w, r); err != nil {
		h.writeError(w, r, err)
	}
}

func (h *Handler) finishInBrowser(w http.ResponseWriter, r *http.Request) error {
	if err := h.sameOriginCall(r); err != nil {
		return err
	}
	pid, uid, ok := h.boundTo(r)
	if !ok {
		return errNotThisBrowser
	}
	var in struct {
		Completion string `json:"completion"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	return h.finishFor(w, r, pid, uid, in.Completion)
}

// sameOriginCall refuses a call that is not a fetch by one of Driveway's
// own pages.
func (h *Handler) sameOriginCall(r *http.Request) error {
	if r.Header.Get("Origin") != h.publicOrigin() {
		return driveway.Errorf(driveway.EFORBIDDEN, "only Driveway's sign-in page may call this")
	}
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" {
		return driveway.Errorf(driveway.EFORBIDDEN, "only Driveway's sign-in page may call this")
	}
	return nil
}

// finishFor finishes the sign-in of secret for the project and user, and
// answers the connected account's name.
func (h *Handler) finishFor(w http.ResponseWriter, r *http.Request, projectID, userID, secret string) error {
	st, err := h.takeCompletion(r, projectID, userID, secret)
	if err != nil {
		return err
	}
	cr, err := h.redeem(r, st, false)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"account": cr.Account.UserPrincipalName})
	return nil
}
