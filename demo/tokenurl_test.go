package demo_test

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/drivewayhq/driveway/internal/browsertest"
)

// urlLog records every URL the browser asks for: the documents of every
// tab and popup (the browser's target events, which report a popup's first
// URL before anything can attach to it) and every request of the pages the
// test attached to (the Network domain, redirects included).
type urlLog struct {
	mu   sync.Mutex
	urls []string
}

func (l *urlLog) add(u string) {
	l.mu.Lock()
	l.urls = append(l.urls, u)
	l.mu.Unlock()
}

func (l *urlLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.urls...)
}

// listen records the requests of the page in ctx.
func (l *urlLog) listen(t *testing.T, ctx context.Context) {
	t.Helper()
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			l.add(e.Request.URL + e.Request.URLFragment)
			if e.RedirectResponse != nil {
				l.add(e.RedirectResponse.URL)
			}
		}
	})
	if err != nil {
		t.Fatalf("listen to a page's requests: %v", err)
	}
}

// listenBrowser records the URL of every target as it is created and
// whenever it changes.
func (l *urlLog) listenBrowser(t *testing.T, ctx context.Context) {
	t.Helper()
	err := chromedp.ListenBrowser(ctx, func(ev any) {
		switch e := ev.(type) {
		case *target.EventTargetCreated:
			l.add(e.TargetInfo.URL)
		case *target.EventTargetInfoChanged:
			l.add(e.TargetInfo.URL)
		}
	})
	if err != nil {
		t.Fatalf("listen to the browser's targets: %v", err)
	}
}

// jwtInURL matches a JSON Web Token (a user token is one).
var jwtInURL = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.`)

// TestNoUserTokenInAnyURL: with our SDK in Chromium, a user connects
// OneDrive twice, through the Connect Portal (connect()) and through the
// SDK's own popup (installIntegration); no URL the browser asks for, in
// any window, holds the user token or any JWT, and no line the server
// logs holds the token.
func TestNoUserTokenInAnyURL(t *testing.T) {
	t.Parallel()
	browsertest.Require(t)
	dev := startDev(t)
	ctx := browsertest.New(t, 180*time.Second)
	urls := &urlLog{}
	step(t, ctx, "start the browser")
	urls.listenBrowser(t, ctx)
	urls.listen(t, ctx)
	step(t, ctx, "sign in",
		chromedp.Navigate(dev.BaseURL+"/demo/"),
		waitJS(`document.body.dataset.ready === "true"`),
		chromedp.Evaluate[chromedp.Void](`(() => { const f = window.fetch; window.fetch = async (...a) => {
			const r = await f(...a); if (String(a[0]) === "token") r.clone().json().then((b) => (window.__userToken = b.userToken));
			return r; }; })()`),
		chromedp.Click(chromedp.ID("sign-in")),
		waitJS(`document.getElementById("status").textContent === "Not connected"`),
		waitJS(`typeof window.__userToken === "string"`),
	)
	token := text(ctx, t, `window.__userToken`)
	if strings.Count(token, ".") != 2 {
		t.Fatalf("the user token %q is not a JWT", token)
	}

	portal := openPopup(t, ctx, chromedp.Click(chromedp.ID("portal")))
	urls.listen(t, portal)
	step(t, portal, "the portal loads with the user", chromedp.WaitVisible(chromedp.ID("connect")),
		waitJS(`document.getElementById("state").textContent === "Not connected"`))
	consentInPopup(t, portal, chromedp.Click(chromedp.ID("connect")), dev.DemoUser)
	step(t, portal, "the portal shows the account", waitJS(`document.getElementById("state").textContent === "Connected"`))
	step(t, ctx, "the demo sees the connection",
		waitJS(`document.getElementById("status").textContent === "Connected"`),
		chromedp.Click(chromedp.ID("disconnect")),
		waitJS(`document.getElementById("status").textContent === "Not connected"`))
	connect(t, ctx, dev.DemoUser)
	step(t, ctx, "connected through the SDK's popup", waitJS(`document.getElementById("status").textContent === "Connected"`))

	seen := urls.all()
	var nonces, builds, codes int
	for _, u := range seen {
		if strings.Contains(u, token) || strings.Contains(u, "userToken") || jwtInURL.MatchString(u) {
			t.Errorf("a URL holds a user token: %.300s", u)
		}
		switch {
		case strings.Contains(u, "/sdk/actions/oauth-nonce?") && strings.Contains(u, "code="):
			nonces++
		case strings.Contains(u, "/sdk/actions/build-oauth?"):
			builds++
		case strings.HasSuffix(u, "/sdk/actions/url-code"):
			codes++
		}
	}
	if nonces < 2 || builds < 1 || codes < 1 {
		t.Fatalf("the capture missed the flows (%d oauth-nonce with a code, %d build-oauth, %d url-code) in %d URLs:\n%s",
			nonces, builds, codes, len(seen), strings.Join(seen, "\n"))
	}
	if strings.Contains(dev.Logs.String(), token) {
		t.Fatalf("the server's log holds the user token")
	}
}
