package dashboard_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/drivewayhq/driveway/internal/browsertest"
	"github.com/google/go-cmp/cmp"
)

// newBrowser starts headless Chromium (see internal/browsertest).
func newBrowser(t *testing.T) context.Context {
	return browsertest.New(t, 90*time.Second)
}

// The operator logs in, fills the OneDrive settings, saves, reloads, and
// sees the values, the expiry banner for a secret ten days away, and never
// the secret.
func TestBrowserOneDriveSettings(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	b := setup(t)
	const clientID = "0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
	const tenantID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	expires := time.Now().UTC().AddDate(0, 0, 10).Format("2006-01-02")

	err := chromedp.Do(ctx,
		chromedp.Navigate(b.srv.URL+b.projectPath("/onedrive")),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS(`button.primary[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("client_id")),
		chromedp.SendKeys(chromedp.ID("client_id"), clientID),
		chromedp.SendKeys(chromedp.ID("new_secret"), canarySecret),
		chromedp.SetValue(chromedp.ID("new_secret_expires"), expires),
		chromedp.Click(chromedp.CSS(`input[name=scopes][value="Files.Read.All"]`)),
		chromedp.Click(chromedp.CSS(`input[name=scopes][value="Sites.Read.All"]`)),
		chromedp.Click(chromedp.CSS(`input[name=tenant_choice][value=single]`)),
		chromedp.SendKeys(chromedp.ID("tenant_id"), tenantID),
		chromedp.Click(chromedp.CSS(`#onedrive-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("flash")),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.ID("client_id")),
	)
	if err != nil {
		t.Fatalf("fill and save the settings: %v", err)
	}

	if got := run(t, ctx, chromedp.Value(chromedp.ID("client_id"))); got != clientID {
		t.Fatalf("client id after reload %q, want %q", got, clientID)
	}
	scopes := run(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('input[name=scopes]:checked'), e => e.value)`))
	if diff := cmp.Diff([]string{"offline_access", "User.Read", "Files.Read.All", "Files.ReadWrite.All", "Sites.Read.All"}, scopes); diff != "" {
		t.Fatalf("checked scopes after reload (-want +got):\n%s", diff)
	}
	if !run(t, ctx, chromedp.Evaluate[bool](`document.querySelector('input[value=offline_access]').disabled`)) {
		t.Fatal("offline_access can be unchecked")
	}
	tenant := run(t, ctx, chromedp.Evaluate[string](`document.querySelector('input[name=tenant_choice]:checked').value + ' ' + document.getElementById('tenant_id').value`))
	if tenant != "single "+tenantID {
		t.Fatalf("account type after reload %q, want single tenant %s", tenant, tenantID)
	}
	if got := run(t, ctx, chromedp.Text(chromedp.CSS(".secret-label"))); got != "…7f3a, expires "+expires+" (9 days left)" {
		t.Fatalf("saved secret shows as %q", got)
	}
	if banner := run(t, ctx, chromedp.Text(chromedp.CSS(".banner.expiry"))); !strings.Contains(banner, "Client secret …7f3a expires in 9 days") {
		t.Fatalf("expiry banner reads %q", banner)
	}
	html := run(t, ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML + document.getElementById('new_secret').value`))
	if strings.Contains(html, canarySecret) {
		t.Fatal("the page holds the client secret after saving")
	}
	if b.seen(canarySecret) {
		t.Fatal("a response to the browser contained the client secret")
	}
	// The copy button's script loads under the CSP and runs.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[data-copy=redirect_url]`))); err != nil {
		t.Fatalf("click copy: %v", err)
	}
	run(t, ctx, chromedp.Poll[bool](`document.querySelector('button[data-copy=redirect_url]').textContent === 'Copied'`, chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(10*time.Second)))
	if path := os.Getenv("DRIVEWAY_DASHBOARD_SCREENSHOT"); path != "" {
		png := run(t, ctx, chromedp.FullScreenshot(100))
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatalf("write screenshot: %v", err)
		}
	}
}

func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}
