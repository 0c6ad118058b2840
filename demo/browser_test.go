package demo_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/drivewayhq/driveway/internal/browsertest"
)

// devServer is a `driveway dev` child process with the emulator's real
// account picker and consent page (no auto-consent).
type devServer struct {
	BaseURL, DemoUser, ProjectID, APIKey string
	// Logs is everything the server wrote to stdout and stderr so far.
	Logs *syncLog
}

// syncLog is a strings.Builder safe for the child's two writers.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// binDir holds the driveway binary built for this test process.
var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// driveway returns $DRIVEWAY_BIN, or builds ./cmd/driveway once per test
// process.
func driveway(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("DRIVEWAY_BIN"); bin != "" {
		return bin
	}
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "driveway-demo-test-"); buildErr != nil {
			return
		}
		builtBin = filepath.Join(binDir, "driveway")
		build := exec.Command("go", "build", "-o", builtBin, "./cmd/driveway")
		build.Dir = ".."
		if out, err := build.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/driveway: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// startDev runs `driveway dev` on 127.0.0.1:0 with a fresh data directory.
func startDev(t *testing.T) *devServer {
	t.Helper()
	bin := driveway(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	logs := &syncLog{}
	cmd := exec.Command(bin, "dev", "--addr", "127.0.0.1:0", "--data-dir", dataDir)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start driveway dev: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("driveway dev output:\n%s", logs.String())
		}
	})
	var info struct {
		PublicURL string `json:"publicUrl"`
		DemoUser  string `json:"demoUser"`
		ProjectID string `json:"projectId"`
		APIKey    string `json:"apiKey"`
	}
	waitFor(t, 60*time.Second, "dev.json and /healthz", func() bool {
		b, err := os.ReadFile(filepath.Join(dataDir, "dev.json"))
		if err != nil || json.Unmarshal(b, &info) != nil {
			return false
		}
		res, err := http.Get(info.PublicURL + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	res, err := http.Get(info.PublicURL + "/demo/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /demo/ on driveway dev: %s (cmd/driveway must mount demo.Handler at /demo/ in dev)", res.Status)
	}
	return &devServer{BaseURL: info.PublicURL, DemoUser: info.DemoUser, ProjectID: info.ProjectID, APIKey: info.APIKey, Logs: logs}
}

// waitFor polls cond every 50 ms until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// waitJS waits until the JavaScript expression is true in the page.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond))
}

// text evaluates a JavaScript expression that yields a string.
func text(ctx context.Context, t *testing.T, expr string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

// The demo app in headless Chromium: sign in, connect OneDrive through the
// emulator's account picker and consent page, list the root, open a
// folder, upload a file there, download it (same bytes), disconnect.
func TestBrowserDemo(t *testing.T) {
	t.Parallel()
	browsertest.Require(t)
	dev := startDev(t)
	ctx := browsertest.New(t, 120*time.Second)

	step(t, ctx, "sign in",
		chromedp.Navigate(dev.BaseURL+"/demo/"),
		waitJS(`document.body.dataset.ready === "true"`),
		chromedp.SetValue(chromedp.ID("user-id"), "browser-user"),
		chromedp.Click(chromedp.ID("sign-in")),
		waitJS(`document.getElementById("status").textContent === "Not connected"`),
	)
	if got := text(ctx, t, `document.getElementById("signed-in-as").textContent`); got != "browser-user" {
		t.Fatalf("signed in as %q", got)
	}

	connect(t, ctx, dev.DemoUser)
	step(t, ctx, "see the root listed",
		waitJS(`document.getElementById("status").textContent === "Connected"`),
		waitJS(`document.querySelector('#files tr[data-name="Documents"]') !== null`),
	)
	for _, name := range []string{"Pictures", "Welcome.txt"} {
		if text(ctx, t, fmt.Sprintf(`String(document.querySelector('#files tr[data-name=%q]') !== null)`, name)) != "true" {
			t.Fatalf("root listing lacks %s", name)
		}
	}

	step(t, ctx, "open the Documents folder",
		chromedp.Click(chromedp.CSS(`#files tr[data-name="Documents"] button.item`)),
		waitJS(`document.querySelector('#breadcrumb button[data-depth="1"]')?.textContent === "Documents"`),
		waitJS(`document.querySelector('#files tr[data-name="budget.csv"]') !== null`),
	)

	content := make([]byte, 300_000)
	if _, err := rand.Read(content); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "browser-upload.bin")
	if err := os.WriteFile(file, content, 0o600); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "upload a file into Documents",
		chromedp.SetUploadFiles(chromedp.ID("upload-input"), []string{file}),
		chromedp.Click(chromedp.ID("upload")),
		waitJS(`document.querySelector('#files tr[data-name="browser-upload.bin"]') !== null`),
	)
	step(t, ctx, "download it",
		chromedp.Click(chromedp.CSS(`#files tr[data-name="browser-upload.bin"] button.download`)),
		waitJS(`document.getElementById("download-result").dataset.name === "browser-upload.bin"`),
	)
	sum := sha256.Sum256(content)
	if got := text(ctx, t, `document.getElementById("download-result").dataset.sha256`); got != hex.EncodeToString(sum[:]) {
		t.Fatalf("downloaded SHA-256 %s, uploaded %x", got, sum)
	}
	if got := text(ctx, t, `document.getElementById("download-result").dataset.size`); got != fmt.Sprint(len(content)) {
		t.Fatalf("downloaded %s bytes, uploaded %d", got, len(content))
	}

	step(t, ctx, "disconnect",
		chromedp.Click(chromedp.ID("disconnect")),
		waitJS(`document.getElementById("status").textContent === "Not connected"`),
		waitJS(`document.getElementById("files-section").hidden`),
	)
	if msg := text(ctx, t, `document.getElementById("message").className`); msg == "error" {
		t.Fatalf("the page shows an error: %s", text(ctx, t, `document.getElementById("message").textContent`))
	}
}

// connect clicks "Connect OneDrive", then in the popup picks the demo user
// on the emulator's account picker and clicks Accept.
func connect(t *testing.T, ctx context.Context, demoUser string) {
	t.Helper()
	consentInPopup(t, ctx, chromedp.Click(chromedp.ID("connect")), demoUser)
}

// openPopup runs click in ctx and returns the context of the window it
// opened. Cancelling a target's context closes its tab, so the popup stays
// open until the test ends (or closes itself).
func openPopup(t *testing.T, ctx context.Context, click chromedp.Action[chromedp.Void]) context.Context {
	t.Helper()
	return browsertest.OpenPopup(t, ctx, click)
}

// consentInPopup runs click, which opens the Microsoft sign-in popup, and
// there picks demoUser and clicks Accept.
func consentInPopup(t *testing.T, ctx context.Context, click chromedp.Action[chromedp.Void], demoUser string) {
	t.Helper()
	popup := openPopup(t, ctx, click)
	err := chromedp.Do(popup,
		chromedp.WaitVisible(chromedp.ID("accept")),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[data-upn=%q]`, demoUser))),
		chromedp.Click(chromedp.ID("accept")),
	)
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("consent in the popup: %v (page says: %s)", err, pageError(ctx, t))
	}
}

// The demo's "Open Connect Portal" (the SDK's connect()): the portal
// opens in a popup, the user connects there through the emulator's consent
// page, and the demo sees the connection and lists the drive. The portal
// lists the project's workflow; the user turns it off there, and the
// choice holds when the portal loads again.
func TestBrowserDemoConnectPortal(t *testing.T) {
	t.Parallel()
	browsertest.Require(t)
	dev := startDev(t)
	saveWorkflow(t, dev, "notify", `{"name": "Tell the team about new files",
		"trigger": {"type": "file_change"}, "steps": [{"id": "wait", "type": "delay", "input": {"duration": "1s"}}]}`)
	ctx := browsertest.New(t, 120*time.Second)
	step(t, ctx, "sign in",
		chromedp.Navigate(dev.BaseURL+"/demo/"),
		waitJS(`document.body.dataset.ready === "true"`),
		chromedp.Click(chromedp.ID("sign-in")),
		waitJS(`document.getElementById("status").textContent === "Not connected"`),
	)
	portal := openPopup(t, ctx, chromedp.Click(chromedp.ID("portal")))
	step(t, portal, "the portal loads", chromedp.WaitVisible(chromedp.ID("connect")),
		waitJS(`document.getElementById("state").textContent === "Not connected"`))
	consentInPopup(t, portal, chromedp.Click(chromedp.ID("connect")), dev.DemoUser)
	step(t, portal, "the portal shows the account", waitJS(`document.getElementById("state").textContent === "Connected"`))
	step(t, ctx, "the demo sees the connection and lists the drive",
		waitJS(`document.getElementById("status").textContent === "Connected"`),
		waitJS(`document.querySelector('#files tr[data-name="Welcome.txt"]') !== null`),
		waitJS(`document.getElementById("activity").textContent.includes("onIntegrationInstall")`),
	)
	toggle := `document.querySelector('input.workflow-toggle[data-workflow-id="notify"]')`
	step(t, portal, "the portal lists the workflow, on by default",
		waitJS(toggle+`?.checked === true && document.getElementById("workflow-list").textContent.includes("Tell the team about new files")`))
	step(t, portal, "turn it off", chromedp.Click(chromedp.CSS(`input.workflow-toggle[data-workflow-id="notify"]`)),
		waitJS(`document.getElementById("message").textContent === "Turned off."`))
	step(t, portal, "the choice holds", chromedp.Reload(),
		waitJS(toggle+`?.checked === false`))
}

// saveWorkflow saves a workflow in the dev project through the admin API.
func saveWorkflow(t *testing.T, dev *devServer, id, def string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", dev.BaseURL+"/api/v1/projects/"+dev.ProjectID+"/workflows/"+id, strings.NewReader(def))
	req.Header.Set("Authorization", "Bearer "+dev.APIKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("save workflow %s: %s %s", id, res.Status, b)
	}
}

// step runs actions, failing with what the page shows when they fail.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v (page says: %s)", what, err, pageError(ctx, t))
	}
}

func pageError(ctx context.Context, t *testing.T) string {
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("message")?.textContent ?? ""`))
	return s
}
