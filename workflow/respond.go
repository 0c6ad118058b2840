package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/drivewayhq/driveway"
)

// statusFor maps error codes to HTTP statuses, as httpapi's table does
// (not imported: httpapi mounts this package's handler).
var statusFor = map[string]int{
	driveway.EINVALID:      http.StatusBadRequest,
	driveway.EUNAUTHORIZED: http.StatusUnauthorized,
	driveway.EFORBIDDEN:    http.StatusForbidden,
	driveway.ENOTFOUND:     http.StatusNotFound,
	driveway.ECONFLICT:     http.StatusConflict,
	driveway.ETHROTTLED:    http.StatusTooManyRequests,
	driveway.EUNAVAILABLE:  http.StatusServiceUnavailable,
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers with the error's status and caller-safe message.
func writeError(w http.ResponseWriter, err error) {
	code := driveway.ErrorCode(err)
	status, ok := statusFor[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	var field string
	var de *driveway.Error
	if errors.As(err, &de) {
		field = de.Field
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": driveway.ErrorMessage(err),
		"field": field}})
}

func errOr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

func contextWithTimeout(r *http.Request, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), d)
}
