package dashboard

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/drivewayhq/driveway"
)

// cookieName is the session cookie. It cannot take the "__Host-" prefix,
// which requires Path=/.
const cookieName = "driveway_dashboard"

// anonTTL is how long the anonymous session of the login form lasts.
const anonTTL = SessionTTL

// cookieRef is where session cookies are sealed: the associated data binds
// a sealed cookie to this use, so no other sealed value opens as one.
var cookieRef = driveway.SealedRef{Table: "cookie", Column: "dashboard_session"}

// session is the sealed payload of the cookie. An anonymous session (Auth
// false) only carries the CSRF token of the login form.
type session struct {
	// ID names a logged-in session for its revocation at logout.
	ID      string `json:"i,omitempty"`
	Auth    bool   `json:"a"`
	CSRF    string `json:"c"`
	Expires int64  `json:"e"` // Unix seconds
	// Password fingerprints the admin password the login used, so a new
	// password ends every session.
	Password string `json:"p,omitempty"`
}

type sessionKey struct{}

func sessionFrom(ctx context.Context) *session {
	s, _ := ctx.Value(sessionKey{}).(*session)
	return s
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// passwordFingerprint binds a session to the password without revealing it:
// the fingerprint is inside the sealed cookie.
func passwordFingerprint(password string) string {
	sum := sha256.Sum256([]byte("driveway dashboard session\x00" + password))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

func (h *handler) newSession(auth bool, ttl time.Duration) *session {
	s := &session{Auth: auth, CSRF: randomToken(), Expires: h.now().Add(ttl).Unix()}
	if auth {
		s.ID = randomToken()
		s.Password = passwordFingerprint(h.opts.AdminPassword)
	}
	return s
}

// readSession returns the valid session of r, or nil when there is none,
// it does not open, or it has expired.
func (h *handler) readSession(r *http.Request) *session {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" || len(c.Value) > 4096 {
		return nil
	}
	plain, err := h.opts.Sealer.Open(c.Value, cookieRef)
	if err != nil {
		return nil
	}
	var s session
	if err := json.Unmarshal(plain, &s); err != nil || s.CSRF == "" {
		return nil
	}
	if h.now().Unix() >= s.Expires {
		return nil
	}
	if s.Auth && subtle.ConstantTimeCompare([]byte(s.Password), []byte(passwordFingerprint(h.opts.AdminPassword))) != 1 {
		return nil
	}
	if s.Auth && !h.live(r.Context(), s.ID) {
		return nil
	}
	return &s
}

// live reports whether a logged-in session was not revoked; a session
// without an id, or one the database cannot vouch for, is not.
func (h *handler) live(ctx context.Context, id string) bool {
	if id == "" {
		return false
	}
	revoked, err := h.opts.Admin.Store.SessionRevoked(ctx, id)
	if err != nil {
		h.log.Error("dashboard: session revocation check", "err", err)
		return false
	}
	return !revoked
}

// writeSession seals s into the cookie.
func (h *handler) writeSession(w http.ResponseWriter, s *session) error {
	plain, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	sealed, err := h.opts.Sealer.Seal(plain, cookieRef)
	if err != nil {
		return fmt.Errorf("seal session: %w", err)
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: sealed, Path: Prefix,
		MaxAge:   int(time.Unix(s.Expires, 0).Sub(h.now()).Seconds()),
		HttpOnly: true, Secure: h.opts.Secure, SameSite: http.SameSiteStrictMode,
	})
	return nil
}

func (h *handler) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: "", Path: Prefix, MaxAge: -1,
		HttpOnly: true, Secure: h.opts.Secure, SameSite: http.SameSiteStrictMode,
	})
}

// requireLogin passes requests with a logged-in session on, with the session
// in the context. Others are sent to the login page (GET) or refused (other
// methods).
func (h *handler) requireLogin(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := h.readSession(r)
		if s == nil || !s.Auth {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, Prefix+"/login?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
				return
			}
			h.renderError(w, r, http.StatusForbidden, "Session expired", "Your session has expired. Log in again and repeat the change.")
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, s)))
	}
}
