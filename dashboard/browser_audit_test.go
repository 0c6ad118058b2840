package dashboard_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The operator creates a read-only API key that expires, sees it listed
// with its role and expiry, then opens the Audit log from the top bar,
// filters by action, and finds the creation.
func TestBrowserScopedKeyAndAuditLog(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	b := setup(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(b.srv.URL+b.projectPath("/api-keys")),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS(`button.primary[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("key_name")),
		chromedp.SendKeys(chromedp.ID("key_name"), "CI reader"),
		chromedp.SetValue(chromedp.ID("key_role"), "read"),
		chromedp.SetValue(chromedp.ID("key_expires"), "30d"),
		chromedp.Click(chromedp.CSS(`form[action$="/api-keys"] button.primary`)),
		chromedp.WaitVisible(chromedp.ID("api_key_secret")),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	secret := run(t, ctx, chromedp.Value(chromedp.ID("api_key_secret")))
	table := run(t, ctx, chromedp.Text(chromedp.CSS("table")))
	expiry := time.Now().UTC().AddDate(0, 0, 30).Format("2006-01-02")
	if !strings.HasPrefix(secret, "dwk_") || !strings.Contains(table, "CI reader") || !strings.Contains(table, "read") ||
		!strings.Contains(table, expiry) {
		t.Fatalf("after creating: secret %q, table %q", secret, table)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href="/dashboard/audit"]`)),
		chromedp.WaitVisible(chromedp.ID("audit_filters")),
		chromedp.SendKeys(chromedp.ID("f_action"), "api_key."),
		chromedp.Submit(chromedp.ID("f_action")),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	// Wait for the filtered page, not the one being left: a wait that
	// starts on the old page fails when it navigates, so it starts again.
	for range 10 {
		if err = chromedp.Do(ctx, chromedp.Poll[chromedp.Void](
			`location.search.includes("action=api_key.") && !!document.getElementById("audit_entries")`)); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("the filtered audit log: %v", err)
	}
	entries := run(t, ctx, chromedp.Evaluate[string](`document.getElementById("audit_entries").innerText`))
	if !strings.Contains(entries, "api_key.create") || !strings.Contains(entries, "operator") || strings.Contains(entries, secret) {
		t.Fatalf("audit log: %q", entries)
	}
}
