package proxy_test

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/proxy"
)

// TestThrottlingStorm: 30% of Graph calls answered 429 with Retry-After 1,
// 2 or 3 s (one value per route, so the log tells which applied) for 20 s
// (the calls usually finish inside the storm), under 500
// proxied GETs from 32 workers. Every call succeeds or gets 429 with
// Retry-After, and the emulator's request log shows no call retried before
// its Retry-After had passed, and the proxy's own record shows no request
// sent for the tenant while a Retry-After ran.
func TestThrottlingStorm(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("the storm takes about 10 s")
	}
	tr := &timedTransport{base: proxy.NewTransport()}
	b := newBundle(t, bundleOpts{proxy: func(p *proxy.Proxy) { p.Transport = tr }})
	it, err := b.emu.WriteFile(b.emuUser.ID, "/a.txt", []byte("a"))
	mustDo(t, "write file", err)
	retryAfter := map[string]time.Duration{"graph.item": time.Second, "graph.children": 2 * time.Second, "graph.search": 3 * time.Second}
	for route, ra := range retryAfter {
		b.emu.AddFault(emulator.Fault{Route: route, Status: 429, RetryAfter: int(ra / time.Second), Fraction: 0.3})
	}
	window := time.AfterFunc(20*time.Second, b.emu.ClearFaults)
	defer window.Stop()

	paths := []string{"me/drive/items/" + it.ID, "me/drive/root/children", "me/drive/root/search(q='a')"}
	const calls, workers = 500, 32
	var next atomic.Int64
	var ok, throttled atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < calls; i = int(next.Add(1)) - 1 {
				resp, body := b.do(t, "GET", paths[i%3]+"?c="+strconv.Itoa(i), nil)
				switch ra, _ := strconv.Atoi(resp.Header.Get("Retry-After")); {
				case resp.StatusCode == 200:
					ok.Add(1)
				case resp.StatusCode == 429 && ra >= 1:
					throttled.Add(1)
				default:
					t.Errorf("call %d: %d Retry-After %q %s", i, resp.StatusCode, resp.Header.Get("Retry-After"), body)
				}
			}
		}()
	}
	wg.Wait()
	byCall := map[string][]emulator.RequestRecord{}
	upstream429 := 0
	for _, r := range b.emu.RequestLog() {
		q, _ := url.ParseQuery(r.Query)
		if c := q.Get("c"); c != "" {
			byCall[c] = append(byCall[c], r)
		}
		if r.Status == 429 {
			upstream429++
		}
	}
	retries, early := 0, 0
	for c, recs := range byCall {
		sort.Slice(recs, func(i, j int) bool { return recs[i].Time.Before(recs[j].Time) })
		for i := 1; i < len(recs); i++ {
			prev := recs[i-1]
			retries++
			if prev.Status != 429 {
				t.Errorf("call %s was repeated after a %d", c, prev.Status)
			}
			if gap := recs[i].Time.Sub(prev.Time); gap < retryAfter[prev.Route] {
				early++
				t.Errorf("call %s retried %v after a 429 with Retry-After %v", c, gap, retryAfter[prev.Route])
			}
		}
	}
	sentDuringWait := tr.sendsWhileHeld(5 * time.Millisecond)
	if sentDuringWait != 0 {
		t.Errorf("%d upstream requests were sent while the tenant was told to wait", sentDuringWait)
	}
	if ok.Load()+throttled.Load() != calls || upstream429 == 0 || ok.Load() == 0 {
		t.Fatalf("ok %d + throttled %d != %d, or no storm (upstream 429s %d)", ok.Load(), throttled.Load(), calls, upstream429)
	}
	t.Logf("storm: calls=%d ok=%d answered_429=%d upstream_429=%d retries=%d retried_early=%d sent_while_tenant_held=%d in_flight_during_retry_after=%d",
		calls, ok.Load(), throttled.Load(), upstream429, retries, early, sentDuringWait, b.emu.Counters().RequestsDuringRetryAfter)
}

// timedTransport records when each upstream request was sent and when
// each 429 came back with which Retry-After.
type timedTransport struct {
	base  http.RoundTripper
	mu    sync.Mutex
	sends []time.Time
	holds [][2]time.Time // [answer received, + Retry-After]
}

func (c *timedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.sends = append(c.sends, time.Now())
	c.mu.Unlock()
	resp, err := c.base.RoundTrip(r)
	if err == nil && resp.StatusCode == 429 {
		ra, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		now := time.Now()
		c.mu.Lock()
		c.holds = append(c.holds, [2]time.Time{now, now.Add(time.Duration(ra) * time.Second)})
		c.mu.Unlock()
	}
	return resp, err
}

// sendsWhileHeld counts requests sent inside a Retry-After window, more
// than slack after the 429 arrived (the slack covers a request admitted
// just before the 429 was seen).
func (c *timedTransport) sendsWhileHeld(slack time.Duration) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, s := range c.sends {
		for _, h := range c.holds {
			if s.After(h[0].Add(slack)) && s.Before(h[1]) {
				n++
				break
			}
		}
	}
	return n
}

// inflightTransport counts concurrent upstream round trips.
type inflightTransport struct {
	base      http.RoundTripper
	cur, peak atomic.Int64
}

func (c *inflightTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	n := c.cur.Add(1)
	defer c.cur.Add(-1)
	for p := c.peak.Load(); n > p && !c.peak.CompareAndSwap(p, n); p = c.peak.Load() {
	}
	return c.base.RoundTrip(r)
}

func TestPerCredentialConcurrencyBound(t *testing.T) {
	t.Parallel()
	tr := &inflightTransport{base: proxy.NewTransport()}
	b := newBundle(t, bundleOpts{proxy: func(p *proxy.Proxy) { p.MaxConcurrent, p.Transport = 2, tr }})
	b.emu.AddFault(emulator.Fault{Route: "graph.item", Delay: 30 * time.Millisecond})
	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, body := b.do(t, "GET", "me/drive", nil); resp.StatusCode != 200 {
				t.Errorf("get: %d %s", resp.StatusCode, body)
			}
		}()
	}
	wg.Wait()
	if got := tr.peak.Load(); got != 2 {
		t.Fatalf("peak concurrent Graph calls = %d, want 2 (MaxConcurrent)", got)
	}
}

// TestTenantWaitIsShared: after one user's call got 429 with a long
// Retry-After, another user of the same tenant is answered 429 with the
// remaining time, without a call to Graph.
func TestTenantWaitIsShared(t *testing.T) {
	t.Parallel()
	b := newBundle(t, bundleOpts{proxy: func(p *proxy.Proxy) { p.MaxRetryWait = time.Second }})
	b.emu.AddFault(emulator.Fault{Route: "graph", Status: 503, RetryAfter: 30, Count: 1})
	resp, _ := b.do(t, "GET", "me/drive", nil)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "30" {
		t.Fatalf("first call: %d Retry-After %q (want Graph's 503 with 30)", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	mustDo(t, "bob", b.store.UpsertConnectedUser(t.Context(), &driveway.ConnectedUser{ProjectID: projectID, ID: "bob"}))
	b.addCredential(t, "bob", driveway.CredentialValid, "") // same tenant as Alice's
	before := len(b.emu.RequestLog())
	resp, body := b.doAs(t, "bob", "GET", "me/drive/root/children", nil)
	ra, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != 429 || ra < 28 || ra > 30 || !strings.Contains(string(body), "TooManyRequests") {
		t.Fatalf("second call: %d Retry-After %d %s", resp.StatusCode, ra, body)
	}
	if after := len(b.emu.RequestLog()); after != before {
		t.Fatalf("%d Graph calls while the tenant was told to wait", after-before)
	}
}

func (c *timedTransport) CloseIdleConnections()    { closeIdle(c.base) }
func (c *inflightTransport) CloseIdleConnections() { closeIdle(c.base) }

func closeIdle(rt http.RoundTripper) {
	if c, ok := rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
