package connect

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/httpapi"
)

// errorBody is the NestJS error shape the SDK's getErrorMessage reads,
// with Graph's envelope beside it ("error"), as the proxy answers: a
// Microsoft Graph SDK using Driveway as its base URL decodes an
// authentication failure like any Graph error.
type errorBody struct {
	StatusCode int           `json:"statusCode"`
	Message    string        `json:"message"`
	Code       string        `json:"code"`
	Field      string        `json:"field,omitempty"`
	RequestID  string        `json:"requestId,omitempty"`
	Error      graphEnvelope `json:"error"`
}

type graphEnvelope struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// retryAfterUnavailable is the Retry-After of a 503 for a dependency that
// is down (the database restarting): soon, as a restart takes seconds.
const retryAfterUnavailable = "2"

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers err in the NestJS shape, with only caller-safe text.
// Internal errors are logged (without secrets: errors here never hold one).
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := driveway.ErrorCode(err)
	status := httpapi.StatusFor(code)
	if code == driveway.EINTERNAL || code == driveway.EUNAVAILABLE {
		h.logger().ErrorContext(r.Context(), "sdk request failed", "request_id", httpapi.RequestID(r.Context()),
			"route", r.Pattern, "err", err)
	}
	b := errorBody{StatusCode: status, Message: driveway.ErrorMessage(err), Code: code, RequestID: httpapi.RequestID(r.Context())}
	var de *driveway.Error
	if errors.As(err, &de) {
		b.Field = de.Field
	}
	if code == driveway.EUNAVAILABLE {
		w.Header().Set("Retry-After", retryAfterUnavailable)
	}
	b.Error = graphEnvelope{Code: b.Code, Message: b.Message}
	writeJSON(w, status, b)
}

func notFound(w http.ResponseWriter, r *http.Request) {
	msg := "no such route"
	writeJSON(w, http.StatusNotFound, errorBody{StatusCode: 404, Message: msg, Code: driveway.ENOTFOUND,
		RequestID: httpapi.RequestID(r.Context()), Error: graphEnvelope{Code: driveway.ENOTFOUND, Message: msg}})
}

// maxBody bounds SDK request bodies.
const maxBody = 256 << 10

// decodeJSON reads one JSON object into v. An empty body leaves v as is.
// Unknown fields are allowed: the SDK sends fields Driveway does not use.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return driveway.Invalid("Content-Type", "send the body as application/json")
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return driveway.Invalid("body", "the body is not a valid JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return driveway.Invalid("body", "the body must hold exactly one JSON value")
	}
	return nil
}
