package driveway

import (
	"errors"
	"fmt"
)

// Error codes. The one table that maps them to HTTP statuses lives in httpapi.
const (
	EINVALID      = "invalid"      // the caller sent something malformed; Field names it
	EUNAUTHORIZED = "unauthorized" // missing or bad credentials (API key, user token, session)
	EFORBIDDEN    = "forbidden"    // authenticated, but not allowed
	ENOTFOUND     = "not_found"    // no such record, or it belongs to another project
	ECONFLICT     = "conflict"     // a uniqueness or compare-and-swap check failed
	ETHROTTLED    = "throttled"    // an upstream asked us to wait
	EUNAVAILABLE  = "unavailable"  // a dependency is down; try again later
	EINTERNAL     = "internal"     // a bug or an unexpected failure; details only in logs
)

// Error is a domain error. Message is safe to show to the caller: it never
// contains a secret or an internal detail.
type Error struct {
	Code    string
	Message string
	// Field names the input that was wrong, for EINVALID (for example
	// "clientSecrets[0].expiresAt").
	Field string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err: the *Error's message,
// or a generic text for anything else (whose details belong in logs only).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
