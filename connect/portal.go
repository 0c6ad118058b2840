package connect

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"path"

	"github.com/drivewayhq/driveway"
)

// portal is GET /connect/?projectId=...[&returnTo=...], the hosted Connect
// Portal. The user token travels in the URL fragment (#userToken=...), so
// it reaches neither Driveway's logs nor any referrer; the page's script
// reads it and calls the SDK API with it. The page may be framed only by
// the project's allowed origins.
func (h *Handler) portal(w http.ResponseWriter, r *http.Request) { h.servePortal(w, r, false) }

// portalUI is GET /connect/ui?projectId=..., the same portal for the
// Paragon SDK's connect(): the SDK frames it (CONNECT_PUBLIC_URL + "/ui")
// and drives it with UI_UPDATE messages carrying the user and the modal
// state; the page answers with SDK_FUNCTION_INVOCATION calls
// (updateContainerStyle, onOpen, onClose, _oauthCallback,
// uninstallIntegration). It accepts messages only from its parent window
// on one of the project's allowed origins.
func (h *Handler) portalUI(w http.ResponseWriter, r *http.Request) { h.servePortal(w, r, true) }

func (h *Handler) servePortal(w http.ResponseWriter, r *http.Request, embedded bool) {
	q := r.URL.Query()
	if embedded && q.Get("projectId") == "" {
		// The SDK frames /ui before it knows the project: a page that
		// holds nothing and waits to be told it (assets/ui-boot.js).
		hd := w.Header()
		hd.Set("Content-Type", "text/html; charset=utf-8")
		hd.Set("Cache-Control", "no-store")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *")
		_, _ = io.WriteString(w, uiBootPage)
		return
	}
	p, err := h.Store.GetProject(r.Context(), q.Get("projectId"))
	if err != nil {
		status := httpStatus(err)
		if driveway.ErrorCode(err) == driveway.ENOTFOUND {
			status = http.StatusNotFound
		}
		renderResult(w, status, resultPage{Title: "Connect Portal", Detail: "No such project."})
		return
	}
	returnTo, _ := validReturnTo(p, q.Get("returnTo"))
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "+
		"img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors "+frameAncestors(p))
	parents, _ := json.Marshal(p.AllowedOrigins)
	_ = pages.ExecuteTemplate(w, "portal.html", map[string]any{
		"ProjectID": p.ID, "ProjectName": p.Name, "IntegrationID": IntegrationID(p.ID), "ReturnTo": returnTo,
		"Embedded": embedded, "ParentOrigins": string(parents), "PublicOrigin": h.publicOrigin(),
	})
}

// uiBootPage is /connect/ui without a project.
const uiBootPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Connect</title></head>` +
	`<body><script src="/connect/assets/ui-boot.js"></script></body></html>`

// toPortal redirects /connect to /connect/, keeping the query (a relative
// redirect: it never leaves Driveway).
func toPortal(w http.ResponseWriter, r *http.Request) {
	target := "/connect/"
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, target, http.StatusFound)
}

var assetTypes = map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

// serveAsset serves the portal's script and style sheet.
func serveAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	ct, ok := assetTypes[path.Ext(name)]
	if !ok {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(assetFS, "assets/"+name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(b)
}
