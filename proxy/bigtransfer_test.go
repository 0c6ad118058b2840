package proxy_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/proxy"
)

const gib = 1 << 30

// BenchmarkTransfer1GiB uploads 1 GiB through the proxy (a simple PUT) and
// downloads it back (Graph's 302 followed to the pre-authenticated host),
// and reports how much this process's resident memory grew at its peak
// (rss-growth-MiB, target < 64). The emulator runs in another process
// (e2e/cmd/proxyserver) so that its copy of the file is not counted.
// Opt-in, about a minute: DRIVEWAY_BENCH_1GIB=1 go test -run XXX -bench Transfer1GiB -benchtime 1x ./proxy
func BenchmarkTransfer1GiB(b *testing.B) {
	if os.Getenv("DRIVEWAY_BENCH_1GIB") == "" {
		b.Skip("set DRIVEWAY_BENCH_1GIB=1 to move 2 GiB through loopback (about a minute)")
	}
	info := startProxyServer(b, "-simple-upload-max", strconv.Itoa(2*gib))
	front := remoteProxy(b, info)
	url := front.URL + "/projects/" + projectID + "/sdk/proxy/onedrive/me/drive/root:/big.bin:/content"
	var sum [32]byte
	b.Run("upload", func(b *testing.B) {
		for range b.N {
			h := sha256.New()
			growth := peakRSSGrowth(b, func() {
				req, _ := http.NewRequest("PUT", url, io.TeeReader(io.LimitReader(newPattern(), gib), h))
				req.ContentLength = gib
				req.Header.Set("Authorization", "Bearer "+userToken)
				req.Header.Set("Content-Type", "application/octet-stream")
				resp, err := http.DefaultClient.Do(req)
				mustDo(b, "upload", err)
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					b.Fatalf("upload: %d %s", resp.StatusCode, body)
				}
			})
			copy(sum[:], h.Sum(nil))
			b.ReportMetric(float64(growth)/(1<<20), "rss-growth-MiB")
		}
		b.SetBytes(gib)
	})
	b.Run("download", func(b *testing.B) {
		for range b.N {
			h := sha256.New()
			growth := peakRSSGrowth(b, func() {
				req, _ := http.NewRequest("GET", url, nil)
				req.Header.Set("Authorization", "Bearer "+userToken)
				resp, err := http.DefaultClient.Do(req)
				mustDo(b, "download", err)
				n, err := io.Copy(h, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || n != gib {
					b.Fatalf("download: %d, %d bytes, %v", resp.StatusCode, n, err)
				}
			})
			if !bytes.Equal(h.Sum(nil), sum[:]) {
				b.Fatalf("downloaded bytes differ from the uploaded ones")
			}
			b.ReportMetric(float64(growth)/(1<<20), "rss-growth-MiB")
		}
		b.SetBytes(gib)
	})
}

// pattern is an endless deterministic byte stream (a 1 MiB random block,
// repeated).
type pattern struct {
	block []byte
	off   int
}

func newPattern() *pattern {
	r := rand.New(rand.NewPCG(1, 2))
	block := make([]byte, 1<<20)
	for i := range block {
		block[i] = byte(r.Uint32())
	}
	return &pattern{block: block}
}

func (p *pattern) Read(b []byte) (int, error) {
	n := copy(b, p.block[p.off:])
	p.off = (p.off + n) % len(p.block)
	return n, nil
}

// peakRSSGrowth runs fn while sampling VmRSS every 10 ms and returns the
// peak minus the value before.
func peakRSSGrowth(b *testing.B, fn func()) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	base := vmRSS(b)
	var peak atomic.Int64
	peak.Store(base)
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if v := vmRSS(b); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(done)
	<-sampled
	return peak.Load() - base
}

// vmRSS reads this process's resident set size from /proc/self/status.
func vmRSS(b *testing.B) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc/self/status: %v", err)
	}
	for line := range strings.Lines(string(raw)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// serverInfo is the line e2e/cmd/proxyserver prints.
type serverInfo struct {
	EmulatorURL, PreAuthURL, GraphToken, EmulatorUserID, DriveID string
	CAPEM                                                        string `json:"caPem"`
}

// startProxyServer builds and starts e2e/cmd/proxyserver and returns what
// it printed; it stops when the benchmark ends.
func startProxyServer(tb testing.TB, args ...string) serverInfo {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "proxyserver")
	build := exec.Command("go", "build", "-o", bin, "./e2e/cmd/proxyserver")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("build proxyserver: %v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	mustDo(tb, "start proxyserver", cmd.Start())
	tb.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cancel()
			<-done
		}
		cancel()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	mustDo(tb, "read proxyserver line", err)
	var info serverInfo
	mustDo(tb, "decode proxyserver line", json.Unmarshal([]byte(line), &info))
	return info
}

// remoteProxy is a Driveway proxy in this process, with its own store,
// for the emulator of a proxyserver process.
func remoteProxy(tb testing.TB, info serverInfo) *httptest.Server {
	tb.Helper()
	ctx := tb.Context()
	st := openStore(tb)
	mustDo(tb, "project", st.CreateProject(ctx, &driveway.Project{ID: projectID, Name: "bench"}))
	mustDo(tb, "integration", st.PutIntegration(ctx, &driveway.Integration{ProjectID: projectID, ClientID: "bench",
		Scopes: []string{"offline_access"}, Tenant: driveway.TenantCommon, Cloud: driveway.CloudGlobal, Enabled: true}))
	mustDo(tb, "user", st.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: projectID, ID: userID}))
	mustDo(tb, "credential", st.CreateCredential(ctx, &driveway.Credential{ID: "cred_bench", ProjectID: projectID, UserID: userID,
		Integration: driveway.IntegrationOneDrive, Status: driveway.CredentialValid, AccessToken: info.GraphToken,
		RefreshToken: "unused", AccessTokenExpiresAt: time.Now().Add(time.Hour), DriveID: info.DriveID}))
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(info.CAPEM))
	tr := proxy.NewTransport()
	tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	p := &proxy.Proxy{
		Transport:     tr,
		Tokens:        staticTokens{st},
		Store:         st,
		Resolver:      microsoft.Resolver{Override: &microsoft.Endpoints{Login: info.EmulatorURL, Graph: info.EmulatorURL}},
		DownloadHosts: []string{hostOf(tb, info.PreAuthURL)},
	}
	front := httptest.NewServer(withPrincipal(p))
	tb.Cleanup(front.Close)
	return front
}

// staticTokens hands out the stored token and cannot refresh.
type staticTokens struct{ store driveway.Store }

func (s staticTokens) AccessToken(ctx context.Context, pid, id string) (string, *driveway.Credential, error) {
	c, err := s.store.GetCredential(ctx, pid, id)
	if err != nil {
		return "", nil, err
	}
	return c.AccessToken, c, nil
}

func (s staticTokens) Invalidate(ctx context.Context, pid, id, _ string) (string, *driveway.Credential, error) {
	_, c, err := s.AccessToken(ctx, pid, id)
	return "", c, driveway.Errorf(driveway.EUNAVAILABLE, "no refresh in this benchmark: %v", err)
}
