package dashboard

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

type loginData struct {
	Next string
}

// loginPage shows the password form, with an anonymous session that carries
// the form's CSRF token.
func (h *handler) loginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	s := h.readSession(r)
	if s != nil && s.Auth {
		redirect(w, r, next)
		return
	}
	if s == nil {
		s = h.newSession(false, anonTTL)
		if err := h.writeSession(w, s); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, s))
	h.render(w, r, http.StatusOK, "login", &view{Title: "Log in", Data: loginData{Next: next}})
}

// login checks the admin password and starts a session with a new CSRF
// token.
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.PostForm.Get("next"))
	client := h.clientKey(r)
	retry := func(status int, msg string) {
		h.render(w, r, status, "login", &view{Title: "Log in", Error: msg, Data: loginData{Next: next}})
	}
	if msg := h.passwordProblem(); msg != "" {
		retry(http.StatusForbidden, msg)
		return
	}
	blocked, left, err := h.attempt(r.Context(), client)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if blocked {
		retry(http.StatusTooManyRequests, fmt.Sprintf("Too many failed attempts. Try again in %d minutes.", minutesCeil(left)))
		return
	}
	if !passwordEqual(r.PostForm.Get("password"), h.opts.AdminPassword) {
		h.log.Warn("dashboard: failed login", "client", client)
		retry(http.StatusUnauthorized, "Wrong password.")
		return
	}
	if err := h.startSession(w, r, client); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("dashboard: login", "client", client)
	redirect(w, r, next)
}

// passwordProblem says why no login can succeed with the configured admin
// password, or "".
func (h *handler) passwordProblem() string {
	switch {
	case h.opts.AdminPassword == "":
		return "No admin password is configured: set DRIVEWAY_ADMIN_PASSWORD and restart."
	case utf8.RuneCountInString(h.opts.AdminPassword) < MinPasswordLength:
		return fmt.Sprintf("The admin password is too short: set DRIVEWAY_ADMIN_PASSWORD to at least %d characters and restart.", MinPasswordLength)
	}
	return ""
}

func (h *handler) startSession(w http.ResponseWriter, r *http.Request, client string) error {
	if err := h.reset(r.Context(), client); err != nil {
		return err
	}
	return h.writeSession(w, h.newSession(true, SessionTTL))
}

// logout revokes the session in the database (a copy of its cookie opens
// nothing afterwards, on any node) and clears the cookie.
func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	if s := h.readSession(r); s != nil && s.Auth && s.ID != "" {
		err := h.opts.Admin.Store.RevokeSession(r.Context(), s.ID, time.Unix(s.Expires, 0), h.now())
		if err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.clearSession(w)
	redirect(w, r, Prefix+"/login")
}

// passwordEqual compares in constant time; hashing first hides the length.
func passwordEqual(got, want string) bool {
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// safeNext keeps a post-login destination only when it is a dashboard path
// on this origin.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix+"/") || strings.Contains(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return Prefix + "/"
	}
	return next
}

func minutesCeil(d time.Duration) int {
	return int((d + time.Minute - 1) / time.Minute)
}
