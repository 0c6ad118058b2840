package netguard_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/drivewayhq/driveway/netguard"
)

// These tests only ever connect to 127.0.0.1. Blocked addresses are
// refused before any socket is opened, and the fake resolver maps made-up
// names under .test to loopback, so no lookup leaves the machine.

// fakeResolver maps names to addresses and refuses every other name.
type fakeResolver map[string][]netip.Addr

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, fmt.Errorf("fake resolver: no such host %s", host)
}

// countingServer is an httptest server on 127.0.0.1 that counts requests.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func addrPort(t *testing.T, srv *httptest.Server) netip.AddrPort {
	t.Helper()
	return netip.MustParseAddrPort(strings.TrimPrefix(srv.URL, "http://"))
}

func wantBlocked(t *testing.T, err error, rng string) {
	t.Helper()
	var be *netguard.BlockedError
	if !errors.As(err, &be) {
		t.Fatalf("error = %v, want a *BlockedError", err)
	}
	if be.Range != rng {
		t.Fatalf("refused range = %q, want %q", be.Range, rng)
	}
}

func TestHostResolvingToLoopbackIsRefused(t *testing.T) {
	t.Parallel()
	srv, hits := countingServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "secret") })
	c := netguard.NewClient(netguard.Config{Resolver: fakeResolver{
		"files.example.test": {netip.MustParseAddr("127.0.0.1")},
	}})
	port := addrPort(t, srv).Port()
	_, err := c.Get(fmt.Sprintf("http://files.example.test:%d/", port))
	wantBlocked(t, err, "loopback")
	if !strings.Contains(err.Error(), "files.example.test") {
		t.Fatalf("error %q does not name the host", err)
	}
	_, err = c.Get(srv.URL) // the address literal itself
	wantBlocked(t, err, "loopback")
	if n := hits.Load(); n != 0 {
		t.Fatalf("the loopback server got %d requests, want 0", n)
	}
}

func TestRedirectToLoopbackIsRefused(t *testing.T) {
	t.Parallel()
	inner, innerHits := countingServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "internal") })
	outer, outerHits := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	// The outer server stands for a public host: exactly its address and
	// port are permitted, as a test-only exception.
	c := netguard.NewClient(netguard.Config{
		AllowAddrPorts: []netip.AddrPort{addrPort(t, outer)},
		Resolver: fakeResolver{
			"public.example.test":   {netip.MustParseAddr("127.0.0.1")},
			"internal.example.test": {netip.MustParseAddr("127.0.0.1")},
		},
	})
	for _, to := range []string{
		inner.URL + "/",
		fmt.Sprintf("http://internal.example.test:%d/", addrPort(t, inner).Port()),
	} {
		_, err := c.Get(outer.URL + "/?to=" + to)
		wantBlocked(t, err, "loopback")
	}
	if n := innerHits.Load(); n != 0 {
		t.Fatalf("the internal server got %d requests, want 0", n)
	}
	if n := outerHits.Load(); n != 2 {
		t.Fatalf("the permitted first hop got %d requests, want 2", n)
	}
}

func TestPermittedHopWorksAndLimitsHold(t *testing.T) {
	t.Parallel()
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/big":
			_, _ = w.Write(make([]byte, 2048)) // Content-Length: 2048
		case "/big-chunked":
			_, _ = w.Write(make([]byte, 1000))
			w.(http.Flusher).Flush() // no Content-Length: the limit trips while reading
			_, _ = w.Write(make([]byte, 1000))
		case "/scheme":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		default:
			_, _ = io.WriteString(w, "ok")
		}
	})
	c := netguard.NewClient(netguard.Config{AllowAddrPorts: []netip.AddrPort{addrPort(t, srv)},
		MaxRedirects: 3, MaxResponseBytes: 1024})
	resp, err := c.Get(srv.URL + "/")
	if err != nil {
		t.Fatalf("permitted fetch: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "ok" {
		t.Fatalf("body = %q, want ok", b)
	}
	if _, err := c.Get(srv.URL + "/loop"); !errors.Is(err, netguard.ErrTooManyRedirects) {
		t.Fatalf("redirect loop error = %v, want ErrTooManyRedirects", err)
	}
	if _, err := c.Get(srv.URL + "/scheme"); !errors.Is(err, netguard.ErrScheme) {
		t.Fatalf("file: redirect error = %v, want ErrScheme", err)
	}
	if _, err := c.Get(srv.URL + "/big"); !errors.Is(err, netguard.ErrResponseTooLarge) {
		t.Fatalf("big body error = %v, want ErrResponseTooLarge", err)
	}
	resp, err = c.Get(srv.URL + "/big-chunked")
	if err != nil {
		t.Fatalf("chunked: %v", err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, netguard.ErrResponseTooLarge) {
		t.Fatalf("chunked big body error = %v, want ErrResponseTooLarge", err)
	}
}

func TestAllowHosts(t *testing.T) {
	t.Parallel()
	srv, hits := countingServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	port := addrPort(t, srv).Port()
	c := netguard.NewClient(netguard.Config{
		AllowHosts:     []string{"*.files.example.test"},
		AllowAddrPorts: []netip.AddrPort{addrPort(t, srv)},
		Resolver: fakeResolver{
			"a.files.example.test": {netip.MustParseAddr("127.0.0.1")},
			"other.example.test":   {netip.MustParseAddr("127.0.0.1")},
		},
	})
	resp, err := c.Get(fmt.Sprintf("http://a.files.example.test:%d/", port))
	if err != nil {
		t.Fatalf("allowed host: %v", err)
	}
	resp.Body.Close()
	for _, host := range []string{"other.example.test", "files.example.test"} {
		_, err := c.Get(fmt.Sprintf("http://%s:%d/", host, port))
		if !errors.Is(err, netguard.ErrHostNotAllowed) {
			t.Fatalf("%s: error = %v, want ErrHostNotAllowed", host, err)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("server got %d requests, want 1", n)
	}
}

// TestDialerControlChecksTheConnectedAddress shows the second line of
// defence: the transport's dialer refuses a loopback address even when
// called directly.
func TestDialerControlChecksTheConnectedAddress(t *testing.T) {
	t.Parallel()
	srv, hits := countingServer(t, func(w http.ResponseWriter, r *http.Request) {})
	tr := netguard.NewTransport(netguard.Config{})
	_, err := tr.DialContext(t.Context(), "tcp", addrPort(t, srv).String())
	wantBlocked(t, err, "loopback")
	_, err = tr.DialContext(t.Context(), "tcp", "[::ffff:127.0.0.1]:80")
	wantBlocked(t, err, "loopback")
	if n := hits.Load(); n != 0 {
		t.Fatalf("server got %d requests, want 0", n)
	}
}
