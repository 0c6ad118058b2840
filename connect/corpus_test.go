package connect_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway/connect"
)

// hostileHosts are where an attacker wants the user, or the message, sent.
var hostileHosts = []string{"evil.com", "evil.example.com", "app.example.com.evil.com", "example.com",
	"sub.app.example.com", "127.0.0.1", "evil.com:443", "аpp.example.com" /* Cyrillic а */}

// hostileTemplates turn a host into a redirect or origin trick; %s is the host.
var hostileTemplates = []string{
	"https://%s", "http://%s", "//%s", "///%s", "https:%s", "https:/%s", `https:\\%s`, `/\%s`, `\\%s`,
	"https://app.example.com@%s", "https://app.example.com.%s", "https://%s#@app.example.com",
	"https://%s?@app.example.com", `https://%s\.app.example.com`, "https://app.example.com%%40%s",
	"javascript://%s/%%0aalert(1)", "data:text/html;base64,PHNjcmlwdD4=//%s", "HtTpS://%s", " https://%s",
	"https://%s%%00", "\thttps://%s", "https:///%s", "https://@%s", "https://:@%s", "https://app.example.com//%s",
	"https://app.example.com:443@%s", "https://%s/https://app.example.com", "https://app.example.com&@%s#@",
}

// fixedHostile are tricks on the allowed origin itself and other schemes.
var fixedHostile = []string{
	"", "null", "*", "undefined", "https://app.example.com:443", "https://app.example.com:80", "https://app.example.com:8443",
	"http://app.example.com", "HTTPS://app.example.com", "https://APP.example.com", "https://app.example.com.",
	"https://app.example.com..", "https://app.example.com:", "https://app.example.com:0", "https://app.example.com:65536",
	"https://app.example.com:-1", "https://app%2eexample%2ecom", "https://app.example.com%2f@evil.com",
	"https://app.example.com%00.evil.com", "https://app.example.com%09", "https://app.example.com%0d%0a",
	"https://app.example.com\r\nSet-Cookie: x=1", "https://app.example.com\n", "https://app.example.com ",
	" https://app.example.com", "https://app.example.com\t", "https://app.exаmple.com", "https://app.example.com。evil.com",
	"https://ａpp.example.com", "https://app.example.com%E3%80%82evil.com", "https://xn--pp-ed4a.example.com",
	"javascript:alert(1)", "JavaScript:alert(document.domain)", "javascript:%61lert(1)", "jav\tascript:alert(1)",
	"data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "file:///etc/passwd", "ftp://app.example.com",
	"ws://app.example.com", "wss://app.example.com", "blob:https://app.example.com/0d3c", "about:blank",
	"chrome://settings", "https://[::1]", "http://[::1]:80", "http://localhost", "http://0x7f000001", "https://0177.0.0.1",
	"https://2130706433", "https:%2f%2fevil.com", "https:%5c%5cevil.com", "%2f%2fevil.com", "/%2f%2fevil.com",
	"/%5cevil.com", "//evil.com/%2f..", "https://app.example.com;evil.com", "https://app.example.com,evil.com",
	"https://*.example.com", "https://app.example.com*", "https://app.example.com/\\evil.com", "https://app.example.com\\@evil.com",
	"/relative/path", "settings", "?next=https://evil.com", "#https://evil.com", "https://evil.com%23.app.example.com",
	"https://evil.com%2F.app.example.com", "https://app.example.com%2F..%2F..%2Fevil.com@evil.com",
	"https://app.example.com\u2028", "https://app.example.com\u202e", "https://app.example\u200b.com",
	"https://evil.com/?url=https://app.example.com", "\x00https://app.example.com", "https://app.example.com\x00",
	"https://app.example.com:443/", "https://app.example.com.:443", "https://user:pass@app.example.com",
	"https://app.example.com@app.example.com", "https://%61pp.example.com", "https://app.example.com%2e",
}

func hostileCorpus() []string {
	out := append([]string(nil), fixedHostile...)
	for _, tpl := range hostileTemplates {
		for _, h := range hostileHosts {
			out = append(out, fmt.Sprintf(tpl, h))
		}
	}
	return out
}

// TestOpenRedirectCorpus: no origin of the corpus gets a CORS grant, an
// install flow or a postMessage, and no URL of it becomes a post-connect
// redirect. The allowed origin and a same-origin URL are the controls.
func TestOpenRedirectCorpus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{autoConsent: true})
	corpus := hostileCorpus()
	if len(corpus) < 200 {
		t.Fatalf("corpus has %d entries, want at least 200", len(corpus))
	}
	tok := e.token("user-1")
	if !e.originAccepted(tok, appOrigin) || e.returnToAccepted(appOrigin+"/settings?tab=files#top") != appOrigin+"/settings?tab=files#top" {
		t.Fatal("the controls were refused: the checks below would prove nothing")
	}
	accepted := 0
	for _, entry := range corpus {
		if e.originAccepted(tok, entry) {
			accepted++
			t.Errorf("origin %q accepted", entry)
		}
		if got := e.returnToAccepted(entry); got != "" {
			accepted++
			t.Errorf("returnTo %q accepted as %q", entry, got)
		}
	}
	if accepted != 0 {
		t.Fatalf("accepted %d of %d hostile entries", accepted, len(corpus))
	}
}

// originAccepted reports whether any of the three origin checks let origin
// through: CORS preflight, build-oauth, and the oauth-nonce page.
func (e *env) originAccepted(tok, origin string) bool {
	e.t.Helper()
	pid := e.project.ID
	if strings.ContainsAny(origin, "\r\n\x00") || strings.TrimSpace(origin) != origin {
		// Not a header value that arrives as written (net/http refuses
		// CR, LF and NUL; HTTP strips surrounding whitespace, so the server
		// would see the allowed origin itself); the query checks still run.
	} else if _, _, h := e.call("OPTIONS", "/projects/"+pid+"/sdk/me", "", nil, "Origin", origin,
		"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization"); h.Get("Access-Control-Allow-Origin") != "" {
		return true
	}
	q := url.Values{"action": {"onedrive"}, "integrationId": {connect.IntegrationID(pid)}, "originForPostMessage": {origin}}
	if st, _, _ := e.call("GET", "/v2/projects/"+pid+"/sdk/actions/build-oauth?"+q.Encode(), tok, nil); st != http.StatusBadRequest {
		return true
	}
	q.Set("userToken", tok)
	st, body, _ := e.call("GET", "/projects/"+pid+"/sdk/actions/oauth-nonce?"+q.Encode(), "", nil)
	return st == http.StatusOK || strings.Contains(string(body), "postMessage")
}

// returnToAccepted returns the post-connect redirect the portal page keeps
// for raw, "" when it refuses it.
func (e *env) returnToAccepted(raw string) string {
	e.t.Helper()
	q := url.Values{"projectId": {e.project.ID}, "returnTo": {raw}}
	st, body, _ := e.call("GET", "/connect/?"+q.Encode(), "", nil)
	if st != http.StatusOK {
		e.t.Fatalf("portal = %d", st)
	}
	const attr = `data-return-to="`
	s := string(body)
	i := strings.Index(s, attr)
	if i < 0 {
		e.t.Fatal("the portal page has no data-return-to")
	}
	s = s[i+len(attr):]
	v := s[:strings.Index(s, `"`)]
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(v)
}
