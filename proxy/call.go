package proxy

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/httpapi"
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
	paragon bool // the published Paragon SDK's call: Graph errors carry their status
	links   *links
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
	httpapi.Annotate(r.Context(), "", "", s.credID)
	l := &links{graph: s.base, public: p.publicOrigin(r) + "/projects/" + pidEsc + "/sdk/proxy/" + driveway.IntegrationOneDrive + "/"}
	target, err := buildTarget(l.ownPath(rest), r.URL.RawQuery, s.base)
	if err != nil {
		return nil, err
	}
	c := &call{sess: s, target: target, links: l, manual: strings.EqualFold(r.Header.Get(HeaderRedirect), "manual"),
		paragon: r.Header.Get(HeaderParagonSDK) != ""}
	if isBatch(target, s.base) {
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

// buildTarget returns {base}/{version}/{cleaned path}?{query}: the host
// and scheme always come from base, never from the request, and the path is
// appended to base's, never resolved against it.
func buildTarget(rest, rawQuery string, base *url.URL) (*url.URL, error) {
	version, path, err := splitVersion(rest, base)
	if err != nil {
		return nil, err
	}
	esc, dec, err := graphPath(path)
	if err != nil {
		return nil, err
	}
	q, err := cleanQuery(rawQuery)
	if err != nil {
		return nil, err
	}
	prefix := base.Path + "/" + version + "/"
	return &url.URL{Scheme: base.Scheme, Host: base.Host, Path: prefix + dec, RawPath: prefix + esc, RawQuery: q}, nil
}

// isBatch reports whether target is Graph's $batch endpoint (any version).
func isBatch(target, base *url.URL) bool {
	rest := strings.TrimPrefix(target.Path, base.Path+"/")
	_, p, _ := strings.Cut(rest, "/")
	return p == "$batch"
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
	decodableEncodings(pr.Out.Header)
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
// business (cookies, CORS: Driveway sets its own, authentication
// challenges) and, on an answer of Graph itself, rewrites the links a
// client follows back to Graph so that they lead through the proxy.
func (p *Proxy) modifyResponse(resp *http.Response) error {
	h := resp.Header
	h.Del("Set-Cookie")
	h.Del("WWW-Authenticate")
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			delete(h, k)
		}
	}
	if resp.Request == nil {
		return nil
	}
	c := callFrom(resp.Request)
	if c == nil || resp.Request.URL.Host != c.sess.base.Host {
		return nil
	}
	if c.links != nil {
		err := c.links.rewriteResponse(resp, p.maxLinkRewrite())
		if errors.Is(err, errNotRewritten) {
			p.logger().LogAttrs(resp.Request.Context(), slog.LevelWarn, "proxy: "+err.Error(), slog.String("path", resp.Request.URL.Path))
		} else if err != nil {
			p.logger().WarnContext(resp.Request.Context(), "proxy: reading a graph answer to rewrite its links failed", errAttr(err))
			return err
		}
	}
	if c.paragon {
		addErrorStatus(resp)
	}
	return nil
}

// publicOrigin is PublicURL, else the scheme and Host of the request.
func (p *Proxy) publicOrigin(r *http.Request) string {
	if p.PublicURL != "" {
		return strings.TrimRight(p.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// decodableEncodings narrows Accept-Encoding to gzip (when the caller
// accepts it) so that a JSON answer can be decoded to rewrite its links.
func decodableEncodings(h http.Header) {
	ae := strings.ToLower(strings.Join(h.Values("Accept-Encoding"), ","))
	if ae == "" {
		return
	}
	if strings.Contains(ae, "gzip") {
		h.Set("Accept-Encoding", "gzip")
		return
	}
	h.Del("Accept-Encoding")
}
