package action

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/drivewayhq/driveway"
)

// maxRequestBody bounds ONEDRIVE_REQUEST's response body kept in the
// output; a longer body is cut and marked truncated.
const maxRequestBody = 4 << 20

// RequestOutput is the output of ONEDRIVE_REQUEST.
type RequestOutput struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	// Body is the JSON answer decoded, else text; BodyBase64 holds a
	// binary answer.
	Body       any    `json:"body,omitempty"`
	BodyBase64 string `json:"bodyBase64,omitempty"`
	Truncated  bool   `json:"truncated,omitempty"`
}

func requestAction() *Action {
	return &Action{Name: "ONEDRIVE_REQUEST", Destructive: true,
		Description: "Call any Microsoft Graph API path with the user's OneDrive connection (the same rules as the Graph proxy: the path starts with me, drives, sites, users, groups, shares, subscriptions or $batch). The answer's status, headers and body come back; a non-2xx status is not an error of the action.",
		Input: object(map[string]any{
			"method":  enum("The HTTP method.", "GET", "POST", "PUT", "PATCH", "DELETE"),
			"path":    nonEmpty("The Graph path after /v1.0/, like me/drive/root/children."),
			"query":   Schema{"type": "object", "additionalProperties": Schema{"type": "string"}, "description": "Query parameters."},
			"headers": Schema{"type": "object", "additionalProperties": Schema{"type": "string"}, "description": "Request headers (Authorization is always Driveway's)."},
			"body":    Schema{"description": "The request body: JSON, or a string sent as is."},
		}, "method", "path"),
		Output: Schema{"type": "object", "required": []string{"status", "headers"}, "properties": map[string]any{
			"status":     Schema{"type": "integer"},
			"headers":    Schema{"type": "object", "additionalProperties": Schema{"type": "string"}},
			"body":       Schema{"description": "The JSON answer, decoded, or the text."},
			"bodyBase64": str("A binary answer, base64-encoded."),
			"truncated":  boolean("True when the body was longer than 4 MiB and was cut."),
		}},
		run: graphRequest}
}

// graphRequest runs the call through the proxy handler in-process.
func graphRequest(ctx context.Context, c *call) (any, error) {
	if c.ex.Proxy == nil {
		return nil, &Error{Err: driveway.Errorf(driveway.EUNAVAILABLE, "ONEDRIVE_REQUEST is not enabled on this server")}
	}
	path := strings.TrimPrefix(stringParam(c.params, "path"), "/")
	target := "/projects/" + url.PathEscape(c.sess.projectID) + "/sdk/proxy/onedrive/" + path
	if q, ok := c.params["query"].(map[string]any); ok && len(q) > 0 {
		v := url.Values{}
		for k, s := range q {
			v.Set(k, s.(string))
		}
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + v.Encode()
	}
	body, ctype, err := requestBody(c.params["body"])
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, stringParam(c.params, "method"), "http://driveway.internal"+target, body)
	if err != nil {
		return nil, &Error{Err: driveway.Invalid("path", "path is not a valid URL path")}
	}
	if h, ok := c.params["headers"].(map[string]any); ok {
		for k, v := range h {
			req.Header.Set(k, v.(string))
		}
	}
	if ctype != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", ctype)
	}
	req = req.WithContext(driveway.WithPrincipal(ctx, c.sess.principal))
	req.Header.Set(HeaderCredential, c.sess.credID)
	req.Header.Del("Authorization")
	rec := &capped{ResponseRecorder: httptest.NewRecorder(), max: maxRequestBody}
	c.ex.Proxy.ServeHTTP(rec, req)
	return requestOutput(rec), nil
}

func requestBody(v any) (io.Reader, string, error) {
	switch b := v.(type) {
	case nil:
		return nil, "", nil
	case string:
		return strings.NewReader(b), "", nil
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return nil, "", &Error{Err: driveway.Invalid("body", "body is not valid JSON")}
		}
		return bytes.NewReader(j), "application/json", nil
	}
}

func requestOutput(rec *capped) RequestOutput {
	res := rec.Result()
	out := RequestOutput{Status: res.StatusCode, Headers: map[string]string{}, Truncated: rec.truncated}
	for k := range res.Header {
		switch strings.ToLower(k) {
		case "content-type", "etag", "location", "retry-after", "request-id", "client-request-id", "content-range", "x-driveway-error":
			out.Headers[strings.ToLower(k)] = res.Header.Get(k)
		}
	}
	b := rec.Body.Bytes()
	if out.Status/100 == 3 {
		delete(out.Headers, "location") // a pre-authenticated URL: a secret
		b = nil
	}
	switch {
	case len(b) == 0:
	case strings.Contains(res.Header.Get("Content-Type"), "json") && !rec.truncated && json.Unmarshal(b, &out.Body) == nil:
	case utf8.Valid(b):
		out.Body = string(b)
	default:
		out.BodyBase64 = base64.StdEncoding.EncodeToString(b)
	}
	return out
}

// capped is a recorder that keeps at most max body bytes.
type capped struct {
	*httptest.ResponseRecorder
	max       int
	truncated bool
}

func (c *capped) Write(p []byte) (int, error) {
	room := c.max - c.Body.Len()
	if len(p) > room {
		c.truncated = true
		_, _ = c.ResponseRecorder.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return c.ResponseRecorder.Write(p)
}
