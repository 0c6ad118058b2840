package httpapi

import (
	"net"
	"net/http"
	"strings"
)

// ServicePrefixes maps each service name the published Paragon SDK derives
// from one host (its getServiceUrl: https://{service}.{host}) to the path
// prefix Driveway serves that service under on its public host, the same
// mapping as the nine-URL ConnectSDK form in docs/connect.md. The SDK's
// CDN URL is the dashboard service too.
var ServicePrefixes = map[string]string{
	"connect":      "/connect",
	"dashboard":    "/dashboard",
	"passport":     "",
	"zeus":         "",
	"hermes":       "",
	"worker-proxy": "",
	"actionkit":    "",
}

// rootPaths are the SDK API paths every service host serves as they are:
// the portal framed from connect.{host} calls them relative to its page.
var rootPaths = []string{"/projects/", "/v2/projects/", "/oauth"}

// serviceHosts routes a request whose host is {service}.{publicHost} to the
// path the same handler answers on the public host: the service's prefix
// is put before the path, unless the path already carries it or is one of
// rootPaths. Other hosts pass unchanged. The request is changed in place,
// so access logs and metrics see the route that answered.
func serviceHosts(publicHost string, next http.Handler) http.Handler {
	publicHost = normalHost(publicHost)
	if publicHost == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if prefix, ok := serviceOf(normalHost(r.Host), publicHost); ok && prefix != "" {
			addPrefix(r, prefix)
		} else if prefix, ok := serviceOf(normalHost(r.Host), "localhost"); ok && prefix != "" && loopback(publicHost) {
			addPrefix(r, prefix)
		}
		next.ServeHTTP(w, r)
	})
}

// serviceOf returns the path prefix of host's service, when host is a
// known service's name under publicHost.
func serviceOf(host, publicHost string) (string, bool) {
	label, ok := strings.CutSuffix(host, "."+publicHost)
	if !ok || label == "" {
		return "", false
	}
	prefix, ok := ServicePrefixes[label]
	return prefix, ok
}

// addPrefix puts prefix before the request's path, unless it is there
// already or the path is one every host serves as it is.
func addPrefix(r *http.Request, prefix string) {
	p := r.URL.Path
	if p == prefix || strings.HasPrefix(p, prefix+"/") {
		return
	}
	for _, root := range rootPaths {
		if strings.HasPrefix(p, root) {
			return
		}
	}
	u := *r.URL
	u.Path = prefix + p
	if u.RawPath != "" {
		u.RawPath = prefix + u.RawPath
	}
	r.URL = &u
}

// loopback reports whether host is a loopback name or address: then
// {service}.localhost, which browsers resolve to loopback without DNS,
// names the services too (driveway dev).
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// normalHost is host without its port or a trailing dot, in lower case.
func normalHost(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.ToLower(strings.TrimSuffix(host, "."))
}
