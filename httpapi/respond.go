package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
)

// statusByCode is the one table from domain error codes to HTTP statuses.
var statusByCode = map[string]int{
	driveway.EINVALID:      http.StatusBadRequest,
	driveway.EUNAUTHORIZED: http.StatusUnauthorized,
	driveway.EFORBIDDEN:    http.StatusForbidden,
	driveway.ENOTFOUND:     http.StatusNotFound,
	driveway.ECONFLICT:     http.StatusConflict,
	driveway.ETHROTTLED:    http.StatusTooManyRequests,
	driveway.EUNAVAILABLE:  http.StatusServiceUnavailable,
	driveway.EINTERNAL:     http.StatusInternalServerError,
}

// StatusFor returns the HTTP status for a domain error code.
func StatusFor(code string) int {
	if s, ok := statusByCode[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

var errInternal = driveway.Errorf(driveway.EINTERNAL, "internal error")

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// writeError answers with the error's status and a body that holds only
// caller-safe text; internal errors are logged by the caller's middleware.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := driveway.ErrorCode(err)
	d := errorDetail{Code: code, Message: driveway.ErrorMessage(err), RequestID: RequestID(r.Context())}
	var de *driveway.Error
	if errors.As(err, &de) {
		d.Field = de.Field
	}
	writeJSON(w, StatusFor(code), errorBody{Error: d})
}

// maxBodyBytes bounds admin request bodies.
const maxBodyBytes = 1 << 20

// decodeJSON reads a JSON object into v: Content-Type must be JSON, the body
// at most maxBodyBytes, unknown fields are refused, and one value only.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return driveway.Invalid("Content-Type", "send the body as application/json")
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return driveway.Invalid("body", "the body must hold exactly one JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	var badTime *time.ParseError
	switch {
	case errors.As(err, &badTime):
		return driveway.Invalid("body", "a date is not in RFC 3339 form, like 2027-06-30T00:00:00Z")
	case errors.Is(err, io.EOF):
		return driveway.Invalid("body", "the body is empty; send a JSON object")
	case errors.As(err, &syn):
		return driveway.Invalid("body", "malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return driveway.Invalid(typ.Field, "wrong type: want %s", typ.Type.String())
	case errors.As(err, &tooBig):
		return driveway.Invalid("body", "the body is larger than %d bytes", tooBig.Limit)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return driveway.Invalid(f, "unknown field")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return driveway.Invalid("body", "the JSON ends early")
	}
	return driveway.Invalid("body", "the body is not valid JSON")
}
