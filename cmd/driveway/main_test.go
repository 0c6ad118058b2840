package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/usertoken"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// running is one `driveway` process run in-process.
type running struct {
	base   string
	stdout *syncBuffer
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan int
}

// start runs args until the server listens; the test stops it.
func start(t *testing.T, environ map[string]string, args ...string) *running {
	t.Helper()
	return startMain(t, &Main{Getenv: func(k string) string { return environ[k] }}, args...)
}

// startMain is start with m's own Getenv and TraceExporter.
func startMain(t *testing.T, m *Main, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	ready := make(chan string, 1)
	m.Stdout, m.Stderr, m.Ready = r.stdout, r.stderr, func(base string) { ready <- base }
	go func() { r.done <- m.Run(ctx, args) }()
	select {
	case r.base = <-ready:
	case code := <-r.done:
		t.Fatalf("driveway %v exited with %d before listening:\n%s", args, code, r.stderr.String())
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatalf("driveway %v did not listen within a minute:\n%s", args, r.stderr.String())
	}
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels the run (as Ctrl-C does) and returns its exit status.
func (r *running) stop(t *testing.T) int {
	t.Helper()
	r.cancel()
	select {
	case code := <-r.done:
		r.done <- code
		return code
	case <-time.After(15 * time.Second):
		t.Fatal("driveway did not stop within 15 s of the signal")
		return -1
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDevCreatesProjectWritesDevJSONAndReusesIt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := start(t, nil, "dev", "--addr", "127.0.0.1:0", "--data-dir", dir)
	if status, body := get(t, r.base+"/dashboard/login"); status != 200 || !strings.Contains(body, "password") {
		t.Fatalf("dashboard login page: %d", status)
	}
	if status, _ := get(t, r.base+"/readyz"); status != 200 {
		t.Fatalf("readyz: %d", status)
	}
	if status, body := get(t, r.base+"/metrics"); status != 200 || !strings.Contains(body, "driveway_http_requests_total") {
		t.Fatalf("dev serves /metrics openly: got %d", status)
	}
	var info map[string]string
	raw, err := os.ReadFile(filepath.Join(dir, "dev.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &info); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"publicUrl", "projectId", "apiKey", "adminPassword", "signingKeyFile"} {
		if info[k] == "" {
			t.Errorf("dev.json has no %s", k)
		}
	}
	if !strings.Contains(r.stdout.String(), info["adminPassword"]) || !strings.Contains(r.stdout.String(), "/dashboard/") {
		t.Errorf("banner does not show the dashboard and password:\n%s", r.stdout.String())
	}
	for _, f := range []string{"dev.json", "secret.keys", "signing-key.pem"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v; want 0600", f, st.Mode().Perm(), err)
		}
	}
	// The API key works against the admin API.
	req, _ := http.NewRequest("GET", r.base+"/api/v1/projects/"+info["projectId"]+"/integrations/onedrive", nil)
	req.Header.Set("Authorization", "Bearer "+info["apiKey"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var settings map[string]any
	json.NewDecoder(resp.Body).Decode(&settings)
	resp.Body.Close()
	if resp.StatusCode != 200 || settings["configured"] != true || settings["clientId"] == "" {
		t.Fatalf("dev project's OneDrive settings: %d %v", resp.StatusCode, settings)
	}
	// The emulated demo user has files, reachable through the mounted emulator.
	emuBase := strings.Replace(info["publicUrl"], "127.0.0.1", "localhost", 1) + "/_ms/_emulator"
	statBody := strings.NewReader(`{"path":"/Documents/Contracts/Acme NDA.txt"}`)
	resp, err = http.Post(emuBase+"/users/"+info["demoUser"]+"/stat", "application/json", statBody)
	if err != nil {
		t.Fatal(err)
	}
	stat, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(stat), "Acme NDA.txt") {
		t.Errorf("the demo user's seeded file: %d %s", resp.StatusCode, stat)
	}
	checkDevSites(t, emuBase)
	// Ctrl-C stops it cleanly and quickly.
	stopped := time.Now()
	if code := r.stop(t); code != 0 {
		t.Fatalf("exit status %d:\n%s", code, r.stderr.String())
	}
	if d := time.Since(stopped); d > 10*time.Second {
		t.Errorf("stopping took %v", d)
	}
	// A second start reuses the data directory.
	r2 := start(t, nil, "dev", "--addr", "127.0.0.1:0", "--data-dir", dir)
	raw2, _ := os.ReadFile(filepath.Join(dir, "dev.json"))
	var info2 map[string]string
	json.Unmarshal(raw2, &info2)
	if info2["projectId"] != info["projectId"] || info2["apiKey"] != info["apiKey"] || info2["adminPassword"] != info["adminPassword"] {
		t.Fatalf("second start made a new project or keys: %v vs %v", info2, info)
	}
	r2.stop(t)
}

func TestTokenCommandSignsWithTheDevKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := start(t, nil, "dev", "--addr", "127.0.0.1:0", "--data-dir", dir)
	r.stop(t)
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	if code := m.Run(context.Background(), []string{"token", "--sub", "user-42", "--ttl", "10m", "--data-dir", dir}); code != 0 {
		t.Fatalf("token: exit %d: %s", code, errb.String())
	}
	info, err := readDevInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, _ := os.ReadFile(info.SigningKeyFile)
	key, err := usertoken.ParsePrivateKey(pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	pub := pubPEM(t, key)
	v := &usertoken.Verifier{Keys: func(context.Context, string) ([]*driveway.SigningKey, error) {
		return []*driveway.SigningKey{{ID: info.SigningKeyID, Alg: driveway.AlgES256, PublicKey: pub}}, nil
	}}
	got, err := v.Verify(context.Background(), info.ProjectID, strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatalf("the dev token does not verify: %v", err)
	}
	if got.Subject != "user-42" || time.Until(got.ExpiresAt) > 11*time.Minute {
		t.Fatalf("claims = %+v", got)
	}
}

func TestInvalidConfigurationStopsWithOneLineAndStatus2(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"DRIVEWAY_PUBLIC_URL": "ftp://x"}, nil, "DRIVEWAY_PUBLIC_URL"},
		{map[string]string{"DRIVEWAY_ADDR": "nonsense"}, nil, "DRIVEWAY_ADDR"},
		{map[string]string{"DRIVEWAY_LOG_LEVEL": "loud"}, nil, "DRIVEWAY_LOG_LEVEL"},
		{map[string]string{"DRIVEWAY_DATABASE_URL": "mysql://x"}, nil, "DRIVEWAY_DATABASE_URL"},
		{map[string]string{"DRIVEWAY_SHUTDOWN_TIMEOUT": "soon"}, nil, "DRIVEWAY_SHUTDOWN_TIMEOUT"},
		{map[string]string{"DRIVEWAY_SECRET_KEYS": "k1:short"}, nil, "DRIVEWAY_SECRET_KEYS"},
		{map[string]string{"DRIVEWAY_SECRET_KEYS_FILE": filepath.Join(dir, "missing")}, nil, "DRIVEWAY_SECRET_KEYS_FILE"},
		{map[string]string{}, nil, "DRIVEWAY_SECRET_KEYS"}, // serve requires a keyring
		{map[string]string{"DRIVEWAY_MICROSOFT_LOGIN_URL": "http://127.0.0.1:1"}, nil, "DRIVEWAY_MICROSOFT_GRAPH_URL"},
		{map[string]string{"DRIVEWAY_FILE_CHANGE_POLLING": "maybe"}, nil, "DRIVEWAY_FILE_CHANGE_POLLING"},
		{map[string]string{"DRIVEWAY_ALLOW_LOOPBACK": "sometimes"}, nil, "DRIVEWAY_ALLOW_LOOPBACK"},
		{map[string]string{"DRIVEWAY_FILE_CHANGE_SAFETY_INTERVAL": "1s"}, nil, "DRIVEWAY_FILE_CHANGE_SAFETY_INTERVAL"},
		{map[string]string{"DRIVEWAY_FILE_CHANGE_SAFETY_INTERVAL": "often"}, nil, "DRIVEWAY_FILE_CHANGE_SAFETY_INTERVAL"},
		{map[string]string{"DRIVEWAY_MICROSOFT_DOWNLOAD_HOSTS": "no-port"}, nil, "DRIVEWAY_MICROSOFT_DOWNLOAD_HOSTS"},
		{map[string]string{"DRIVEWAY_ADMIN_PASSWORD": "hunter2"}, nil, "DRIVEWAY_ADMIN_PASSWORD"},
		{map[string]string{"DRIVEWAY_TRUSTED_PROXIES": "10.0.0.0/8,lb.internal"}, nil, "DRIVEWAY_TRUSTED_PROXIES"},
		{map[string]string{"DRIVEWAY_BODY_TIMEOUT": "0s"}, nil, "DRIVEWAY_BODY_TIMEOUT"},
		{map[string]string{"DRIVEWAY_MAX_CONNECTIONS_PER_CLIENT": "0"}, nil, "DRIVEWAY_MAX_CONNECTIONS_PER_CLIENT"},
		{map[string]string{"DRIVEWAY_MAX_CONNECTIONS": "many"}, nil, "DRIVEWAY_MAX_CONNECTIONS"},
		{map[string]string{"DRIVEWAY_ALLOW_PRIVATE_DESTINATIONS": "10.0.0.0/8,169.254.169.254"}, nil, "DRIVEWAY_ALLOW_PRIVATE_DESTINATIONS"},
		{map[string]string{"DRIVEWAY_ALLOW_PRIVATE_DESTINATIONS": "localhost"}, nil, "DRIVEWAY_ALLOW_PRIVATE_DESTINATIONS"},
		{map[string]string{"DRIVEWAY_RUN_RETENTION": "forever"}, nil, "DRIVEWAY_RUN_RETENTION"},
		{map[string]string{"DRIVEWAY_EVENT_RETENTION": "1m"}, nil, "DRIVEWAY_EVENT_RETENTION"},
		{map[string]string{"DRIVEWAY_DELIVERY_RETENTION": "9999d"}, nil, "DRIVEWAY_DELIVERY_RETENTION"},
	}
	for _, c := range cases {
		env := map[string]string{"DRIVEWAY_DATA_DIR": dir}
		for k, v := range c.env {
			env[k] = v
		}
		var out, errb bytes.Buffer
		m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
		args := []string{"serve", "--addr", "127.0.0.1:0"}
		if env["DRIVEWAY_ADDR"] != "" {
			args = args[:1]
		}
		code := m.Run(context.Background(), append(args, c.args...))
		lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
		if code != 2 || len(lines) != 1 || !strings.Contains(lines[0], c.want) {
			t.Errorf("env %v: exit %d, stderr %q; want 2 and one line naming %s", c.env, code, errb.String(), c.want)
		}
		if strings.Contains(errb.String(), "short") && c.want == "DRIVEWAY_SECRET_KEYS" && c.env["DRIVEWAY_SECRET_KEYS"] != "" {
			t.Errorf("the error quotes key material: %q", errb.String())
		}
		if strings.Contains(errb.String(), "hunter2") {
			t.Errorf("the error quotes the admin password: %q", errb.String())
		}
	}
}

func TestServeRunsOnAKeyringAndMigratesAtStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := mustKey(t)
	r := start(t, map[string]string{"DRIVEWAY_SECRET_KEYS": key, "DRIVEWAY_DATA_DIR": dir, "DRIVEWAY_ADMIN_PASSWORD": "pw-0123456789"},
		"serve", "--addr", "127.0.0.1:0")
	if status, _ := get(t, r.base+"/readyz"); status != 200 {
		t.Fatalf("readyz: %d", status)
	}
	if status, _ := get(t, r.base+"/metrics"); status != 404 {
		t.Fatalf("metrics without a token or a listener of their own: %d, want 404 (not public)", status)
	}
	if status, _ := get(t, r.base+"/api/v1/projects"); status != 401 {
		t.Fatalf("admin API without a key: %d", status)
	}
	if code := r.stop(t); code != 0 {
		t.Fatalf("exit %d: %s", code, r.stderr.String())
	}
	if strings.Contains(r.stderr.String(), key[4:]) || strings.Contains(r.stderr.String(), "pw-0123456789") {
		t.Fatal("a secret reached the logs")
	}
}

func TestUnknownCommandAndVersion(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	if code := m.Run(context.Background(), []string{"frobnicate"}); code != 2 || !strings.Contains(errb.String(), "unknown command") {
		t.Fatalf("unknown command: %d %q", code, errb.String())
	}
	if code := m.Run(context.Background(), []string{"version"}); code != 0 || !strings.HasPrefix(out.String(), "driveway ") {
		t.Fatalf("version: %d %q", code, out.String())
	}
}

func TestEmulatorCommandServesAndPrintsHowToUseIt(t *testing.T) {
	t.Parallel()
	state := filepath.Join(t.TempDir(), "emu.json")
	r := start(t, nil, "emulator", "--addr", "127.0.0.1:0", "--state", state)
	out := r.stdout.String()
	for _, want := range []string{"Graph base URL:", "/common/oauth2/v2.0/authorize", "DRIVEWAY_MICROSOFT_GRAPH_URL="} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	base := strings.Replace(r.base, "127.0.0.1", "localhost", 1)
	if status, body := get(t, base+"/common/v2.0/.well-known/openid-configuration"); status != 200 || !strings.Contains(body, "token_endpoint") {
		t.Fatalf("discovery document: %d %s", status, body)
	}
	if status, _ := get(t, base+"/_emulator/state"); status != 200 {
		t.Fatalf("control API: %d", status)
	}
	if code := r.stop(t); code != 0 {
		t.Fatalf("exit %d: %s", code, r.stderr.String())
	}
	if _, err := os.Stat(state); err != nil {
		t.Fatalf("state file not saved on stop: %v", err)
	}
}

func TestEmulatorCommandOverTLS(t *testing.T) {
	t.Parallel()
	state := filepath.Join(t.TempDir(), "emu.json")
	r := start(t, nil, "emulator", "--addr", "127.0.0.1:0", "--state", state, "--tls")
	if !strings.HasPrefix(r.base, "https://") {
		t.Fatalf("base %q is not https", r.base)
	}
	pemBytes, err := os.ReadFile(state + ".cert.pem")
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("the written certificate does not parse")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(strings.Replace(r.base, "127.0.0.1", "localhost", 1) + "/common/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatalf("https with the written certificate: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("discovery over https: %d", resp.StatusCode)
	}
}

// checkDevSites asserts that dev seeded the demo tenant's SharePoint sites
// (emulator.SeedSites: four, one with two libraries) and the colleague's
// file shared with the demo user.
func checkDevSites(t *testing.T, emuBase string) {
	t.Helper()
	var sites struct {
		Sites []emulator.Site `json:"sites"`
	}
	resp, err := http.Get(emuBase + "/tenants/" + url.PathEscape(demoTenantOf(t, emuBase)) + "/sites")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&sites)
	resp.Body.Close()
	libraries := 0
	for _, s := range sites.Sites {
		libraries += len(s.DriveIDs)
	}
	if len(sites.Sites) != 4 || libraries != 5 {
		t.Errorf("dev seeded %d sites with %d libraries, want 4 with 5: %+v", len(sites.Sites), libraries, sites.Sites)
	}
	statBody := strings.NewReader(`{"path":"/Shared/Roadmap.md"}`)
	resp, err = http.Post(emuBase+"/users/megan@contoso.onmicrosoft.com/stat", "application/json", statBody)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("the colleague's shared file: %d", resp.StatusCode)
	}
}

// demoTenantOf is the id of the emulator's contoso.onmicrosoft.com tenant.
func demoTenantOf(t *testing.T, emuBase string) string {
	t.Helper()
	var st struct {
		Tenants []emulator.Tenant `json:"tenants"`
	}
	resp, err := http.Get(emuBase + "/state")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	for _, tn := range st.Tenants {
		if tn.Domain == "contoso.onmicrosoft.com" {
			return tn.ID
		}
	}
	t.Fatalf("no contoso tenant in %+v", st.Tenants)
	return ""
}
