package demo

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/drivewayhq/driveway/internal/browsertest"
)

// The page loads in Chromium under its CSP: every SDK module resolves and
// app.js runs to its end; a bad user id shows the token route's message.
func TestBrowserPageLoads(t *testing.T) {
	t.Parallel()
	ctx := browsertest.New(t, 60*time.Second)
	srv := httptest.NewServer(Handler(Options{ProjectID: "p-1", MintToken: func(sub string) (string, error) { return "x", nil }}))
	defer srv.Close()
	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/demo/"),
		chromedp.Poll[chromedp.Void](`document.body.dataset.ready === "true"`),
		chromedp.SetValue(chromedp.ID("user-id"), "not valid!"),
		chromedp.Click(chromedp.ID("sign-in")),
		chromedp.Poll[chromedp.Void](`document.getElementById("message").className === "error"`),
	)
	if err != nil {
		t.Fatalf("load the page and submit: %v", err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("message").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Error: send {\"sub\": \"a user id\"} (letters, digits, . _ @ -, at most 64)"; msg != want {
		t.Fatalf("message %q, want %q", msg, want)
	}
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("account-section").hidden`))
	if err != nil || !hidden {
		t.Fatalf("account section hidden=%v err=%v before sign-in", hidden, err)
	}
}
