package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// odataJSON is Graph's JSON content type.
const odataJSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

var errTooLarge = errors.New("entity too large")

// graphError is a Graph error: status, code and message, with optional
// nested inner codes (outermost first).
type graphError struct {
	Status  int
	Code    string
	Message string
	Inner   []string
}

func (g *graphError) Error() string { return g.Code + ": " + g.Message }

func gerr(status int, code, msg string, inner ...string) *graphError {
	return &graphError{Status: status, Code: code, Message: msg, Inner: inner}
}

// Common errors.
func errNotFound() *graphError {
	return gerr(404, "itemNotFound", "The resource could not be found.")
}

func errInvalid(msg string) *graphError { return gerr(400, "invalidRequest", msg) }

func errNameExists() *graphError {
	return gerr(409, "nameAlreadyExists", "The specified item name already exists.")
}

func errPrecondition() *graphError {
	return gerr(412, "resourceModified", "The resource has changed since the caller last read it; usually an eTag mismatch", "entityTagDoesNotMatch")
}

// writeGraphError writes the Graph error envelope.
func (e *Emulator) writeGraphError(w http.ResponseWriter, r *http.Request, g *graphError) {
	inner := map[string]any{
		"date":              e.Now().Format("2006-01-02T15:04:05"),
		"request-id":        w.Header().Get("request-id"),
		"client-request-id": w.Header().Get("client-request-id"),
	}
	key := "innerError"
	if e.opts.InnerErrorLowercase {
		key = "innererror"
	}
	if len(g.Inner) > 0 {
		inner["code"] = g.Inner[0]
		cur := inner
		for _, c := range g.Inner[1:] {
			next := map[string]any{"code": c}
			cur[key] = next
			cur = next
		}
	}
	body := map[string]any{"error": map[string]any{"code": g.Code, "message": g.Message, key: inner}}
	writeJSON(w, g.Status, body)
}

// writeJSON writes v as Graph-flavoured JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode: "+err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", odataJSON)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
