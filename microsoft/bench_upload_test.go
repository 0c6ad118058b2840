package microsoft_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// The upload benchmark runs the emulator in a child process (this test
// binary, re-executed) so that the parent's resident memory measures the
// client alone: the emulator keeps every uploaded byte in memory.

const benchChildEnv = "DRIVEWAY_BENCH_EMULATOR_CHILD"

type benchEmulator struct {
	GraphURL string `json:"graphURL"`
	Token    string `json:"token"`
}

// TestBenchEmulatorChild is the child side: it serves an emulator until
// its stdin closes. Skipped unless the benchmark started it.
func TestBenchEmulatorChild(t *testing.T) {
	if os.Getenv(benchChildEnv) != "1" {
		t.Skip("only runs as the upload benchmark's emulator process")
	}
	s := emulator.StartTest(t, emulator.Options{})
	u, err := s.CreateUser(emulator.UserSpec{UPN: "bench@outlook.com"})
	if err != nil {
		t.Fatal(err)
	}
	app, err := s.CreateApp(emulator.AppSpec{Name: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.IssueAccessToken(u.ID, app.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(benchEmulator{GraphURL: s.GraphURL(), Token: tok})
	fmt.Printf("EMULATOR %s\n", b)
	_, _ = io.Copy(io.Discard, os.Stdin)
}

func startBenchEmulator(b *testing.B) benchEmulator {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchEmulatorChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), benchChildEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "EMULATOR "); ok {
			var e benchEmulator
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				b.Fatal(err)
			}
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return e
		}
	}
	b.Fatalf("the emulator process gave no address: %v", sc.Err())
	return benchEmulator{}
}

// patternSource is a size-byte io.ReaderAt of pseudo-random bytes that
// costs 64 KiB of memory whatever its size.
type patternSource struct {
	table []byte
	size  int64
}

func newPatternSource(size int64) *patternSource {
	t := make([]byte, 64<<10)
	r := rand.New(rand.NewPCG(42, 42))
	for i := range t {
		t[i] = byte(r.Uint32())
	}
	return &patternSource{table: t, size: size}
}

func (p *patternSource) ReadAt(b []byte, off int64) (int, error) {
	if off >= p.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(b) && off+int64(n) < p.size {
		i := int((off + int64(n)) % int64(len(p.table)))
		n += copy(b[n:min(len(b), n+int(p.size-off-int64(n)))], p.table[i:])
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// BenchmarkUploadSession uploads 256 MiB (and 1 GiB with
// DRIVEWAY_BENCH_1GIB=1) through DriveClient.Upload (ReaderAt),
// UploadStream (a reader), a loopback HTTP handler streaming its request
// body into UploadStream (the Save File shape) and, side by side, a bare
// PUT loop of the same fragments to the upload URL. It reports throughput, the client/direct ratio and the peak
// resident-memory growth of this process.
func BenchmarkUploadSession(b *testing.B) {
	sizes := []int64{256 << 20}
	if os.Getenv("DRIVEWAY_BENCH_1GIB") == "1" {
		sizes = append(sizes, 1<<30)
	}
	emu := startBenchEmulator(b)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.WriteBufferSize = 256 << 10 // fewer, larger writes for every variant alike
	hc := &http.Client{Transport: tr}
	c, err := microsoft.NewDriveClient(microsoft.DriveOptions{BaseURL: emu.GraphURL, HTTP: hc,
		Token: func(context.Context) (string, error) { return emu.Token, nil }})
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range sizes {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			src := newPatternSource(size)
			var client, stream, direct, handler time.Duration
			var growth, streamGrowth, handlerGrowth int64
			relay := relayServer(b, c)
			runs := []func(){
				func() {
					d, g := measure(b, func() error {
						_, err := c.Upload(b.Context(), microsoft.ByPath("/bench/file.bin"), src, size, nil)
						return err
					})
					client, growth = client+d, max(growth, g)
				},
				func() {
					d, g := measure(b, func() error {
						_, err := c.UploadStream(b.Context(), microsoft.ByPath("/bench/file.bin"), io.NewSectionReader(src, 0, size), size, nil)
						return err
					})
					stream, streamGrowth = stream+d, max(streamGrowth, g)
				},
				func() {
					d, _ := measure(b, func() error { return directUpload(b.Context(), c, hc, src, size) })
					direct += d
				},
				func() {
					d, g := measure(b, func() error { return handlerUpload(b.Context(), hc, relay, src, size) })
					handler, handlerGrowth = handler+d, max(handlerGrowth, g)
				},
			}
			// Every variant writes the same path, so the emulator holds one
			// copy of the file. Warm both processes up (heap, connections) with one untimed
			// direct upload, then rotate the order every round so that no
			// variant always runs first.
			if err := directUpload(b.Context(), c, hc, src, size); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			round := 0
			for b.Loop() {
				for i := range runs {
					runs[(i+round)%len(runs)]()
				}
				round++
			}
			mbps := func(d time.Duration) float64 { return float64(size) * float64(b.N) / d.Seconds() / (1 << 20) }
			b.ReportMetric(mbps(client), "client-MiB/s")
			b.ReportMetric(mbps(stream), "stream-MiB/s")
			b.ReportMetric(mbps(direct), "direct-MiB/s")
			b.ReportMetric(direct.Seconds()/client.Seconds(), "client/direct")
			b.ReportMetric(direct.Seconds()/stream.Seconds(), "stream/direct")
			b.ReportMetric(mbps(handler), "handler-MiB/s")
			b.ReportMetric(direct.Seconds()/handler.Seconds(), "handler/direct")
			b.ReportMetric(float64(handlerGrowth)/(1<<20), "handler-rss-growth-MiB")
			b.ReportMetric(float64(growth)/(1<<20), "client-rss-growth-MiB")
			b.ReportMetric(float64(streamGrowth)/(1<<20), "stream-rss-growth-MiB")
		})
	}
}

// relayServer is what a Save File action does with a large body: an HTTP
// handler that streams the request body into UploadStream.
func relayServer(b *testing.B, c *microsoft.DriveClient) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := c.UploadStream(r.Context(), microsoft.ByPath("/bench/file.bin"), r.Body, r.ContentLength, nil); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
		}
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

// handlerUpload POSTs size bytes of src to the relay server.
func handlerUpload(ctx context.Context, hc *http.Client, relay string, src io.ReaderAt, size int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, relay, io.NewSectionReader(src, 0, size))
	if err != nil {
		return err
	}
	req.ContentLength = size
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("relay: %d %s", resp.StatusCode, msg)
	}
	return nil
}

// directUpload is the baseline: one session, then a plain PUT loop of the
// same fragment size, no hashing, no buffering, no resume logic.
func directUpload(ctx context.Context, c *microsoft.DriveClient, hc *http.Client, src io.ReaderAt, size int64) error {
	s, err := c.CreateUploadSession(ctx, microsoft.ByPath("/bench/file.bin"), "", "")
	if err != nil {
		return err
	}
	const chunk = 32 * microsoft.FragmentUnit // the client's default
	for off := int64(0); off < size; off += chunk {
		n := min(chunk, size-off)
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, s.UploadURL, io.NewSectionReader(src, off, n))
		if err != nil {
			return err
		}
		req.ContentLength = n
		req.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", off, off+n-1, size))
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			return fmt.Errorf("direct fragment at %d: %d", off, resp.StatusCode)
		}
	}
	return nil
}

// measure runs fn and returns its duration and the growth of this
// process's peak resident memory (VmHWM, reset before) over VmRSS before.
func measure(b *testing.B, fn func() error) (time.Duration, int64) {
	b.Helper()
	runtime.GC()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM (Linux)
	before := procStatus("VmRSS")
	start := time.Now()
	if err := fn(); err != nil {
		b.Fatal(err)
	}
	d := time.Since(start)
	return d, procStatus("VmHWM") - before
}

// procStatus reads a kB field of /proc/self/status in bytes (0 elsewhere).
func procStatus(field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(data) {
		if rest, ok := bytes.CutPrefix(line, []byte(field+":")); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(string(rest)), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
