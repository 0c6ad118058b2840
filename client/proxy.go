package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// ProxyRequest is one Microsoft Graph call sent through Driveway's proxy.
type ProxyRequest struct {
	// Method defaults to GET.
	Method string
	// Path is the Graph path after /v1.0, with each segment escaped as Graph
	// wants it, and an optional query: "/me/drive/root:/My%20File.txt:/content"
	// or "/me/drive/root/children?$top=50".
	Path string
	// Body is streamed to Graph; ContentLength is its size when known
	// (-1 or 0 with a Body: unknown, sent chunked).
	Body          io.Reader
	ContentLength int64
	// Header holds extra headers (Content-Type, Range, If-Match, Prefer...).
	Header http.Header
	// CredentialID picks one of the user's OneDrive accounts (header
	// X-Driveway-Credential); empty: the user's only one.
	CredentialID string
	// ManualRedirect returns Graph's 302 to a pre-authenticated download URL
	// instead of the file's bytes (header X-Driveway-Redirect: manual).
	ManualRedirect bool
}

// proxyHTTP has no overall timeout (downloads may be large; use ctx) and
// never follows redirects: a redirect is Graph's answer to the caller.
var proxyHTTP = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// Proxy calls Microsoft Graph through Driveway as the end user whose user
// token is given (see TokenSigner): {BaseURL}/projects/{projectID}/sdk/proxy/onedrive{Path}.
// The API key is not used. The answer is returned as it streams, whatever
// its status (Graph's own errors, and Driveway's: 401 for a credential
// that needs reconnecting, 404 when the user has none, 429 with
// Retry-After); the caller must close its Body. A download of
// /me/drive/items/{id}/content returns the file's bytes. The client is
// c.HTTP when set (it should not follow redirects), else one without a
// timeout: bound the call with ctx.
func (c *Client) Proxy(ctx context.Context, projectID, userToken string, r ProxyRequest) (*http.Response, error) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	path := r.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	u := c.BaseURL + "/projects/" + url.PathEscape(projectID) + "/sdk/proxy/onedrive" + path
	req, err := http.NewRequestWithContext(ctx, method, u, r.Body)
	if err != nil {
		return nil, fmt.Errorf("proxy request: %w", err)
	}
	if r.Body != nil && r.ContentLength != 0 {
		req.ContentLength = r.ContentLength
	}
	for k, v := range r.Header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+userToken)
	if r.CredentialID != "" {
		req.Header.Set("X-Driveway-Credential", r.CredentialID)
	}
	if r.ManualRedirect {
		req.Header.Set("X-Driveway-Redirect", "manual")
	}
	h := c.HTTP
	if h == nil {
		h = proxyHTTP
	}
	resp, err := h.Do(req)
	if err != nil {
		return nil, fmt.Errorf("proxy %s %s: %w", method, r.Path, err)
	}
	return resp, nil
}
