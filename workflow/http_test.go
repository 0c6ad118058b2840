package workflow

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/drivewayhq/driveway/netguard"
)

// seenRequest is what the test server received.
type seenRequest struct {
	Method, Path, Query, Auth, ContentType, Idempotency, Custom, Body string
}

func httpServer(t *testing.T) (*httptest.Server, func() []seenRequest) {
	var mu sync.Mutex
	var seen []seenRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, seenRequest{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"),
			r.Header.Get("Content-Type"), r.Header.Get("Idempotency-Key"), r.Header.Get("X-Custom"), string(b)})
		mu.Unlock()
		if r.URL.Path == "/fail" {
			http.Error(w, "nope", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "path": r.URL.Path})
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seenRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]seenRequest(nil), seen...)
	}
}

func TestHTTPRequestStep(t *testing.T) {
	t.Parallel()
	srv, seen := httpServer(t)
	addr := netip.MustParseAddrPort(strings.TrimPrefix(srv.URL, "http://"))
	step := &HTTPRequest{Client: netguard.NewClient(netguard.Config{AllowAddrPorts: []netip.AddrPort{addr}})}
	ctx := context.Background()
	call := func(in map[string]any) (any, error) {
		return step.Run(ctx, &Call{RunID: "run_1", Key: "post", IdempotencyKey: "run_1/post", Input: in})
	}
	out, err := call(map[string]any{"method": "post", "url": srv.URL + "/items?a=1", "query": map[string]any{"b": "2"},
		"headers": map[string]any{"X-Custom": "yes"}, "json": map[string]any{"n": 1.0},
		"auth": map[string]any{"bearer": "tok"}, "idempotent": true})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	m := out.(map[string]any)
	if m["status"] != 200 || cmp.Diff(map[string]any{"ok": true, "path": "/items"}, m["body"]) != "" {
		t.Fatalf("output %v", out)
	}
	if _, err := call(map[string]any{"method": "PUT", "url": srv.URL + "/form", "form": map[string]any{"k": "v w"},
		"auth": map[string]any{"username": "u", "password": "p"}}); err != nil {
		t.Fatalf("form: %v", err)
	}
	if _, err := call(map[string]any{"method": "POST", "url": srv.URL + "/raw", "body": "plain",
		"headers": map[string]any{"Content-Type": "text/plain"}}); err != nil {
		t.Fatalf("raw: %v", err)
	}
	want := []seenRequest{
		{"POST", "/items", "a=1&b=2", "Bearer tok", "application/json", "run_1/post", "yes", `{"n":1}`},
		{"PUT", "/form", "", "Basic dTpw", "application/x-www-form-urlencoded", "", "", "k=v+w"},
		{"POST", "/raw", "", "", "text/plain", "", "", "plain"},
	}
	if diff := cmp.Diff(want, seen()); diff != "" {
		t.Fatalf("requests (-want +got):\n%s", diff)
	}
	if out, err := call(map[string]any{"url": srv.URL + "/fail"}); err == nil || out.(map[string]any)["status"] != 500 {
		t.Fatalf("a 500 answer: %v, %v; want an error with the status in the output", out, err)
	}
	// Without the test's exception, the loopback address is refused.
	guarded := &HTTPRequest{Client: netguard.NewClient(netguard.Config{})}
	_, err = guarded.Run(ctx, &Call{Input: map[string]any{"url": srv.URL + "/items"}})
	if err == nil || !strings.Contains(err.Error(), "request failed") {
		t.Fatalf("loopback through the guarded client: %v, want refused", err)
	}
	if _, err := call(map[string]any{"url": "file:///etc/passwd"}); err == nil {
		t.Fatalf("a file URL was accepted")
	}
	if len(seen()) != 4 {
		t.Fatalf("%d requests reached the server, want 4", len(seen()))
	}
}
