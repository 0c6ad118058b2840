package connect

import (
	"crypto/rand"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
)

//go:embed assets
var assetFS embed.FS

var pages = template.Must(template.ParseFS(assetFS, "assets/*.html"))

// pageNonce returns a fresh CSP nonce.
func pageNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawStdEncoding.EncodeToString(b)
}

// pageHeaders sets the headers of the popup pages (oauth-nonce and the
// /oauth result): no caching, no referrer (the URL holds a code or a user
// token), only the page's own inline script (which may call Driveway
// itself: POST /oauth/finish), and never framed.
func pageHeaders(w http.ResponseWriter, nonce string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'; style-src 'nonce-"+nonce+
		"'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
}

// resultPage is what the /oauth callback (and a refused oauth-nonce) shows.
type resultPage struct {
	OK            bool
	Title, Detail string
	// Origin, when set, receives Message by postMessage; it is set only
	// from a validated origin.
	Origin  string
	Message map[string]any
	Nonce   string
	// Link, when set, is shown for the user to copy or forward (the
	// admin-consent link), with LinkText.
	Link, LinkText string
}

func renderResult(w http.ResponseWriter, status int, p resultPage) {
	p.Nonce = pageNonce()
	pageHeaders(w, p.Nonce)
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, "result.html", p)
}
