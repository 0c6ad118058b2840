package rclone

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
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
	pem, err := os.ReadFile(ic.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	proxyURL, _ := url.Parse("http://" + ic.Addr)
	c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL), TLSClientConfig: &tls.Config{RootCAs: pool}}}
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
	refused, served := ic.stats()
	if len(refused) != 1 || refused[0] != "CONNECT example.com:443" || served["graph.microsoft.com"] != 1 {
		t.Fatalf("refused %v, served %v", refused, served)
	}
}
