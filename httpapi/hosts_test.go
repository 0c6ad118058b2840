package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/drivewayhq/driveway/httpapi"
)

// hostServer is a Server whose mounted handlers echo the path they were
// given, for publicHost.
func hostServer(t *testing.T, publicHost string) *httptest.Server {
	t.Helper()
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, r.URL.Path) })
	s := &httpapi.Server{PublicHost: publicHost, Mounts: map[string]http.Handler{
		"/connect/": echo, "/projects/": echo, "/v2/projects/": echo, "/dashboard/": echo, "/ui": echo,
	}}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// get sends path to srv (loopback) with the Host header host and returns
// the status and the path the handler saw.
func get(t *testing.T, srv *httptest.Server, host, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	req.Host = host
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return res.StatusCode, ""
	}
	return res.StatusCode, string(b)
}

// TestServiceHosts: {service}.{public host} reaches the routes that serve
// the service on the public host, as the published SDK's getServiceUrl
// names them; other host names do not.
func TestServiceHosts(t *testing.T) {
	t.Parallel()
	srv := hostServer(t, "driveway.example.com")
	for _, c := range []struct{ host, path, want string }{
		{"connect.driveway.example.com", "/ui", "/connect/ui"},
		{"CONNECT.Driveway.Example.com.:443", "/ui", "/connect/ui"},
		{"connect.driveway.example.com", "/", "/connect/"},
		{"connect.driveway.example.com", "/connect/assets/portal.js", "/connect/assets/portal.js"},
		{"connect.driveway.example.com", "/projects/p1/sdk/me", "/projects/p1/sdk/me"},
		{"connect.driveway.example.com", "/v2/projects/p1/sdk/actions/build-oauth", "/v2/projects/p1/sdk/actions/build-oauth"},
		{"zeus.driveway.example.com", "/projects/p1/sdk/me", "/projects/p1/sdk/me"},
		{"worker-proxy.driveway.example.com", "/projects/p1/sdk/proxy/onedrive/me", "/projects/p1/sdk/proxy/onedrive/me"},
		{"dashboard.driveway.example.com", "/integrations/onedrive.svg", "/dashboard/integrations/onedrive.svg"},
		{"driveway.example.com", "/connect/ui", "/connect/ui"},
		{"driveway.example.com", "/ui", "/ui"},
		// Not a service of the public host: nothing is rewritten.
		{"evil.driveway.example.com", "/ui", "/ui"},
		{"connect.evil.example.com", "/ui", "/ui"},
		{"x.connect.driveway.example.com", "/ui", "/ui"},
		{"connectdriveway.example.com", "/ui", "/ui"},
		{"connect.localhost", "/ui", "/ui"},
	} {
		if status, got := get(t, srv, c.host, c.path); got != c.want {
			t.Errorf("%s%s reached %q (%d), want %q", c.host, c.path, got, status, c.want)
		}
	}
}

// TestServiceHostsLocalhost: when the public host is loopback (driveway
// dev), {service}.localhost names the services, as browsers resolve it to
// loopback without DNS.
func TestServiceHostsLocalhost(t *testing.T) {
	t.Parallel()
	for _, public := range []string{"127.0.0.1", "localhost", "::1"} {
		srv := hostServer(t, public)
		if _, got := get(t, srv, "connect.localhost:8443", "/ui"); got != "/connect/ui" {
			t.Errorf("public host %s: connect.localhost/ui reached %q, want /connect/ui", public, got)
		}
	}
	srv := hostServer(t, "driveway.example.com")
	if _, got := get(t, srv, "connect.localhost", "/ui"); got != "/ui" {
		t.Errorf("public host driveway.example.com: connect.localhost/ui reached %q, want it unrouted", got)
	}
}
