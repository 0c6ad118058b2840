package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestVersionOfABuiltCheckout builds the binary from this checkout with
// plain `go build` (VCS stamping on, no -ldflags) and checks `driveway
// version` names a module version and the commit, not just "dev". Go
// stamps nothing in a git worktree (its .git is a file), so there the test
// builds a copy of the tree (tracked files and new ones not ignored) in a
// new repository tagged v0.9.1, and expects the tag too.
func TestVersionOfABuiltCheckout(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not on PATH: this test builds from a git checkout")
	}
	root := strings.TrimSpace(gitOut(t, "..", "rev-parse", "--show-toplevel"))
	dir, want := root, "driveway v"
	if fi, err := os.Stat(filepath.Join(root, ".git")); err != nil || !fi.IsDir() {
		dir, want = taggedCopy(t, root), "driveway v0.9.1 "
	}
	head := strings.TrimSpace(gitOut(t, dir, "rev-parse", "HEAD"))
	bin := filepath.Join(t.TempDir(), "driveway")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, "./cmd/driveway")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("driveway version: %v", err)
	}
	if !strings.HasPrefix(string(out), want) || !strings.Contains(string(out), "(revision "+head) {
		t.Fatalf("driveway version = %q, want %q... with revision %s", out, want, head)
	}
}

// taggedCopy copies root's files into a new repository with one commit
// tagged v0.9.1 and returns its directory.
func taggedCopy(t *testing.T, root string) string {
	t.Helper()
	dir := t.TempDir()
	files := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	files.Dir = root
	tar := exec.Command("sh", "-c", "xargs -0 tar -cf - | tar -xf - -C "+dir)
	tar.Dir = root
	tar.Stdin, _ = files.StdoutPipe()
	if err := files.Start(); err != nil {
		t.Fatal(err)
	}
	if out, err := tar.CombinedOutput(); err != nil {
		t.Fatalf("copy the tree: %v %s", err, out)
	}
	files.Wait()
	gitOut(t, dir, "init", "-q")
	gitOut(t, dir, "add", "-A")
	gitOut(t, dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "release")
	gitOut(t, dir, "tag", "v0.9.1")
	return dir
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v %s", args, err, out)
	}
	return string(out)
}

func TestDescribeBuild(t *testing.T) {
	t.Parallel()
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-11-02T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	for _, c := range []struct{ linked, want string }{
		{"dev", "v1.4.0 (revision 0123abcd (modified), committed 2026-11-02T10:00:00Z, go1.26.8)"},
		{"v2.0.0", "v2.0.0 (revision 0123abcd (modified), committed 2026-11-02T10:00:00Z, go1.26.8)"},
	} {
		if got := describeBuild(c.linked, info); got != c.want {
			t.Errorf("describeBuild(%q) = %q, want %q", c.linked, got, c.want)
		}
	}
	bare := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}
	if got := describeBuild("dev", bare); got != "dev (go1.26.8)" {
		t.Errorf("without VCS information: %q", got)
	}
}

// TestHealthcheckCommand asks a running server for /healthz through the
// address serve reads, then a port nobody listens on.
func TestHealthcheckCommand(t *testing.T) {
	t.Parallel()
	r := start(t, map[string]string{"DRIVEWAY_SECRET_KEYS": mustKey(t), "DRIVEWAY_DATA_DIR": t.TempDir()}, "serve", "--addr", "127.0.0.1:0")
	addr := strings.TrimPrefix(r.base, "http://")
	if code, _, errs := run(t, map[string]string{"DRIVEWAY_ADDR": addr}, "healthcheck"); code != 0 {
		t.Fatalf("healthcheck of a running server: %d %s", code, errs)
	}
	_, port, _ := strings.Cut(addr, ":")
	if code, _, errs := run(t, nil, "healthcheck", "--addr", "0.0.0.0:"+port); code != 0 {
		t.Fatalf("healthcheck through the unspecified address: %d %s", code, errs)
	}
	dead := "127.0.0.1:" + freePort(t)
	if code, _, errs := run(t, nil, "healthcheck", "--addr", dead); code != 1 || !strings.Contains(errs, "healthcheck") {
		t.Fatalf("healthcheck of nothing: %d %q", code, errs)
	}
}

// TestOperatorMetrics checks the series the alerts of
// deploy/prometheus/alerts.yaml need beyond the packages' own: Graph's
// throttling answers as the proxy saw them, and each project's client
// secret expiry.
func TestOperatorMetrics(t *testing.T) {
	t.Parallel()
	r, info, dir := startDev(t)
	d := newDevClient(t, r, info, dir, "metrics-user")
	d.connect()
	fault := `{"route":"graph","status":429,"retryAfter":1,"count":1}`
	if s, _, _ := d.do("POST", r.base+"/_ms/_emulator/faults", "", fault); s/100 != 2 {
		t.Fatalf("add an emulator fault: %d", s)
	}
	if s, body := d.user("GET", "/projects/"+info.ProjectID+"/sdk/proxy/onedrive/me/drive/root/children", ""); s != 200 {
		t.Fatalf("proxied call after one throttle: %d %.200s", s, body)
	}
	_, metrics := get(t, r.base+"/metrics")
	project := `project="` + info.ProjectID + `"`
	for _, series := range []string{`driveway_graph_responses_total{` + project + `,status="429"} 1`,
		`driveway_graph_responses_total{` + project + `,status="2xx"} `, `driveway_graph_throttle_wait_seconds_total{` + project + `} 1`} {
		if !strings.Contains(metrics, series) {
			t.Errorf("/metrics has no %s", series)
		}
	}
	line := `driveway_client_secret_expiry_timestamp_seconds{project="` + info.ProjectID + `"} `
	i := strings.Index(metrics, line)
	if i < 0 {
		t.Fatalf("/metrics has no %s", line)
	}
	v, _, _ := strings.Cut(metrics[i+len(line):], "\n")
	expiry, err := strconv.ParseFloat(v, 64)
	if err != nil || time.Unix(int64(expiry), 0).Before(time.Now()) {
		t.Fatalf("client secret expiry %q: %v (want a time ahead)", v, err)
	}
}
