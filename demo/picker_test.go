package demo_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/drivewayhq/driveway/internal/browsertest"
)

// TestBrowserDemoPickFiles: the demo's "Pick files" opens the emulator's
// File Picker through @driveway/connect's pickFiles (driveway dev points
// accountAuth's DOMAIN at the emulator); the user browses into Documents
// and picks two files; the demo lists them and downloads one, whose bytes
// are the seeded file's.
func TestBrowserDemoPickFiles(t *testing.T) {
	t.Parallel()
	browsertest.Require(t)
	dev := startDev(t)
	ctx := browsertest.New(t, 120*time.Second)
	step(t, ctx, "sign in",
		chromedp.Navigate(dev.BaseURL+"/demo/"),
		waitJS(`document.body.dataset.ready === "true"`),
		chromedp.SetValue(chromedp.ID("user-id"), "picker-user"),
		chromedp.Click(chromedp.ID("sign-in")),
		waitJS(`document.getElementById("status").textContent === "Not connected"`),
	)
	connect(t, ctx, dev.DemoUser)
	step(t, ctx, "connected", waitJS(`document.getElementById("status").textContent === "Connected"`))
	popup := openPopup(t, ctx, chromedp.Click(chromedp.ID("pick")))
	if err := chromedp.Do(popup, waitJS(`!!document.querySelector('tr[data-name="Documents"]')`)); err != nil {
		loc, _ := chromedp.Run(popup, chromedp.Location())
		body, _ := chromedp.Run(popup, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		t.Fatalf("the picker shows no Documents: %v; at %s: %q; the demo says %q", err, loc, body,
			text(ctx, t, `document.getElementById("message").textContent`))
	}
	step(t, popup, "browse into Documents and pick two files",
		chromedp.Click(chromedp.CSS(`tr[data-name="Documents"] td.name button`)),
		chromedp.Click(chromedp.CSS(`tr[data-name="budget.csv"] input`)),
		chromedp.Click(chromedp.CSS(`tr[data-name="Quarterly report.md"] input`)),
		browsertest.ClickThatCloses("pick-button"))
	step(t, ctx, "the demo lists them", waitJS(`document.querySelectorAll("#picked li").length === 2`))
	if got := text(ctx, t, `Array.from(document.querySelectorAll("#picked li")).map((li) => li.dataset.name).join(",")`); got != "budget.csv,Quarterly report.md" {
		t.Fatalf("picked %q", got)
	}
	step(t, ctx, "download one",
		chromedp.Click(chromedp.CSS(`#picked li[data-name="budget.csv"] button.download`)),
		waitJS(`document.getElementById("download-result").dataset.name === "budget.csv"`))
	sum := sha256.Sum256([]byte("item,amount\nlaptops,12000\nsoftware,3400\n"))
	if got := text(ctx, t, `document.getElementById("download-result").dataset.sha256`); got != hex.EncodeToString(sum[:]) {
		t.Fatalf("downloaded SHA-256 %s, want the seeded budget.csv's %x", got, sum)
	}
}
