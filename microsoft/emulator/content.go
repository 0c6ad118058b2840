package emulator

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// getContent answers GET .../content with 302 to the pre-authenticated URL.
func (e *Emulator) getContent(w http.ResponseWriter, r *http.Request, t *target) {
	e.mu.Lock()
	it, _, _, g := t.resolve()
	if g == nil && (it == nil || it.Folder) {
		g = errNotFound()
	}
	if g != nil {
		e.fail(w, r, g)
		return
	}
	if notModified(r, t.d, it) {
		e.mu.Unlock()
		w.WriteHeader(http.StatusNotModified)
		return
	}
	loc := e.downloadURL(t.d, it)
	e.mu.Unlock()
	w.Header().Set("Location", loc)
	w.WriteHeader(http.StatusFound)
}

// servePreAuth serves the unauthenticated URLs: download/, upload/, monitor/.
func (e *Emulator) servePreAuth(w http.ResponseWriter, r *http.Request, rest string) {
	if e.opts.RejectPreAuthAuthorization && r.Header.Get("Authorization") != "" {
		e.writeGraphError(w, r, gerr(401, "unauthenticated", "Authorization header is not allowed on pre-authenticated URLs."))
		return
	}
	kind, id, _ := strings.Cut(rest, "/")
	switch kind {
	case "download":
		e.download(w, r, id)
	case "upload":
		e.serveUploadURL(w, r, unescape(id))
	case "monitor":
		e.serveMonitor(w, r, unescape(id))
	default:
		http.NotFound(w, r)
	}
}

// download serves file bytes with Range and If-None-Match support.
func (e *Emulator) download(w http.ResponseWriter, r *http.Request, rest string) {
	if r.Method != "GET" && r.Method != "HEAD" {
		e.writeGraphError(w, r, gerr(405, "notAllowed", "Method not allowed."))
		return
	}
	// A browser app reads the downloadUrl with a plain GET, no preflight
	// (Graph's advice for JavaScript, as /content answers a redirect).
	w.Header().Set("Access-Control-Allow-Origin", "*")
	driveID, itemID, _ := strings.Cut(rest, "/")
	driveID, itemID = unescape(driveID), unescape(itemID)
	q := r.URL.Query()
	exp, v, sig := q.Get("e"), q.Get("v"), q.Get("s")
	if sig == "" || sig != e.sign(driveID, itemID, exp, v) {
		e.writeGraphError(w, r, gerr(401, "unauthenticated", "The pre-authenticated URL is not valid."))
		return
	}
	if unix, _ := strconv.ParseInt(exp, 10, 64); !e.Now().Before(time.Unix(unix, 0)) {
		e.writeGraphError(w, r, gerr(401, "unauthenticated", "The pre-authenticated URL has expired."))
		return
	}
	e.mu.Lock()
	d := e.st.Drives[driveID]
	var it *Item
	if d != nil {
		it = d.live(itemID)
	}
	var b *blob
	ok := it != nil && !it.Folder
	if ok {
		b, ok = downloadable(d, it, v)
	}
	if !ok {
		e.mu.Unlock()
		e.writeGraphError(w, r, errNotFound())
		return
	}
	etag, mod, name := d.cTag(it), it.Modified, it.Name
	e.mu.Unlock()
	if b == nil {
		b = &blob{}
	}
	h := w.Header()
	h.Set("ETag", quoteTag(etag))
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", "attachment; filename=\""+strings.ReplaceAll(name, "\"", "")+"\"")
	http.ServeContent(w, r, "", mod, io.NewSectionReader(b, 0, b.size))
}

// quoteTag makes a tag a valid HTTP entity tag for http.ServeContent.
func quoteTag(t string) string {
	if strings.HasPrefix(t, `"`) {
		return t
	}
	return `"` + t + `"`
}
