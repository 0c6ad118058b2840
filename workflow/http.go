package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/drivewayhq/driveway"
)

// HTTPRequest is the http_request step. Its input:
//
//	{"method": "POST", "url": "https://…", "query": {"k": "v"}, "headers": {"X-A": "b"},
//	 "json": any | "form": {"k": "v"} | "body": "raw text",
//	 "auth": {"bearer": "…"} | {"username": "…", "password": "…"},
//	 "idempotent": true}
//
// Its output: {"status": 200, "headers": {lower-case name: value}, "body":
// parsed JSON or text}. A status of 400 or more is an error (retried when
// the step has a retry policy). With "idempotent", the request carries an
// Idempotency-Key header that stays the same across retries and nodes.
type HTTPRequest struct {
	// Client sends the requests; it must check addresses (netguard.NewClient,
	// with its AllowHosts as the optional allowlist).
	Client *http.Client
	// MaxBody bounds the response body kept in the output. Default 1 MiB.
	MaxBody int64
}

// Run sends the request.
func (h *HTTPRequest) Run(ctx context.Context, c *Call) (any, error) {
	if h.Client == nil {
		return nil, driveway.Errorf(driveway.EUNAVAILABLE, "HTTP Request steps are not configured on this server")
	}
	req, err := h.build(ctx, c)
	if err != nil {
		return nil, err
	}
	resp, err := h.Client.Do(req)
	if err != nil {
		return nil, driveway.Errorf(driveway.EUNAVAILABLE, "request failed: %s", requestError(req, err))
	}
	defer resp.Body.Close()
	limit := h.MaxBody
	if limit <= 0 {
		limit = 1 << 20
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, driveway.Errorf(driveway.EUNAVAILABLE, "read response: %v", err)
	}
	if int64(len(raw)) > limit {
		return nil, driveway.Errorf(driveway.EINVALID, "response body larger than %d bytes", limit)
	}
	out := map[string]any{"status": resp.StatusCode, "headers": lowerHeaders(resp.Header), "body": decodeBody(raw)}
	if resp.StatusCode >= 400 {
		return out, fmt.Errorf("%s %s: status %d", req.Method, bareURL(req.URL), resp.StatusCode)
	}
	return out, nil
}

// requestError describes a failed request without the query strings of
// its URLs (the one asked for, or the redirect that failed), which often
// carry keys.
func requestError(req *http.Request, err error) string {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err.Error()
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		u = req.URL
	}
	return fmt.Sprintf("%s %s: %v", req.Method, bareURL(u), ue.Err)
}

// bareURL is u's scheme, host and path: no user, query or fragment.
func bareURL(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}).String()
}

func (h *HTTPRequest) build(ctx context.Context, c *Call) (*http.Request, error) {
	in := c.Input
	method := strings.ToUpper(str(in["method"]))
	if method == "" {
		method = http.MethodGet
	}
	u, err := url.Parse(str(in["url"]))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, driveway.Invalid("input.url", "must be an http or https URL")
	}
	q := u.Query()
	for k, v := range mapOf(in["query"]) {
		q.Set(k, text(v))
	}
	u.RawQuery = q.Encode()
	body, ctype, err := requestBody(in)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, driveway.Invalid("input", "bad request: %v", err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range mapOf(in["headers"]) {
		req.Header.Set(k, text(v))
	}
	auth := mapOf(in["auth"])
	if b := str(auth["bearer"]); b != "" {
		req.Header.Set("Authorization", "Bearer "+b)
	} else if user := str(auth["username"]); user != "" {
		req.SetBasicAuth(user, str(auth["password"]))
	}
	if in["idempotent"] == true {
		req.Header.Set("Idempotency-Key", c.IdempotencyKey)
	}
	return req, nil
}

func requestBody(in map[string]any) (io.Reader, string, error) {
	switch {
	case in["json"] != nil:
		b, err := json.Marshal(in["json"])
		if err != nil {
			return nil, "", driveway.Invalid("input.json", "not JSON: %v", err)
		}
		return bytes.NewReader(b), "application/json", nil
	case in["form"] != nil:
		f := url.Values{}
		for k, v := range mapOf(in["form"]) {
			f.Set(k, text(v))
		}
		return strings.NewReader(f.Encode()), "application/x-www-form-urlencoded", nil
	case in["body"] != nil:
		return strings.NewReader(text(in["body"])), "", nil
	}
	return nil, "", nil
}

func decodeBody(raw []byte) any {
	var v any
	if json.Unmarshal(raw, &v) == nil {
		return v
	}
	return string(raw)
}

func lowerHeaders(h http.Header) map[string]any {
	out := map[string]any{}
	for k, v := range h {
		out[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	return out
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// text writes a value as text: strings as is, others as JSON.
func text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}
