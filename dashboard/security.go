package dashboard

import (
	"context"
	"crypto/subtle"
	"net/http"
)

// csrfField is the hidden form field that carries the session's CSRF token.
const csrfField = "csrf_token"

// maxFormBytes bounds a form body (a PEM key is the largest field).
const maxFormBytes = 64 << 10

// contentSecurityPolicy allows only the dashboard's own assets: no inline
// script or style, no framing, forms post only to this origin.
const contentSecurityPolicy = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"

// securityHeaders sets the headers every dashboard response carries. Pages
// are never cached: some show a secret once.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// withCSRF checks a state-changing request: it must come from this origin
// (Sec-Fetch-Site, or Origin against Host for older browsers) and carry the
// CSRF token of the request's session in its form. Failures get a 403 page.
// The session is the logged-in one from requireLogin, or the anonymous one
// of the login form.
func (h *handler) withCSRF(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h.cop.Check(r); err != nil {
			h.log.Warn("dashboard: cross-origin request refused", "path", r.URL.Path, "remote", r.RemoteAddr)
			h.forbidden(w, r)
			return
		}
		s := sessionFrom(r.Context())
		if s == nil {
			s = h.readSession(r)
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if s == nil || r.ParseForm() != nil || !tokenEqual(r.PostForm.Get(csrfField), s.CSRF) {
			h.forbidden(w, r)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, s)))
	}
}

func tokenEqual(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (h *handler) forbidden(w http.ResponseWriter, r *http.Request) {
	h.renderError(w, r, http.StatusForbidden, "Request refused",
		"The form was stale or came from another site. Go back, reload the page and try again.")
}
