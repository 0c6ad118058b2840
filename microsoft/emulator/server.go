package emulator

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"time"
)

// ServeHTTP implements http.Handler.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := e.stripPrefix(r)
	rid := e.guid()
	h := w.Header()
	h.Set("request-id", rid)
	crid := r.Header.Get("client-request-id")
	if crid == "" {
		crid = rid
	}
	h.Set("client-request-id", crid)
	route := classify(r.Method, path)
	if strings.HasPrefix(route, "graph") {
		h.Set("Cache-Control", "private")
		h.Set("x-ms-ags-diagnostic", `{"ServerInfo":{"DataCenter":"Emulator","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"EMU"}}`)
	}
	sw := &statusWriter{ResponseWriter: w, status: 200}
	start := time.Now()
	defer func() { e.record(r, path, route, sw.status, time.Since(start)) }()
	if r.Header.Get("Content-Encoding") == "gzip" && r.Body != nil {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			e.writeGraphError(sw, r, gerr(400, "invalidRequest", "Invalid gzip request body."))
			return
		}
		r.Body = io.NopCloser(zr)
		r.Header.Del("Content-Encoding")
		r.ContentLength = -1
	}
	if e.applyFault(sw, r, route) {
		return
	}
	e.dispatch(sw, r, path, route)
}

// stripPrefix removes the mount prefix (the path of BaseURL or
// PreAuthBaseURL) from the request path and returns the escaped rest.
func (e *Emulator) stripPrefix(r *http.Request) string {
	p := r.URL.EscapedPath()
	for _, pre := range []string{e.base.EscapedPath(), e.preauth.EscapedPath()} {
		pre = strings.TrimSuffix(pre, "/")
		if pre != "" && strings.HasPrefix(p, pre+"/") {
			return p[len(pre):]
		}
	}
	return p
}

func (e *Emulator) dispatch(w http.ResponseWriter, r *http.Request, path, route string) {
	switch {
	case strings.HasPrefix(path, "/v1.0/") || path == "/v1.0":
		e.serveGraph(w, r, strings.TrimPrefix(path, "/v1.0"))
	case strings.HasPrefix(path, "/beta/"): // beta: an alias of the same model (shapes.go)
		e.serveGraph(w, r, strings.TrimPrefix(path, "/beta"))
	case strings.HasPrefix(path, "/_preauth/"):
		e.servePreAuth(w, r, strings.TrimPrefix(path, "/_preauth/"))
	case isFilePickerPath(path): // filepicker.go
		e.serveFilePicker(w, r, path)
	case strings.HasPrefix(path, "/_api/v2.0/"):
		e.servePickerAPI(w, r, strings.TrimPrefix(path, "/_api/v2.0"))
	case strings.HasPrefix(path, "/_emulator/"):
		if !e.opts.ControlAPI {
			http.NotFound(w, r)
			return
		}
		e.serveControl(w, r, strings.TrimPrefix(path, "/_emulator"))
	default:
		e.serveIdentity(w, r, path)
	}
}

// classify names the route of a request for counters and faults.
func classify(method, path string) string {
	if rest, ok := strings.CutPrefix(path, "/beta/"); ok {
		path = "/v1.0/" + rest
	}
	switch {
	case strings.HasPrefix(path, "/v1.0/subscriptions"):
		return "graph.subscriptions"
	case strings.HasPrefix(path, "/v1.0/"):
		p := strings.ToLower(path)
		for _, k := range []string{"createuploadsession", "content", "children", "delta", "search", "copy", "permanentdelete"} {
			if strings.Contains(p, "/"+k) || strings.Contains(p, ":/"+k) {
				return "graph." + k
			}
		}
		return "graph.item"
	case strings.HasPrefix(path, "/_preauth/download/"):
		return "preauth.download"
	case strings.HasPrefix(path, "/_preauth/upload/"):
		return "preauth.upload"
	case strings.HasPrefix(path, "/_preauth/monitor/"):
		return "preauth.monitor"
	case strings.HasPrefix(path, "/_emulator/"):
		return "control"
	case strings.HasSuffix(path, "/oauth2/v2.0/token"):
		return "identity.token"
	case strings.HasSuffix(path, "/oauth2/v2.0/authorize"):
		return "identity.authorize"
	}
	return "identity.other"
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
