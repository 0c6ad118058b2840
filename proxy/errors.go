package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/httpapi"
)

// credentialError is a credential that is not VALID: the proxy answers 401
// with its status and health reason, which makes the Connect SDK re-read
// /sdk/me and show the user must reconnect.
type credentialError struct {
	cred *driveway.Credential
	msg  string
}

func (e *credentialError) Error() string { return "credential not valid: " + e.msg }

// errorBody is the shape of the proxy's own errors. "error" is Graph's
// envelope (so Microsoft's Graph SDKs decode it); "statusCode", "message"
// and "code" are what the Connect SDK reads.
type errorBody struct {
	StatusCode int             `json:"statusCode"`
	Code       string          `json:"code"`
	Message    string          `json:"message"`
	Error      errorEnvelope   `json:"error"`
	Credential *credentialInfo `json:"credential,omitempty"`
}

type errorEnvelope struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

type credentialInfo struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// tooLarge is a $batch body over MaxBatchBody.
var errTooLarge = errors.New("request body too large")

// errorResponse builds the status, headers and body of err.
func errorResponse(err error) (int, http.Header, []byte) {
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Cache-Control": {"no-store"}}
	code := driveway.ErrorCode(err)
	b := errorBody{Code: code, Message: driveway.ErrorMessage(err)}
	var ce *credentialError
	var de *driveway.Error
	var te *throttleError
	switch {
	case errors.As(err, &ce):
		b.Code, b.Message = driveway.EUNAUTHORIZED, ce.msg
		b.Credential = &credentialInfo{ID: ce.cred.ID, Status: ce.cred.Status, Reason: ce.cred.HealthReason}
	case errors.As(err, &te):
		b.Code, b.Message = "TooManyRequests", "Microsoft Graph asked this tenant to wait; retry after Retry-After seconds"
		h.Set("Retry-After", strconv.Itoa(seconds(te.wait)))
		code = driveway.ETHROTTLED
	case errors.Is(err, errTooLarge):
		b.Code, b.Message, code = driveway.EINVALID, "the $batch body is too large", "too_large"
	case errors.As(err, &de):
		b.Error.Field = de.Field
		if de.Code == driveway.EUNAVAILABLE {
			h.Set("Retry-After", "2") // a restarting database or Graph unreachable: soon
		}
	}
	status := httpapi.StatusFor(code)
	switch {
	case ce != nil:
		status = http.StatusUnauthorized
	case code == "too_large":
		status = http.StatusRequestEntityTooLarge
	}
	b.StatusCode = status
	b.Error.Code, b.Error.Message = b.Code, b.Message
	raw, _ := json.Marshal(b)
	return status, h, raw
}

// writeError answers err; internal details go to the log only.
func (p *Proxy) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, h, body := errorResponse(err)
	if status >= 500 {
		p.logger().LogAttrs(r.Context(), slogLevel(status), "proxy: request failed", errAttr(err))
	}
	for k, v := range h {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// localResponse is err as an upstream response, for the round trip to
// return (a throttled tenant, a credential that died on refresh).
func localResponse(req *http.Request, err error) *http.Response {
	status, h, body := errorResponse(err)
	return &http.Response{StatusCode: status, Status: strconv.Itoa(status) + " " + http.StatusText(status),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h, Request: req,
		ContentLength: int64(len(body)), Body: io.NopCloser(bytes.NewReader(body))}
}

// upstreamError is the ReverseProxy's ErrorHandler: Graph unreachable or
// the body copy failed.
func (p *Proxy) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) || r.Context().Err() != nil {
		w.WriteHeader(499)
		return
	}
	p.logger().WarnContext(r.Context(), "proxy: upstream failed", errAttr(err))
	p.writeError(w, r, driveway.Errorf(driveway.EUNAVAILABLE, "Microsoft Graph could not be reached"))
}

// seconds rounds d up to whole seconds, at least 1.
func seconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}
