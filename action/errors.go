package action

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/httpapi"
	"github.com/drivewayhq/driveway/microsoft"
)

// Reasons finer than the domain codes, in Error.Reason.
const (
	ReasonQuota          = "quota_exceeded"  // the drive is full (Graph 507)
	ReasonResync         = "resync_required" // a LIST_CHANGES cursor expired: start again without one
	ReasonPrecondition   = "precondition"    // an eTag did not match (Graph 412)
	ReasonCredential     = "credential"      // the user's connection is not valid: reconnect
	ReasonUpstreamFailed = "upstream"        // Graph failed (5xx) or could not be reached
)

// Error is a failed action as callers see it. Err is the *driveway.Error
// (code and caller-safe message); Reason refines it; RetryAfter is set
// for throttling. errors.As finds the *driveway.Error through Unwrap.
type Error struct {
	Err        *driveway.Error
	Reason     string
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the domain error.
func (e *Error) Unwrap() error { return e.Err }

// Status is the HTTP status the Actions API answers with: the domain
// table's, except 507 for a full drive.
func (e *Error) Status() int {
	if e.Reason == ReasonQuota {
		return http.StatusInsufficientStorage
	}
	return httpapi.StatusFor(e.Err.Code)
}

// Body is the JSON error body: the SDK's NestJS shape plus reason and
// retryAfter (seconds).
type Body struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
	Code       string `json:"code"`
	Reason     string `json:"reason,omitempty"`
	Field      string `json:"field,omitempty"`
	RetryAfter int    `json:"retryAfter,omitempty"`
}

// AsError turns any error of Run into an *Error (internal errors get a
// generic message; log the original).
func AsError(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	var de *driveway.Error
	if errors.As(err, &de) {
		return &Error{Err: de}
	}
	return &Error{Err: driveway.Errorf(driveway.EINTERNAL, "internal error")}
}

// ErrorBody returns the JSON error body of err.
func ErrorBody(err error) (int, Body) {
	ae := AsError(err)
	b := Body{StatusCode: ae.Status(), Message: ae.Err.Message, Code: ae.Err.Code, Reason: ae.Reason, Field: ae.Err.Field}
	if ae.RetryAfter > 0 {
		b.RetryAfter = int((ae.RetryAfter + time.Second - 1) / time.Second)
	}
	return b.StatusCode, b
}

// RetryAfterHeader is the Retry-After value for err, or "".
func RetryAfterHeader(err error) string {
	if ae := AsError(err); ae.RetryAfter > 0 {
		return strconv.Itoa(int((ae.RetryAfter + time.Second - 1) / time.Second))
	}
	return ""
}

// graphError maps an error of the drive client to an action error. what
// names the thing acted on ("file", "folder", "item") for messages.
func graphError(err error, what string) error {
	if err == nil {
		return nil
	}
	if d, ok := microsoft.IsThrottled(err); ok {
		return &Error{Err: driveway.Errorf(driveway.ETHROTTLED, "Microsoft Graph is throttling this account: retry later"), RetryAfter: d}
	}
	switch {
	case microsoft.IsNotFound(err):
		return &Error{Err: driveway.Errorf(driveway.ENOTFOUND, "the %s was not found", what)}
	case microsoft.IsConflict(err):
		return &Error{Err: driveway.Errorf(driveway.ECONFLICT, "an item with this name already exists")}
	case microsoft.IsQuota(err):
		return &Error{Err: driveway.Errorf(driveway.EFORBIDDEN, "the drive is full"), Reason: ReasonQuota}
	case microsoft.IsForbidden(err):
		return &Error{Err: driveway.Errorf(driveway.EFORBIDDEN, "access to the %s was denied", what)}
	case microsoft.IsResyncRequired(err):
		return &Error{Err: driveway.Invalid("cursor", "the cursor has expired: list the changes again without a cursor"), Reason: ReasonResync}
	case microsoft.IsPreconditionFailed(err):
		return &Error{Err: driveway.Errorf(driveway.ECONFLICT, "the %s has changed", what), Reason: ReasonPrecondition}
	case microsoft.IsUnauthorized(err):
		return &Error{Err: driveway.Errorf(driveway.EUNAUTHORIZED, "Microsoft refused the user's connection: the user must reconnect"), Reason: ReasonCredential}
	}
	var ce *microsoft.CopyFailedError
	if errors.As(err, &ce) {
		return &Error{Err: driveway.Errorf(driveway.ECONFLICT, "the copy failed (%s)", ce.ErrorCode)}
	}
	if ge := microsoft.AsGraphError(err); ge != nil {
		if ge.Status == http.StatusBadRequest {
			return &Error{Err: driveway.Errorf(driveway.EINVALID, "Microsoft Graph refused the request (%s)", ge.Code)}
		}
		return &Error{Err: driveway.Errorf(driveway.EUNAVAILABLE, "Microsoft Graph failed (%d %s)", ge.Status, ge.Code), Reason: ReasonUpstreamFailed}
	}
	var te *microsoft.TransportError
	if errors.As(err, &te) {
		return &Error{Err: driveway.Errorf(driveway.EUNAVAILABLE, "Microsoft Graph could not be reached"), Reason: ReasonUpstreamFailed}
	}
	return err
}
