// Package browsertest starts headless Chromium for browser tests, with the
// flags this environment needs (no sandbox as root, no background
// networking in a closed network) and a fresh profile per test.
//
// Where Chromium is missing, tests skip with a message naming it, unless
// DRIVEWAY_REQUIRE_BROWSER is set (CI sets it), where they fail: CI never
// skips a browser test.
package browsertest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is where Debian's chromium package installs the browser.
const ChromiumPath = "/usr/bin/chromium"

// Flags are the command-line switches every browser test starts Chromium
// with.
var Flags = []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync"}

// Require skips (or, under CI, fails) the test when Chromium is missing.
func Require(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err == nil {
		return
	}
	if os.Getenv("DRIVEWAY_REQUIRE_BROWSER") != "" {
		t.Fatalf("Chromium is not installed at %s and DRIVEWAY_REQUIRE_BROWSER is set (apt-get install chromium)", ChromiumPath)
	}
	t.Skipf("Chromium is not installed at %s (apt-get install chromium): skipping this browser test", ChromiumPath)
}

// New starts Chromium and returns a tab's context, cancelled at cleanup or
// after timeout.
func New(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	Require(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(ChromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	quiet := func(string, ...any) {}
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(quiet), chromedp.WithErrorf(quiet))
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
	return ctx
}
