package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
)

// maxBatchRequests is the most requests one JSON batch may hold.
const maxBatchRequests = 20

type batchRequest struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

type batchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    any               `json:"body,omitempty"`
}

// serveBatch is POST $batch (JSON batching): each request runs in order
// through the emulator itself with the caller's Authorization, its url
// relative to the batch's version; JSON answers are nested as JSON, other
// bodies as base64. At most 20 requests; a nested $batch is refused.
func (e *Emulator) serveBatch(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Requests []batchRequest `json:"requests"`
	}
	if g := decodeJSON(r, &body); g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	if len(body.Requests) == 0 || len(body.Requests) > maxBatchRequests {
		e.writeGraphError(w, r, gerr(400, "BadRequest", "A batch request must hold between 1 and 20 requests."))
		return
	}
	version := "/" + strings.SplitN(strings.TrimPrefix(e.stripPrefix(r), "/"), "/", 2)[0]
	out := make([]batchResponse, 0, len(body.Requests))
	for _, q := range body.Requests {
		out = append(out, e.runBatched(r, version, q))
	}
	writeJSON(w, 200, map[string]any{"responses": out})
}

// runBatched runs one request of a batch.
func (e *Emulator) runBatched(outer *http.Request, version string, q batchRequest) batchResponse {
	u := "/" + strings.TrimPrefix(q.URL, "/")
	if strings.HasPrefix(strings.TrimPrefix(u, version), "/$batch") || !strings.HasPrefix(u, "/") || strings.Contains(q.URL, "://") {
		return batchError(q.ID, 400, "BadRequest", "Invalid request URL in a batch.")
	}
	if !strings.HasPrefix(u, "/v1.0/") && !strings.HasPrefix(u, "/beta/") {
		u = version + u
	}
	var rd *bytes.Reader
	if len(q.Body) > 0 {
		rd = bytes.NewReader(q.Body)
	} else {
		rd = bytes.NewReader(nil)
	}
	in := httptest.NewRequestWithContext(outer.Context(), q.Method, strings.TrimSuffix(e.base.Path, "/")+u, rd)
	in.Host = outer.Host
	in.Header.Set("Authorization", outer.Header.Get("Authorization"))
	for k, v := range q.Headers {
		in.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, in)
	return batchAnswer(q.ID, rec)
}

func batchAnswer(id string, rec *httptest.ResponseRecorder) batchResponse {
	resp := batchResponse{ID: id, Status: rec.Code, Headers: map[string]string{}}
	for _, k := range []string{"Content-Type", "Location", "Retry-After", "ETag"} {
		if v := rec.Header().Get(k); v != "" {
			resp.Headers[k] = v
		}
	}
	b := rec.Body.Bytes()
	switch {
	case len(b) == 0:
	case strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json"):
		resp.Body = json.RawMessage(b)
	default:
		resp.Body = base64.StdEncoding.EncodeToString(b)
	}
	return resp
}

func batchError(id string, status int, code, msg string) batchResponse {
	return batchResponse{ID: id, Status: status, Headers: map[string]string{"Content-Type": "application/json"},
		Body: map[string]any{"error": map[string]any{"code": code, "message": msg}}}
}
