package rclone

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestInterceptorRoutesOnlyMicrosoftHosts checks the interceptor itself:
// a routed host reaches its target over TLS from the test CA, with headers
// rewritten; any other host is refused without being dialed.
func TestInterceptorRoutesOnlyMicrosoftHosts(t *testing.T) {
	t.Parallel()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Host+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
	}))
	defer backend.Close()
	target, _ := url.Parse(backend.URL + "/prefix")
	ic := startInterceptor(t, map[string]route{"graph.microsoft.com": {target: target,
		header: func(h http.Header) { h.Set("Authorization", "Bearer injected") }}})
	c := &http.Client{Transport: ic.confine(t, &http.Transport{})}
	resp, err := c.Get("https://graph.microsoft.com/v1.0/me")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := string(body); got != "graph.microsoft.com /prefix/v1.0/me Bearer injected" {
		t.Fatalf("routed request arrived as %q", got)
	}
	if _, err := c.Get("https://example.com/"); err == nil {
		t.Fatal("a request for example.com went through")
	}
	// The confined transport never dials a non-loopback address itself.
	if _, err := c.Get("http://192.0.2.1/"); err == nil || !strings.Contains(err.Error(), "non-loopback") {
		t.Fatalf("plain http to a non-loopback address: %v", err)
	}
	refused, served := ic.stats()
	if len(refused) != 1 || refused[0] != "CONNECT example.com:443" || served["graph.microsoft.com"] != 1 {
		t.Fatalf("refused %v, served %v", refused, served)
	}
}
