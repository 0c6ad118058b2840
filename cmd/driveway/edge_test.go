package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// serve's edge: /metrics behind its token, a body deadline on the
// unauthenticated notify endpoint, and a cap on one client's connections,
// all on the real server over loopback TCP.
func TestServeEdgeLimits(t *testing.T) {
	t.Parallel()
	r := start(t, map[string]string{"DRIVEWAY_SECRET_KEYS": mustKey(t), "DRIVEWAY_DATA_DIR": t.TempDir(),
		"DRIVEWAY_METRICS_TOKEN": "metrics-bearer-0123", "DRIVEWAY_BODY_TIMEOUT": "1s",
		"DRIVEWAY_MAX_CONNECTIONS_PER_CLIENT": "3"}, "serve", "--addr", "127.0.0.1:0")
	t.Run("metrics need the token", func(t *testing.T) {
		if status, _ := get(t, r.base+"/metrics"); status != http.StatusUnauthorized {
			t.Fatalf("metrics without the token: %d, want 401", status)
		}
		req, _ := http.NewRequest(http.MethodGet, r.base+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer metrics-bearer-0123")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("metrics with the token: %d, want 200", resp.StatusCode)
		}
	})
	t.Run("a slow notify body is cut off", func(t *testing.T) {
		const n = 40 // 40 bytes at 250 ms: 10 s, ten times the deadline
		sent, line := trickle(t, r.base, "/webhooks/microsoft/notify", n, 250*time.Millisecond)
		if sent >= n || strings.Contains(line, "202") {
			t.Fatalf("sent %d of %d bytes and got %q: the connection was not cut", sent, n, line)
		}
	})
	t.Run("one client's connections are capped", func(t *testing.T) {
		addr := strings.TrimPrefix(r.base, "http://")
		for range 3 {
			dialFrom(t, "127.0.0.21", addr)
		}
		c := dialFrom(t, "127.0.0.21", addr)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil || isTimeout(err) {
			t.Fatalf("a 4th connection of one client stayed open (read: %v)", err)
		}
		other := dialFrom(t, "127.0.0.22", addr)
		fmt.Fprintf(other, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		if line, _ := bufio.NewReader(other).ReadString('\n'); !strings.Contains(line, "200") {
			t.Fatalf("another client: %q, want 200", line)
		}
	})
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

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

// trickle sends a POST whose n-byte body comes one byte per gap, and
// returns how many bytes were sent when the server answered or closed, and
// the status line it answered ("" when it only closed).
func trickle(t *testing.T, base, path string, n int, gap time.Duration) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, n)
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
				continue
			}
			if _, err := c.Write([]byte(" ")); err != nil {
				return sent, <-answered
			}
			sent++
		}
	}
}

// Behind a proxy named in DRIVEWAY_TRUSTED_PROXIES, an attacker's wrong
// guesses lock out the attacker's forwarded address, not the operator's.
func TestServeLoginLimitTrustsOnlyConfiguredProxies(t *testing.T) {
	t.Parallel()
	const password = "operator-password-0123"
	r := start(t, map[string]string{"DRIVEWAY_SECRET_KEYS": mustKey(t), "DRIVEWAY_DATA_DIR": t.TempDir(),
		"DRIVEWAY_ADMIN_PASSWORD": password, "DRIVEWAY_TRUSTED_PROXIES": "127.0.0.1"}, "serve", "--addr", "127.0.0.1:0")
	for range 5 {
		if got := dashboardLogin(t, r.base, "guess", "203.0.113.9"); got != http.StatusUnauthorized {
			t.Fatalf("wrong guess: %d, want 401", got)
		}
	}
	if got := dashboardLogin(t, r.base, password, "203.0.113.9"); got != http.StatusTooManyRequests {
		t.Fatalf("the attacker's address after 5 guesses: %d, want 429", got)
	}
	if got := dashboardLogin(t, r.base, password, "198.51.100.7"); got != http.StatusSeeOther {
		t.Fatalf("the operator behind the same proxy: %d, want 303 (logged in)", got)
	}
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// dashboardLogin posts the login form as a browser behind a proxy that
// forwards for client, and returns the status.
func dashboardLogin(t *testing.T, base, password, client string) int {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, page := getWith(t, c, base+"/dashboard/login")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token on the login page")
	}
	form := url.Values{"password": {password}, "csrf_token": {m[1]}}
	req, _ := http.NewRequest(http.MethodPost, base+"/dashboard/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("X-Forwarded-For", client)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func getWith(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
