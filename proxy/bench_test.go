package proxy_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/proxy"
)

// benchConns is the number of concurrent client connections.
const benchConns = 16

// roundRequests is how many GETs each mode serves per round.
const roundRequests = 2000

// BenchmarkProxy compares, side by side against one emulator, GET of a
// driveItem (a small JSON answer) sent directly to the emulator ("direct"),
// through a bare httputil.ReverseProxy that only adds a fixed
// Authorization header ("bare"), through the same bare proxy given a
// BufferPool as Driveway's has ("pooled"; the plain one allocates a 32 KiB
// copy buffer per request), and through Driveway's proxy ("driveway"), at
// 16 concurrent connections. Each of b.N rounds runs 2,000 GETs per mode,
// modes interleaved so that noise on a shared machine hits them alike.
// Reported: req/s and p50 per mode, driveway's throughput as a fraction of
// the bare proxy's (x-bare-throughput, target >= 0.85) and its added p50
// (added-p50-us, target <= 300), and the same against "pooled".
// Run: go test -run XXX -bench BenchmarkProxy -benchtime 10x ./proxy
func BenchmarkProxy(b *testing.B) {
	bd := newBundle(b, bundleOpts{})
	it, err := bd.emu.WriteFile(bd.emuUser.ID, "/bench.txt", []byte("bench"))
	mustDo(b, "write file", err)
	graphPath := "/v1.0/me/drive/items/" + it.ID
	target, _ := url.Parse(bd.emu.BaseURL)
	token := bd.cred.AccessToken
	bareProxy := func(pool httputil.BufferPool) *httptest.Server {
		s := httptest.NewServer(&httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target)
				pr.Out.Header.Set("Authorization", "Bearer "+token)
			},
			Transport:  proxy.NewTransport(),
			BufferPool: pool,
		})
		b.Cleanup(s.Close)
		return s
	}
	bare := bareProxy(nil)
	pooled := bareProxy(&benchPool{p: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}})
	modes := []struct{ name, url, auth string }{
		{"direct", bd.emu.BaseURL + graphPath, "Bearer " + token},
		{"bare", bare.URL + graphPath, ""},
		{"pooled", pooled.URL + graphPath, ""},
		{"driveway", bd.proxyURL(graphPath[len("/v1.0/"):]), "Bearer " + userToken},
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * benchConns, MaxConnsPerHost: benchConns}}
	lats := make([][]time.Duration, len(modes))
	busy := make([]time.Duration, len(modes))
	b.ResetTimer()
	for range b.N {
		for i, m := range modes {
			l, d := runRound(b, client, m.url, m.auth)
			lats[i], busy[i] = append(lats[i], l...), busy[i]+d
		}
	}
	b.StopTimer()
	rps := make([]float64, len(modes))
	p50 := make([]time.Duration, len(modes))
	for i, m := range modes {
		sort.Slice(lats[i], func(x, y int) bool { return lats[i][x] < lats[i][y] })
		rps[i] = float64(len(lats[i])) / busy[i].Seconds()
		p50[i] = lats[i][len(lats[i])/2]
		b.ReportMetric(rps[i], m.name+"-req/s")
		b.ReportMetric(micros(p50[i]), m.name+"-p50-us")
	}
	b.ReportMetric(rps[3]/rps[1], "x-bare-throughput")
	b.ReportMetric(micros(p50[3]-p50[1]), "added-p50-us")
	b.ReportMetric(rps[3]/rps[2], "x-pooled-throughput")
	b.ReportMetric(micros(p50[3]-p50[2]), "added-p50-vs-pooled-us")
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// runRound sends roundRequests GETs from benchConns goroutines and returns
// their latencies and the wall time taken.
func runRound(b *testing.B, client *http.Client, url, auth string) ([]time.Duration, time.Duration) {
	var next atomic.Int64
	var mu sync.Mutex
	lats := make([]time.Duration, 0, roundRequests)
	var wg sync.WaitGroup
	start := time.Now()
	for range benchConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, roundRequests/benchConns+1)
			for next.Add(1) <= roundRequests {
				t0 := time.Now()
				if err := get(client, url, auth); err != nil {
					b.Error(err)
					return
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return lats, time.Since(start)
}

func get(client *http.Client, url, auth string) error {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return err
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("GET %s: %d", url, resp.StatusCode)
	}
	return err
}

type benchPool struct{ p sync.Pool }

func (b *benchPool) Get() []byte  { return *(b.p.Get().(*[]byte)) }
func (b *benchPool) Put(v []byte) { b.p.Put(&v) }
