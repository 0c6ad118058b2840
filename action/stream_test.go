package action_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/action"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// The streamed Save File test runs the emulator in a child process (this
// test binary, re-executed) so that this process's resident memory
// measures Driveway's side alone: the emulator keeps every byte in memory.

const childEnv = "DRIVEWAY_ACTION_EMULATOR_CHILD"

// big1GiBEnv opts into the 1 GiB case.
const big1GiBEnv = "DRIVEWAY_TEST_1GIB"

type childEmulator struct {
	BaseURL string `json:"baseURL"`
	Token   string `json:"token"`
}

// TestEmulatorChild is the child side: it serves an emulator until its
// stdin closes. Skipped unless TestStreamedSaveMemory started it.
func TestEmulatorChild(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("only runs as TestStreamedSaveMemory's emulator process")
	}
	s := emulator.StartTest(t, emulator.Options{AccessTokenLifetime: 24 * time.Hour})
	u, err := s.CreateUser(emulator.UserSpec{UPN: "stream@outlook.com"})
	must(t, "create user", err)
	app, err := s.CreateApp(emulator.AppSpec{Name: "stream"})
	must(t, "create app", err)
	tok, err := s.IssueAccessToken(u.ID, app.ClientID)
	must(t, "issue token", err)
	b, _ := json.Marshal(childEmulator{BaseURL: s.BaseURL, Token: tok})
	fmt.Printf("EMULATOR %s\n", b)
	_, _ = io.Copy(io.Discard, os.Stdin)
}

func startChild(t testing.TB) childEmulator {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestEmulatorChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	stdin, err := cmd.StdinPipe()
	must(t, "stdin", err)
	stdout, err := cmd.StdoutPipe()
	must(t, "stdout", err)
	cmd.Stderr = os.Stderr
	must(t, "start child", cmd.Start())
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "EMULATOR "); ok {
			var e childEmulator
			must(t, "decode child", json.Unmarshal([]byte(line), &e))
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return e
		}
	}
	t.Fatalf("the emulator process gave no address: %v", sc.Err())
	return childEmulator{}
}

// fixedTokens gives one token for every credential of the store.
type fixedTokens struct {
	store driveway.Store
	token string
}

func (f fixedTokens) AccessToken(ctx context.Context, pid, cid string) (string, *driveway.Credential, error) {
	c, err := f.store.GetCredential(ctx, pid, cid)
	return f.token, c, err
}

func (f fixedTokens) Invalidate(ctx context.Context, pid, cid, _ string) (string, *driveway.Credential, error) {
	return f.AccessToken(ctx, pid, cid)
}

// TestStreamedSaveMemory posts a multipart Save File of 64 MiB (and 1 GiB
// with DRIVEWAY_TEST_1GIB=1) to the Actions API, generated on the fly, and
// checks that this process's peak resident memory grows by less than
// 64 MiB: the part streams into an upload session. Not parallel: resident
// memory is the whole process's.
func TestStreamedSaveMemory(t *testing.T) {
	if raceDetector {
		t.Skip("resident memory under -race says nothing about streaming; make test measures it without -race")
	}
	sizes := []int64{64 << 20}
	if os.Getenv(big1GiBEnv) == "1" {
		sizes = append(sizes, 1<<30)
	}
	child := startChild(t)
	store := openStore(t)
	ctx := t.Context()
	must(t, "project", store.CreateProject(ctx, &driveway.Project{ID: projectID, Name: "stream"}))
	must(t, "integration", store.PutIntegration(ctx, &driveway.Integration{ProjectID: projectID, ClientID: "c", Tenant: driveway.TenantCommon,
		Cloud: driveway.CloudGlobal, Enabled: true}))
	must(t, "user", store.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: projectID, ID: "alice"}))
	must(t, "credential", store.CreateCredential(ctx, &driveway.Credential{ID: "cred_stream", ProjectID: projectID, UserID: "alice",
		Integration: driveway.IntegrationOneDrive, Status: driveway.CredentialValid, AccessToken: "x", RefreshToken: "x",
		AccessTokenExpiresAt: time.Now().Add(time.Hour)}))
	cat, err := action.NewCatalogue()
	must(t, "catalogue", err)
	ex := &action.Executor{Catalogue: cat, Store: store, Tokens: fixedTokens{store: store, token: child.Token},
		Resolver: microsoft.Resolver{Override: &microsoft.Endpoints{Login: child.BaseURL, Graph: child.BaseURL}}}
	mux := http.NewServeMux()
	for _, r := range ex.Routes() {
		mux.Handle(r.Pattern, withPrincipal(r.Handler))
	}
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	for _, size := range sizes {
		growth := peakGrowth(t, func() {
			body, ctype := multipartBody(t, fmt.Sprintf(`{"name":"big-%d.bin","size":%d}`, size, size), "big.bin", &pattern{left: size})
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, front.URL+"/projects/"+projectID+"/actions", body)
			req.Header.Set("Authorization", "Bearer user-token-alice")
			req.Header.Set("Content-Type", ctype)
			status, _, raw := do(t, req)
			var it action.Item
			if status != 200 || json.Unmarshal(raw, &it) != nil || it.Size != size {
				t.Fatalf("save %d bytes: %d %s", size, status, raw)
			}
		})
		t.Logf("%d MiB streamed: peak resident growth %.1f MiB", size>>20, float64(growth)/(1<<20))
		if growth >= 64<<20 {
			t.Fatalf("%d MiB: resident memory grew %d MiB, want < 64", size>>20, growth>>20)
		}
	}
}

// pattern yields left bytes of a repeating pattern without holding them.
type pattern struct {
	left int64
	n    byte
}

func (p *pattern) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), p.left))
	for i := range n {
		b[i] = p.n
		p.n = p.n*31 + 7
	}
	p.left -= int64(n)
	return n, nil
}

// peakGrowth returns the growth of this process's peak resident memory
// (VmHWM, reset first) over VmRSS before fn.
func peakGrowth(t *testing.T, fn func()) int64 {
	t.Helper()
	runtime.GC()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak resident memory (Linux only): %v", err)
	}
	before := procStatus("VmRSS")
	fn()
	return procStatus("VmHWM") - before
}

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
