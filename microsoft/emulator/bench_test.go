package emulator_test

// Benchmarks that tell later proxy benchmarks whether the emulator could be
// their bottleneck:
//
//   - BenchmarkItemGet: GET /v1.0/me/drive/items/{id} over loopback HTTP
//     against the emulator and, in the same loop, against a bare handler
//     returning the same bytes; the emulator/bare ratio is reported.
//   - BenchmarkItemGetParallel: the same two targets with concurrent
//     clients, in requests per second.
//   - BenchmarkItemGetHandler: the same comparison without the network
//     (ServeHTTP into a recorder), to isolate the emulator's own cost.
//   - BenchmarkDeltaFull100k: a full delta enumeration of a 100,000-item
//     drive, following @odata.nextLink with $top=1000, with allocations and
//     the heap the seeded drive holds.
//
// Run: go test ./conformance/emulatorbench -run '^$' -bench ItemGet -benchtime 5000x
// (the delta benchmark: -bench DeltaFull100k -benchtime 3x).
// items in the handler variant are counted by their "eTag" key.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// benchDrive is an emulator with one personal user signed in.
type benchDrive struct {
	srv    *emulator.Server
	user   string
	token  string
	client *http.Client
}

func newBenchDrive(b *testing.B, opts emulator.Options) *benchDrive {
	b.Helper()
	s := emulator.StartTest(b, opts)
	app, err := s.CreateApp(emulator.AppSpec{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	u, err := s.CreateUser(emulator.UserSpec{})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := s.IssueAccessToken(u.ID, app.ClientID, "Files.ReadWrite.All")
	if err != nil {
		b.Fatal(err)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	b.Cleanup(tr.CloseIdleConnections)
	return &benchDrive{srv: s, user: u.ID, token: tok, client: &http.Client{Transport: tr}}
}

// get performs an authorized GET and returns the body, failing on non-200.
func (d *benchDrive) get(b *testing.B, rawURL string) ([]byte, http.Header) {
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+d.token)
	res, err := d.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %s", rawURL, res.StatusCode, body)
	}
	return body, res.Header
}

// bareHandler answers every request with the given bytes and content type.
func bareHandler(body []byte, contentType string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	})
}

func (d *benchDrive) itemURL(b *testing.B) string {
	info, err := d.srv.WriteFile(d.user, "/bench/item.txt", []byte("hello, benchmark"))
	if err != nil {
		b.Fatal(err)
	}
	return d.srv.GraphURL() + "/me/drive/items/" + url.PathEscape(info.ID)
}

func BenchmarkItemGet(b *testing.B) {
	d := newBenchDrive(b, emulator.Options{})
	emuURL := d.itemURL(b)
	body, hdr := d.get(b, emuURL)
	bare := httptest.NewServer(bareHandler(body, hdr.Get("Content-Type")))
	b.Cleanup(bare.Close)

	var emuTime, bareTime time.Duration
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		d.get(b, emuURL)
		t1 := time.Now()
		d.get(b, bare.URL)
		bareTime += time.Since(t1)
		emuTime += t1.Sub(t0)
		n++
	}
	reportPair(b, emuTime, bareTime, n)
	b.ReportMetric(float64(len(body)), "body-bytes")
}

// BenchmarkItemGetParallel measures throughput with concurrent clients
// (GOMAXPROCS goroutines), emulator and bare handler as sub-benchmarks.
func BenchmarkItemGetParallel(b *testing.B) {
	d := newBenchDrive(b, emulator.Options{})
	emuURL := d.itemURL(b)
	body, hdr := d.get(b, emuURL)
	bare := httptest.NewServer(bareHandler(body, hdr.Get("Content-Type")))
	b.Cleanup(bare.Close)
	for _, target := range []struct{ name, url string }{{"emulator", emuURL}, {"bare", bare.URL}} {
		b.Run(target.name, func(b *testing.B) {
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					d.get(b, target.url)
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}

func BenchmarkItemGetHandler(b *testing.B) {
	d := newBenchDrive(b, emulator.Options{})
	emuURL := d.itemURL(b)
	body, hdr := d.get(b, emuURL)
	bare := bareHandler(body, hdr.Get("Content-Type"))

	serve := func(h http.Handler) {
		req := httptest.NewRequest(http.MethodGet, emuURL, nil)
		req.Header.Set("Authorization", "Bearer "+d.token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	var emuTime, bareTime time.Duration
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		serve(d.srv.Emulator)
		t1 := time.Now()
		serve(bare)
		bareTime += time.Since(t1)
		emuTime += t1.Sub(t0)
		n++
	}
	reportPair(b, emuTime, bareTime, n)
}

// reportPair reports per-request times of both servers and their ratio.
func reportPair(b *testing.B, emuTime, bareTime time.Duration, n int) {
	if n == 0 || bareTime == 0 {
		return
	}
	b.ReportMetric(float64(emuTime.Nanoseconds())/float64(n), "emulator-ns/req")
	b.ReportMetric(float64(bareTime.Nanoseconds())/float64(n), "bare-ns/req")
	b.ReportMetric(float64(emuTime)/float64(bareTime), "emulator/bare")
}

// deltaPage is what a client needs from a delta page.
type deltaPage struct {
	Value []struct {
		ID string `json:"id"`
	} `json:"value"`
	Next  string `json:"@odata.nextLink"`
	Delta string `json:"@odata.deltaLink"`
}

// enumerate follows a delta round to its deltaLink and counts the items.
func (d *benchDrive) enumerate(b *testing.B, first string) (items, pages int) {
	next := first
	for next != "" {
		body, _ := d.get(b, next)
		var p deltaPage
		if err := json.Unmarshal(body, &p); err != nil {
			b.Fatalf("decode delta page: %v", err)
		}
		items += len(p.Value)
		pages++
		next = p.Next
		if next == "" && p.Delta == "" {
			b.Fatal("delta round ended without a deltaLink")
		}
	}
	return items, pages
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func BenchmarkDeltaFull100k(b *testing.B) {
	const folders, perFolder = 100, 1000
	before := heapInUse()
	d := newBenchDrive(b, emulator.Options{})
	start := time.Now()
	for i := range folders {
		for j := range perFolder {
			if _, err := d.srv.WriteFile(d.user, fmt.Sprintf("/d%03d/f%04d.txt", i, j), []byte("x")); err != nil {
				b.Fatal(err)
			}
		}
	}
	seedTime := time.Since(start)
	held := heapInUse() - before

	first := d.srv.GraphURL() + "/me/drive/root/delta?$top=1000"
	report := func(b *testing.B, items, pages int) {
		if items < folders*perFolder {
			b.Fatalf("delta returned %d items, want at least %d", items, folders*perFolder)
		}
		b.ReportMetric(float64(items), "items")
		b.ReportMetric(float64(pages), "pages")
		b.ReportMetric(float64(held)/(1<<20), "seeded-heap-MiB")
		b.ReportMetric(seedTime.Seconds(), "seed-s")
	}
	// http: a client over loopback decoding every item, as a sync engine would.
	b.Run("http", func(b *testing.B) {
		var items, pages int
		b.ReportAllocs()
		for b.Loop() {
			items, pages = d.enumerate(b, first)
		}
		report(b, items, pages)
	})
	// handler: ServeHTTP into a recorder, reading only the links, so time and
	// allocations are mostly the emulator's own.
	b.Run("handler", func(b *testing.B) {
		var items, pages int
		b.ReportAllocs()
		for b.Loop() {
			items, pages = d.enumerateHandler(b, first)
		}
		report(b, items, pages)
	})
}

// enumerateHandler is enumerate through ServeHTTP, decoding only the links
// and counting items by their "id" key.
func (d *benchDrive) enumerateHandler(b *testing.B, first string) (items, pages int) {
	next := first
	for next != "" {
		req := httptest.NewRequest(http.MethodGet, next, nil)
		req.Header.Set("Authorization", "Bearer "+d.token)
		rec := httptest.NewRecorder()
		d.srv.Emulator.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("delta page: %d %s", rec.Code, rec.Body)
		}
		var p struct {
			Next  string `json:"@odata.nextLink"`
			Delta string `json:"@odata.deltaLink"`
		}
		body := rec.Body.Bytes()
		if err := json.Unmarshal(body, &p); err != nil {
			b.Fatalf("decode delta page: %v", err)
		}
		items += bytes.Count(body, []byte(`"eTag":`))
		pages++
		next = p.Next
		if next == "" && p.Delta == "" {
			b.Fatal("delta round ended without a deltaLink")
		}
	}
	return items, pages
}
