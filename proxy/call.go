package proxy

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/drivewayhq/driveway"
)

type callKey struct{}

// call is one proxied request, carried in the request context from
// ServeHTTP to the round trip.
type call struct {
	sess    *session
	target  *url.URL
	body    *replay // nil without a body or when it is too large to keep
	hasBody bool
	manual  bool // X-Driveway-Redirect: manual
}

func callFrom(r *http.Request) *call {
	c, _ := r.Context().Value(callKey{}).(*call)
	return c
}

// prepare checks the principal, the route, the credential and the path,
// and builds the call.
func (p *Proxy) prepare(r *http.Request) (*call, error) {
	pr := driveway.PrincipalFrom(r.Context())
	if pr == nil {
		return nil, driveway.Errorf(driveway.EUNAUTHORIZED, "a user token is required")
	}
	pidEsc, rest, ok := routeParts(r.URL.EscapedPath())
	if !ok {
		return nil, driveway.Errorf(driveway.ENOTFOUND, "no such route")
	}
	if pid, err := url.PathUnescape(pidEsc); err != nil || pid != pr.ProjectID {
		return nil, driveway.Errorf(driveway.EUNAUTHORIZED, "the user token is not valid for this project")
	}
	requested := r.Header.Get(HeaderCredential)
	if requested == "" {
		requested = r.Header.Get(HeaderParagonCredential)
	}
	s, err := p.session(r.Context(), pr, requested)
	if err != nil {
		return nil, err
	}
	target, err := buildTarget(rest, r.URL.RawQuery, s.base)
	if err != nil {
		return nil, err
	}
	c := &call{sess: s, target: target, manual: strings.EqualFold(r.Header.Get(HeaderRedirect), "manual")}
	if strings.HasSuffix(target.Path, "/v1.0/$batch") {
		if err := p.checkBatch(r, s.base); err != nil {
			return nil, err
		}
	}
	if strings.EqualFold(strings.TrimSpace(r.Header.Get("Content-Type")), "auto") {
		autoContentType(r)
	}
	c.hasBody = r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
	if c.hasBody && r.ContentLength <= p.maxReplay() {
		c.body = newReplay(r.Body, p.maxReplay())
	}
	return c, nil
}

// buildTarget returns {base}/v1.0/{cleaned path}?{query}: the host and
// scheme always come from base, never from the request.
func buildTarget(rest, rawQuery string, base *url.URL) (*url.URL, error) {
	path, full, err := fullGraphPath(rest, base)
	if err != nil {
		return nil, err
	}
	if !full {
		path = versionless(rest)
	}
	esc, dec, err := graphPath(path)
	if err != nil {
		return nil, err
	}
	q, err := cleanQuery(rawQuery)
	if err != nil {
		return nil, err
	}
	prefix := base.Path + "/v1.0/"
	return &url.URL{Scheme: base.Scheme, Host: base.Host, Path: prefix + dec, RawPath: prefix + esc, RawQuery: q}, nil
}

// versionless strips a leading "v1.0/": Microsoft's Graph SDKs append the
// version to their base URL, so with the proxy as their base they send
// /sdk/proxy/onedrive/v1.0/me/drive.
func versionless(rest string) string {
	if p, ok := strings.CutPrefix(strings.TrimPrefix(rest, "/"), "v1.0/"); ok {
		return p
	}
	return rest
}

// cleanQuery refuses control characters and drops a userToken parameter
// (the Connect SDK puts the user token in some query strings; it must not
// reach Microsoft).
func cleanQuery(raw string) (string, error) {
	for i := 0; i < len(raw); i++ {
		if raw[i] < 0x20 || raw[i] == 0x7f {
			return "", driveway.Invalid("query", "the query holds a control character")
		}
	}
	if !strings.Contains(strings.ToLower(raw), "usertoken") {
		return raw, nil
	}
	parts := strings.Split(raw, "&")
	kept := parts[:0]
	for _, kv := range parts {
		k, _, _ := strings.Cut(kv, "=")
		if ku, err := url.QueryUnescape(k); err == nil && strings.EqualFold(ku, "userToken") {
			continue
		}
		kept = append(kept, kv)
	}
	return strings.Join(kept, "&"), nil
}

// rewrite is the ReverseProxy's Rewrite: the fixed target, the inbound
// credentials and forwarding headers removed. The bearer token is set by
// the round trip, per attempt.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	c := callFrom(pr.In)
	pr.Out.URL = c.target
	pr.Out.Host = ""
	stripRequestHeaders(pr.Out.Header)
	if c.body != nil {
		pr.Out.Body = c.body.attempt()
	}
}

// stripRequestHeaders removes every inbound header that could carry a
// secret or steer the upstream: credentials, cookies, proxy and forwarding
// headers, host and method overrides, and Driveway's and Paragon's own.
// Keys are compared in canonical form, so a key the server left as sent
// ("x_forwarded_host", "AUTHORIZATION") is caught too.
func stripRequestHeaders(h http.Header) {
	for k := range h {
		if strippedHeader(http.CanonicalHeaderKey(strings.ReplaceAll(k, "_", "-"))) {
			delete(h, k)
		}
	}
}

func strippedHeader(k string) bool {
	switch k {
	case "Authorization", "Cookie", "Forwarded", "Origin", "Referer", "X-Real-Ip", "X-Host", "Host":
		return true
	}
	for _, prefix := range []string{"Proxy-", "X-Forwarded-", "X-Original-", "X-Rewrite-", "X-Http-Method",
		"X-Method-Override", "X-Driveway-", "X-Paragon-"} {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// modifyResponse removes upstream headers that are not the caller's
// business: cookies, CORS (Driveway sets its own), and authentication
// challenges.
func modifyResponse(resp *http.Response) error {
	h := resp.Header
	h.Del("Set-Cookie")
	h.Del("WWW-Authenticate")
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			delete(h, k)
		}
	}
	return nil
}
