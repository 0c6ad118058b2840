package microsoft

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// GraphError is an error answer of Graph, decoded from its envelope
// ({"error":{"code","message","innerError"}}). Decide on Status and Code
// (compare codes case-insensitively with HasCode, or use the Is*
// predicates), never on Message.
type GraphError struct {
	Status int
	// Code is error.code, e.g. "itemNotFound" or "InvalidAuthenticationToken".
	Code string
	// InnerCodes are the codes of the nested inner errors, outermost first.
	InnerCodes []string
	// Message is Graph's developer text: for logs, never for users.
	Message   string
	RequestID string
	// RetryAfter is the Retry-After header of a 429, 503 or 509 answer
	// (zero when absent).
	RetryAfter time.Duration
	// Location is the Location header, when Graph sent one (a 410
	// resyncRequired may carry a fresh delta link there).
	Location string
}

func (e *GraphError) Error() string {
	return fmt.Sprintf("graph: %d %s (request %s)", e.Status, e.Code, e.RequestID)
}

// InnerCode returns the innermost inner error code, or "".
func (e *GraphError) InnerCode() string {
	if len(e.InnerCodes) == 0 {
		return ""
	}
	return e.InnerCodes[len(e.InnerCodes)-1]
}

// HasCode reports whether code is the error's code or one of its inner
// codes, compared case-insensitively.
func (e *GraphError) HasCode(code string) bool {
	if strings.EqualFold(e.Code, code) {
		return true
	}
	for _, c := range e.InnerCodes {
		if strings.EqualFold(c, code) {
			return true
		}
	}
	return false
}

// AsGraphError returns the *GraphError in err's chain, or nil.
func AsGraphError(err error) *GraphError {
	var ge *GraphError
	if errors.As(err, &ge) {
		return ge
	}
	return nil
}

// IsNotFound reports a 404 or an itemNotFound answer.
func IsNotFound(err error) bool {
	ge := AsGraphError(err)
	return ge != nil && (ge.Status == http.StatusNotFound || ge.HasCode("itemNotFound"))
}

// IsConflict reports a 409 or a nameAlreadyExists answer.
func IsConflict(err error) bool {
	ge := AsGraphError(err)
	return ge != nil && (ge.Status == http.StatusConflict || ge.HasCode("nameAlreadyExists"))
}

// IsPreconditionFailed reports a 412 (If-Match did not match).
func IsPreconditionFailed(err error) bool {
	ge := AsGraphError(err)
	return ge != nil && ge.Status == http.StatusPreconditionFailed
}

// IsThrottled reports a throttling answer (429, 503, 509, or the codes
// activityLimitReached / throttledRequest / TooManyRequests) and the
// Retry-After Graph asked for (zero when it sent none).
func IsThrottled(err error) (time.Duration, bool) {
	ge := AsGraphError(err)
	if ge == nil {
		return 0, false
	}
	if ge.throttled() {
		return ge.RetryAfter, true
	}
	return 0, false
}

func (e *GraphError) throttled() bool {
	switch e.Status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, 509:
		return true
	}
	return e.HasCode("activityLimitReached") || e.HasCode("throttledRequest") || e.HasCode("TooManyRequests")
}

// IsQuota reports that the drive is full (507 or quotaLimitReached).
func IsQuota(err error) bool {
	ge := AsGraphError(err)
	return ge != nil && (ge.Status == http.StatusInsufficientStorage || ge.HasCode("quotaLimitReached"))
}

// IsForbidden reports a 403 or accessDenied answer that is not throttling.
func IsForbidden(err error) bool {
	ge := AsGraphError(err)
	return ge != nil && !ge.throttled() && (ge.Status == http.StatusForbidden || ge.HasCode("accessDenied"))
}

// IsUnauthorized reports a 401 (the token was refused).
func IsUnauthorized(err error) bool {
	ge := AsGraphError(err)
	return ge != nil && ge.Status == http.StatusUnauthorized
}

// IsResyncRequired reports that a delta link is no longer valid (410, or
// the codes resyncRequired / syncStateNotFound): enumerate again without a
// token and reconcile.
func IsResyncRequired(err error) bool {
	ge := AsGraphError(err)
	return ge != nil && (ge.Status == http.StatusGone || ge.HasCode("resyncRequired") || ge.HasCode("syncStateNotFound"))
}

// decodeGraphError reads Graph's error envelope. The inner error key is
// spelled "innerError" by the gateway and "innererror" by OneDrive; both
// are read, and nested inner errors are walked.
func decodeGraphError(resp *http.Response, body []byte) *GraphError {
	e := &GraphError{Status: resp.StatusCode, RequestID: resp.Header.Get("request-id"),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After")), Location: resp.Header.Get("Location")}
	var env struct {
		Error map[string]json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || env.Error == nil {
		e.Code = http.StatusText(resp.StatusCode)
		return e
	}
	_ = json.Unmarshal(env.Error["code"], &e.Code)
	_ = json.Unmarshal(env.Error["message"], &e.Message)
	inner := innerOf(env.Error)
	for depth := 0; inner != nil && depth < 8; depth++ {
		var code, rid string
		_ = json.Unmarshal(inner["code"], &code)
		_ = json.Unmarshal(inner["request-id"], &rid)
		if code != "" {
			e.InnerCodes = append(e.InnerCodes, code)
		}
		if e.RequestID == "" {
			e.RequestID = rid
		}
		inner = innerOf(inner)
	}
	return e
}

func innerOf(m map[string]json.RawMessage) map[string]json.RawMessage {
	for k, raw := range m {
		if strings.EqualFold(k, "innerError") {
			var inner map[string]json.RawMessage
			if json.Unmarshal(raw, &inner) == nil {
				return inner
			}
		}
	}
	return nil
}

// parseRetryAfter reads a Retry-After header: delay-seconds (what Graph
// sends) or an HTTP date. Unparsable or absent gives zero.
func parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}
