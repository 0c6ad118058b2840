package connect_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/internal/browsertest"
)

// TestPortalInBrowser opens the Connect Portal in headless Chromium, clicks
// Connect, goes through the emulator's real account picker and consent
// page in the popup, sees the account connected, then disconnects it.
func TestPortalInBrowser(t *testing.T) {
	t.Parallel()
	browsertest.Require(t)
	e := newEnv(t, envOptions{})
	ctx := browsertest.New(t, 90*time.Second)
	tok := e.token("browser-user")
	portal := e.url + "/connect/?projectId=" + e.project.ID + "&returnTo=" + url.QueryEscape(appOrigin+"/done") + "#userToken=" + tok

	step(t, ctx, "open the portal", chromedp.Navigate(portal),
		waitJS(`document.getElementById("state").textContent === "Not connected"`),
		waitJS(`document.getElementById("for").textContent.endsWith("browser-user")`))
	consent(t, browsertest.OpenPopup(t, ctx, chromedp.Click(chromedp.ID("connect"))), e.user.UPN)

	step(t, ctx, "see the account connected",
		waitJS(fmt.Sprintf(`document.querySelector("#accounts li .email")?.textContent === %q`, e.user.Mail)),
		waitJS(`document.getElementById("state").textContent === "Connected"`),
		waitJS(`document.querySelector("#accounts li .status")?.textContent === "Connected"`),
		waitJS(fmt.Sprintf(`document.getElementById("return").getAttribute("href") === %q`, appOrigin+"/done")))
	creds := e.credentials(e.project, "browser-user")
	if len(creds) != 1 || creds[0].Status != driveway.CredentialValid || creds[0].Account.ObjectID != e.user.ID {
		t.Fatalf("credentials after the browser install = %+v", creds)
	}
	if e.grants() != 1 {
		t.Fatalf("authorization_code grants = %d, want 1", e.grants())
	}

	// Reconnect from the portal: the same credential, new tokens.
	consent(t, browsertest.OpenPopup(t, ctx, chromedp.Click(chromedp.CSS("#accounts li button.reconnect"))), e.user.UPN)
	step(t, ctx, "see the reconnection", waitJS(`document.getElementById("message").textContent.startsWith("Connected")`),
		waitJS(`document.querySelectorAll("#accounts li").length === 1`))
	again := e.credentials(e.project, "browser-user")
	if len(again) != 1 || again[0].ID != creds[0].ID || again[0].AccessToken == creds[0].AccessToken {
		t.Fatalf("after the portal's reconnect: %d credentials (want the same id with new tokens)", len(again))
	}

	step(t, ctx, "disconnect", chromedp.Click(chromedp.CSS("#accounts li button.disconnect")),
		waitJS(`document.querySelectorAll("#accounts li").length === 0`),
		waitJS(`document.getElementById("state").textContent === "Not connected"`))
	if left := e.credentials(e.project, "browser-user"); len(left) != 0 {
		t.Fatalf("%d credentials left after the portal's disconnect", len(left))
	}
}

// consent picks upn on the emulator's account picker and consent page in
// pctx, the popup the portal opened, and accepts.
func consent(t *testing.T, pctx context.Context, upn string) {
	t.Helper()
	radio := fmt.Sprintf(`input[data-upn=%q]`, upn)
	step(t, pctx, "pick the account on the emulator's page", chromedp.WaitVisible(chromedp.CSS(radio)), chromedp.Click(chromedp.CSS(radio)),
		chromedp.WaitVisible(chromedp.ID("accept")))
	// Accept submits the consent form; the popup then closes itself, so
	// the click's own result is not waited for.
	_ = chromedp.Do(pctx, chromedp.Click(chromedp.ID("accept")))
}

func step(t *testing.T, ctx context.Context, name string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		t.Fatalf("%s: %v\npage text:\n%s", name, err, page)
	}
}

func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))
}
