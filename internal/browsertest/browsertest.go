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
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
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
	return NewWith(t, timeout)
}

// NewWith is New with extra Chromium options (a host resolver rule, a
// test certificate to trust).
func NewWith(t testing.TB, timeout time.Duration, extra ...chromedp.ExecAllocatorOption) context.Context {
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
	opts = append(opts, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	quiet := func(string, ...any) {}
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(quiet), chromedp.WithErrorf(quiet))
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
	return ctx
}

// OpenPopup runs open in ctx, a tab whose page opens a popup window (a
// sign-in or portal popup), and returns the popup's context. The popup
// stays open until the test ends or it closes itself: cancelling a
// target's context would close its tab.
//
// It finds the popup by listing the browser's targets before and after
// the click rather than by chromedp.WaitNewTarget, whose events also
// report an earlier popup that is closing (detached, with an opener) as
// new; attaching to that one fails with "No target with given id found".
func OpenPopup(t testing.TB, ctx context.Context, open chromedp.Action[chromedp.Void]) context.Context {
	t.Helper()
	before, err := chromedp.Targets(ctx)
	if err != nil {
		t.Fatalf("list the browser's targets: %v", err)
	}
	seen := make(map[target.ID]bool, len(before))
	for _, info := range before {
		seen[info.TargetID] = true
	}
	failed := map[target.ID]int{}
	next := map[target.ID]time.Time{}
	if err := chromedp.Do(ctx, open); err != nil {
		t.Fatalf("open a popup: %v", err)
	}
	for {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatalf("no popup opened: %v", err)
		}
		for _, info := range infos {
			if info.Type != "page" || info.OpenerID == "" || seen[info.TargetID] {
				continue
			}
			// A popup still on about:blank is in its first navigation: it
			// is attached once it has a page. A failed probe is tried again
			// (marking it seen at once lost popups that had opened), a few
			// times and not in a burst: attaching while a page streams DOM
			// events meets a data race inside chromedp.
			if info.URL == "" || info.URL == "about:blank" || time.Now().Before(next[info.TargetID]) {
				continue
			}
			if probePopup(ctx, info.TargetID) {
				popup, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(info.TargetID))
				t.Cleanup(cancel)
				return popup
			}
			failed[info.TargetID]++
			seen[info.TargetID] = failed[info.TargetID] >= 4
			next[info.TargetID] = time.Now().Add(500 * time.Millisecond)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no popup opened: %v", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// probeTimeout bounds one attempt to attach to a new popup. On a loaded
// machine a popup in the middle of its first navigation can keep an attach
// waiting; without a bound that wait used up the whole test's deadline.
const probeTimeout = 10 * time.Second

// probePopup attaches to the target id and reads its location, within
// probeTimeout, then detaches and leaves the tab open; false when that
// failed (busy, navigating or closed).
func probePopup(ctx context.Context, id target.ID) bool {
	tctx, cancelTimeout := context.WithTimeout(ctx, probeTimeout)
	defer cancelTimeout()
	probe, cancel := chromedp.NewContext(tctx, chromedp.WithTargetID(id), chromedp.WithDetachOnCancel())
	_, err := chromedp.Run(probe, chromedp.Location())
	cancel()
	return err == nil
}

// AttachFrame returns the context of the cross-origin iframe of the page
// in ctx whose URL contains urlPart (Chromium runs it as a target of its
// own), waiting until it exists.
func AttachFrame(t testing.TB, ctx context.Context, urlPart string) context.Context {
	t.Helper()
	for {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatalf("no frame %q: %v", urlPart, err)
		}
		for _, info := range infos {
			if info.Type == "iframe" && strings.Contains(info.URL, urlPart) {
				frame, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(info.TargetID))
				if _, err := chromedp.Run(frame, chromedp.Location()); err != nil {
					cancel()
					continue
				}
				t.Cleanup(cancel)
				return frame
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no frame %q: %v", urlPart, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// ClickThatCloses clicks the element with id in a window the click may
// close (a File Picker's Pick button: the host closes the picker when it
// receives the pick). The window going away while the click's round trip
// is answered is not a failure; what the click caused is for the caller to
// check.
func ClickThatCloses(id string) chromedp.Action[chromedp.Void] {
	click := chromedp.Click(chromedp.ID(id))
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		v, err := click(ctx, t)
		if err != nil && (strings.Contains(err.Error(), "detached") || strings.Contains(err.Error(), "closed")) {
			return v, nil
		}
		return v, err
	}
}
