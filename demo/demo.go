// Package demo serves the demo "customer app" of `driveway dev`: a small
// page, built on the JavaScript SDK (@driveway/connect), that signs in a
// demo user, connects OneDrive, lists, opens folders, uploads, downloads
// and disconnects. It exists to show the SDK at work; it is never mounted
// by `driveway serve`.
//
// Map (all under Options.Prefix, "/demo" by default):
//
//	GET  /demo/          the page (static/index.html)
//	GET  /demo/{file}    the page's script and style (static/)
//	GET  /demo/sdk/{m}   the SDK's ES modules (sdk/js dist/)
//	POST /demo/token     {"sub": "..."} → {"projectId", "userToken"}: a user
//	                     token minted by Options.MintToken (in a real app,
//	                     the customer's back end signs it)
package demo

import (
	"embed"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	sdkjs "github.com/drivewayhq/driveway/sdk/js"
)

//go:embed static
var static embed.FS

// Options configure the demo handler.
type Options struct {
	// MintToken signs a user token for the demo user sub, with the dev
	// project's key. Required.
	MintToken func(sub string) (string, error)
	// ProjectID is the dev project the page connects to. Required.
	ProjectID string
	// Prefix is the path the handler is mounted at (default "/demo"). The
	// handler is given full request paths.
	Prefix string
	// Logger receives token-minting failures (default slog.Default()).
	Logger *slog.Logger
}

// csp lets the page load only its own scripts and styles and talk only to
// its own origin (Driveway); the sign-in popup is a window, not a frame.
// The File Picker's popup starts as about:blank, which inherits this
// policy, and form-POSTs to the emulator's picker: driveway dev's own port,
// under the emulator's host name localhost (the page may be on 127.0.0.1).
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self' http://localhost:* https://localhost:*"

// validSub is what the demo accepts as a user id.
var validSub = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,64}$`)

// Handler returns the demo's handler.
func Handler(opts Options) http.Handler {
	prefix := strings.TrimRight(opts.Prefix, "/")
	if prefix == "" {
		prefix = "/demo"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	page, err := fs.Sub(static, "static")
	if err != nil {
		panic("demo: embedded static files missing: " + err.Error()) // cannot happen: the embed pattern guarantees it
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+prefix+"/sdk/", noIndex(prefix, http.StripPrefix(prefix+"/sdk/", http.FileServerFS(sdkjs.Dist()))))
	mux.Handle("GET "+prefix+"/", noIndex(prefix, http.StripPrefix(prefix+"/", http.FileServerFS(page))))
	mux.Handle("GET "+prefix, http.RedirectHandler(prefix+"/", http.StatusFound))
	mux.HandleFunc("POST "+prefix+"/token", opts.token)
	return securityHeaders(mux)
}

// token answers POST /demo/token.
func (o Options) token(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Sub string `json:"sub"`
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1024)
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || !validSub.MatchString(in.Sub) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "send {\"sub\": \"a user id\"} (letters, digits, . _ @ -, at most 64)"})
		return
	}
	if o.MintToken == nil || o.ProjectID == "" {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"message": "the demo has no dev project to sign tokens for"})
		return
	}
	tok, err := o.MintToken(in.Sub)
	if err != nil {
		o.Logger.ErrorContext(r.Context(), "demo: mint user token", "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "could not sign a user token"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"projectId": o.ProjectID, "userToken": tok})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// noIndex refuses directory listings; prefix+"/" is the page itself.
func noIndex(prefix string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") && r.URL.Path != prefix+"/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		next.ServeHTTP(w, r)
	})
}
