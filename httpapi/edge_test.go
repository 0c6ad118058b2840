package httpapi_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/httpapi"
)

// echoLen reads the whole body and answers its length, after waiting
// hold (a slow handler), and says whether its context was canceled.
func echoLen(hold time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read: "+err.Error(), http.StatusBadRequest)
			return
		}
		t := time.NewTimer(hold)
		defer t.Stop()
		select {
		case <-t.C:
			fmt.Fprintf(w, "%d", len(b))
		case <-r.Context().Done():
			http.Error(w, "canceled", http.StatusServiceUnavailable)
		}
	})
}

func edgeServer(t *testing.T, timeout time.Duration) *httptest.Server {
	s := &httpapi.Server{BodyTimeout: timeout,
		Streaming: func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/stream/") },
		Mounts:    map[string]http.Handler{"/slow": echoLen(0), "/stream/": echoLen(0), "/long": echoLen(3 * timeout)}}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// trickle sends a POST whose body of n bytes comes one byte per gap, on
// real TCP, and returns how many body bytes were sent when the server
// answered or closed, and the status line (or "" when it only closed).
func trickle(t *testing.T, base, path string, n int, gap time.Duration) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", path, n)
	answered := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(c).ReadString('\n')
		answered <- strings.TrimSpace(line)
	}()
	tick := time.NewTicker(gap)
	defer tick.Stop()
	for sent := 0; ; {
		select {
		case line := <-answered:
			return sent, line
		case <-tick.C:
			if sent == n {
				continue // all sent: wait for the answer
			}
			if _, err := c.Write([]byte("x")); err != nil {
				return sent, <-answered
			}
			sent++
		}
	}
}

// A client sending one byte at a time is cut off at the body deadline,
// long before its body is complete.
func TestBodyDeadlineCutsSlowClients(t *testing.T) {
	t.Parallel()
	srv := edgeServer(t, 300*time.Millisecond)
	const n = 60 // 60 bytes at 100 ms: 6 s, 20 times the deadline
	sent, line := trickle(t, srv.URL, "/slow", n, 100*time.Millisecond)
	if sent >= n || strings.Contains(line, "200") {
		t.Fatalf("the slow client sent %d of %d bytes and got %q: not cut off", sent, n, line)
	}
}

// Streaming requests (the proxy's uploads) keep no deadline; a handler
// that outlives the deadline after reading its body is not canceled.
func TestBodyDeadlineSparesStreamsAndLongHandlers(t *testing.T) {
	t.Parallel()
	srv := edgeServer(t, 300*time.Millisecond)
	if sent, line := trickle(t, srv.URL, "/stream/up", 10, 100*time.Millisecond); sent != 10 || !strings.Contains(line, "200") {
		t.Fatalf("streaming upload: sent %d of 10 bytes, answer %q; want all and 200", sent, line)
	}
	resp, err := http.Post(srv.URL+"/long", "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != 200 || string(b) != "5" {
		t.Fatalf("long handler: %d %q, want 200 \"5\" (its context was canceled?)", resp.StatusCode, b)
	}
}

// dialFrom opens a TCP connection from a loopback address of its own.
func dialFrom(t *testing.T, ip, addr string) net.Conn {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer reports whether the server closed c without answering.
func closedByServer(t *testing.T, c net.Conn) bool {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return err != nil
}

func getOn(t *testing.T, c net.Conn) string {
	t.Helper()
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line)
}

// One client holding its share of connections gets no more; another
// client is served, and a slot freed is taken again.
func TestLimitConnsPerClient(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: (&httpapi.Server{}).Handler(), ReadHeaderTimeout: time.Minute}
	go srv.Serve(httpapi.LimitConns(ln, 2, 1000, nil))
	t.Cleanup(func() { srv.Close() })
	addr := ln.Addr().String()
	held := []net.Conn{dialFrom(t, "127.0.0.9", addr), dialFrom(t, "127.0.0.9", addr)}
	if got := getOn(t, held[0]); !strings.Contains(got, "200") {
		t.Fatalf("first connection: %q", got)
	}
	if !closedByServer(t, dialFrom(t, "127.0.0.9", addr)) {
		t.Fatal("a third connection of one client stayed open")
	}
	if got := getOn(t, dialFrom(t, "127.0.0.10", addr)); !strings.Contains(got, "200") {
		t.Fatalf("another client: %q, want 200", got)
	}
	held[1].Close()
	servedAgain(t, "127.0.0.9", addr)
}

func TestMetricsBehindABearerToken(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer((&httpapi.Server{ServeMetrics: true, MetricsToken: "s3cret-metrics"}).Handler())
	t.Cleanup(srv.Close)
	for auth, want := range map[string]int{"": 401, "Bearer wrong": 401, "s3cret-metrics": 401, "Bearer s3cret-metrics": 200} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("Authorization %q: status %d, want %d", auth, resp.StatusCode, want)
		}
	}
}

// Past the total, a connection from any client is closed; one freed is
// taken again.
func TestLimitConnsTotal(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: (&httpapi.Server{}).Handler(), ReadHeaderTimeout: time.Minute}
	go srv.Serve(httpapi.LimitConns(ln, 10, 3, nil))
	t.Cleanup(func() { srv.Close() })
	addr := ln.Addr().String()
	var held []net.Conn
	for i := range 3 {
		held = append(held, dialFrom(t, fmt.Sprintf("127.0.0.%d", 31+i), addr))
	}
	if got := getOn(t, held[2]); !strings.Contains(got, "200") {
		t.Fatalf("third connection: %q", got)
	}
	if !closedByServer(t, dialFrom(t, "127.0.0.40", addr)) {
		t.Fatal("a connection past the total stayed open")
	}
	held[0].Close()
	servedAgain(t, "127.0.0.41", addr)
}

// servedAgain waits (up to 20 s: the server notices a close on its own
// time) until a connection from ip is served.
func servedAgain(t *testing.T, ip, addr string) {
	t.Helper()
	var got string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		if got = getOn(t, dialFrom(t, ip, addr)); strings.Contains(got, "200") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("after one connection closed: %q, want 200", got)
}
