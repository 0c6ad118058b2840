package dashboard

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
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
	client := clientAddr(r)
	retry := func(status int, msg string) {
		h.render(w, r, status, "login", &view{Title: "Log in", Error: msg, Data: loginData{Next: next}})
	}
	if blocked, left := h.limiter.Blocked(client); blocked {
		retry(http.StatusTooManyRequests, fmt.Sprintf("Too many failed attempts. Try again in %d minutes.", minutesCeil(left)))
		return
	}
	if h.opts.AdminPassword == "" {
		retry(http.StatusForbidden, "No admin password is configured: set DRIVEWAY_ADMIN_PASSWORD and restart.")
		return
	}
	if !passwordEqual(r.PostForm.Get("password"), h.opts.AdminPassword) {
		h.limiter.Fail(client)
		h.log.Warn("dashboard: failed login", "remote", client)
		retry(http.StatusUnauthorized, "Wrong password.")
		return
	}
	h.limiter.Reset(client)
	if err := h.writeSession(w, h.newSession(true, SessionTTL)); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("dashboard: login", "remote", client)
	redirect(w, r, next)
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
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

// clientAddr is the host of the connection's remote address. Forwarded
// headers are not trusted: anyone can send them.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func minutesCeil(d time.Duration) int {
	return int((d + time.Minute - 1) / time.Minute)
}
