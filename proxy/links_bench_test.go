package proxy_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/proxy"
)

// BenchmarkLinkRewrite measures what rewriting paging links costs: GET of
// a children page of 50 items (about 30 KB of JSON with an
// @odata.nextLink) through two proxies on one emulator, one rewriting
// links (the default) and one with MaxLinkRewrite < 0, interleaved, 16
// connections, 1,000 GETs per mode per round. Reported: req/s and p50 per
// mode, the throughput ratio (x-norewrite-throughput, target >= 0.9) and
// the added p50 (added-p50-us).
// Run: go test -run XXX -bench BenchmarkLinkRewrite -benchtime 5x -count 3 ./proxy
func BenchmarkLinkRewrite(b *testing.B) {
	bd := newBundle(b, bundleOpts{emu: emulator.Options{PageSize: 50}})
	for i := range 120 {
		_, err := bd.emu.WriteFile(bd.emuUser.ID, fmt.Sprintf("/many/file %03d.txt", i), []byte("x"))
		mustDo(b, "write file", err)
	}
	plain := &proxy.Proxy{Tokens: bd.tokens, Store: bd.store, Resolver: bd.proxy.Resolver, MaxLinkRewrite: -1,
		DownloadHosts: bd.proxy.DownloadHosts, Logger: bd.proxy.Logger}
	plainFront := httptest.NewServer(withPrincipal(plain))
	b.Cleanup(plainFront.Close)
	b.Cleanup(plain.CloseIdleConnections)
	path := "/projects/" + projectID + "/sdk/proxy/onedrive/me/drive/root:/many:/children"
	modes := []struct{ name, url string }{{"rewrite", bd.front.URL + path}, {"norewrite", plainFront.URL + path}}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32, MaxConnsPerHost: 16}}
	lats := make([][]time.Duration, len(modes))
	busy := make([]time.Duration, len(modes))
	b.ResetTimer()
	for range b.N {
		for i, m := range modes {
			l, d := linkRound(b, client, m.url, 1000, 16)
			lats[i], busy[i] = append(lats[i], l...), busy[i]+d
		}
	}
	b.StopTimer()
	rps := make([]float64, len(modes))
	p50 := make([]time.Duration, len(modes))
	for i, m := range modes {
		sort.Slice(lats[i], func(x, y int) bool { return lats[i][x] < lats[i][y] })
		rps[i], p50[i] = float64(len(lats[i]))/busy[i].Seconds(), lats[i][len(lats[i])/2]
		b.ReportMetric(rps[i], m.name+"-req/s")
		b.ReportMetric(float64(p50[i])/float64(time.Microsecond), m.name+"-p50-us")
	}
	b.ReportMetric(rps[0]/rps[1], "x-norewrite-throughput")
	b.ReportMetric(float64(p50[0]-p50[1])/float64(time.Microsecond), "added-p50-us")
}

// linkRound sends n GETs with the user token from conns goroutines and
// returns their latencies and the wall time.
func linkRound(b *testing.B, client *http.Client, url string, n, conns int) ([]time.Duration, time.Duration) {
	work := make(chan struct{}, n)
	for range n {
		work <- struct{}{}
	}
	close(work)
	var mu sync.Mutex
	var wg sync.WaitGroup
	lats := make([]time.Duration, 0, n)
	start := time.Now()
	for range conns {
		wg.Go(func() {
			for range work {
				t0 := time.Now()
				req, _ := http.NewRequest("GET", url, nil)
				req.Header.Set("Authorization", "Bearer "+userToken)
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("GET %s: %d", url, resp.StatusCode)
					return
				}
				d := time.Since(t0)
				mu.Lock()
				lats = append(lats, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return lats, time.Since(start)
}
