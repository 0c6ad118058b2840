package emulator

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
)

// BenchmarkItemGet measures GET item through the emulator's handler, beside
// a bare handler returning the same bytes, so proxy benchmarks can tell the
// emulator is not their bottleneck.
func BenchmarkItemGet(b *testing.B) {
	e := New(Options{})
	defer e.Close()
	u, _ := e.CreateUser(UserSpec{UPN: "bench@outlook.com"})
	app, _ := e.CreateApp(AppSpec{Name: "bench"})
	info, _ := e.WriteFile(u.ID, "/bench/file.txt", []byte("hello"))
	tok, _ := e.IssueAccessToken(u.ID, app.ClientID, "Files.Read")
	path := "/v1.0/me/drive/items/" + info.ID
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	e.ServeHTTP(rec, req)
	body := rec.Body.Bytes()
	b.Run("emulator", func(b *testing.B) {
		for b.Loop() {
			w := httptest.NewRecorder()
			e.ServeHTTP(w, req)
			if w.Code != 200 {
				b.Fatal(w.Code)
			}
		}
	})
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", odataJSON)
		_, _ = w.Write(body)
	})
	b.Run("bare", func(b *testing.B) {
		for b.Loop() {
			bare.ServeHTTP(httptest.NewRecorder(), req)
		}
	})
	for name, h := range map[string]http.Handler{"emulator-http": e, "bare-http": bare} {
		b.Run(name, func(b *testing.B) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			r, _ := http.NewRequest("GET", srv.URL+path, nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			for b.Loop() {
				resp, err := srv.Client().Do(r)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}

// BenchmarkDelta100k enumerates a drive of 100,000 items through delta with
// $top=1000 and reports the heap in use after seeding.
func BenchmarkDelta100k(b *testing.B) {
	e := New(Options{})
	defer e.Close()
	u, _ := e.CreateUser(UserSpec{UPN: "bench@outlook.com"})
	app, _ := e.CreateApp(AppSpec{Name: "bench"})
	for i := range 100_000 {
		if _, err := e.WriteFile(u.ID, fmt.Sprintf("/d%03d/f%06d.txt", i%100, i), []byte("x")); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	tok, _ := e.IssueAccessToken(u.ID, app.ClientID, "Files.Read")
	srv := httptest.NewServer(e)
	defer srv.Close()
	for b.Loop() {
		next, n := srv.URL+"/v1.0/me/drive/root/delta?$top=1000", 0
		for next != "" {
			req, _ := http.NewRequest("GET", next, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var page struct {
				Value []struct {
					ID string `json:"id"`
				} `json:"value"`
				Next string `json:"@odata.nextLink"`
			}
			decode(b, resp.Body, &page)
			resp.Body.Close()
			n += len(page.Value)
			next = page.Next
			if next != "" {
				next = srv.URL + next[len("http://localhost"):]
			}
		}
		if n < 100_101 {
			b.Fatalf("delta returned %d items", n)
		}
	}
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "seededHeapMiB")
}

func decode(b *testing.B, r io.Reader, v any) {
	b.Helper()
	if err := jsonDecode(r, v); err != nil {
		b.Fatal(err)
	}
}
