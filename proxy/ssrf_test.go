package proxy_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/proxy"
)

// hostileCase is one request of the SSRF corpus.
type hostileCase struct {
	name   string
	method string
	path   string   // escaped, after /sdk/proxy/onedrive/
	hdr    []string // extra headers, name/value pairs
	body   string
}

// ssrfCorpus builds the corpus against each hostile host: scheme-relative,
// absolute, encoded and double-encoded, backslashes, userinfo, dot segments,
// foreign roots, control characters, header overrides and nested $batch
// URLs; and issue 12's shapes (UPNs, beta, sites by host and path, shares,
// search/query, names holding @, # and %, the proxy's own links sent back
// as the path) carrying each host. Every host is on loopback, so nothing
// can leave the machine.
func ssrfCorpus(hosts []string, emuHost, front string) []hostileCase {
	paths := []string{
		"//%s/v1.0/me", "/%s/v1.0/me", "%s/v1.0/me", "///%s/v1.0/me", "/%%2f%s/v1.0/me",
		"http://%s/v1.0/me", "https://%s/v1.0/me", "HTTP://%s/v1.0/me", "http:/%s/v1.0/me", "https:%s/v1.0/me",
		"http:%%2f%%2f%s/v1.0/me", "%%68ttp://%s/v1.0/me", "http%%3a//%s/v1.0/me", "ftp://%s/x",
		"%%2f%%2f%s/v1.0/me", "%%2F%%2F%s/v1.0/me", "%%252f%%252f%s/v1.0/me", "me/%%2f%%2f%s/x", "me%%2f..%%2f..%%2f%s",
		"\\\\%s/v1.0/me", "/\\%s/v1.0/me", "%%5c%%5c%s/v1.0/me", "me\\..\\..\\%s", "%%255c%%255c%s/x",
		"me@%s/x", "me%%40%s/x", "me%%2540%s/x", "http://" + emuHost + "@%s/v1.0/me", "http://%s#@" + emuHost + "/v1.0/me",
		"https://graph.microsoft.com@%s/v1.0/me", "http://" + emuHost + ".%s/v1.0/me",
		"me/../../../%s/x", "me/%%2e%%2e/%%2e%%2e/%s", "me/.%%2e/%s", "me/%%252e%%252e/%s", "./%s", "me/./%s", "me/drive/../%s",
		"me%%00/%s", "me%%0d%%0aHost:%%20%s/x", "me%%09/%s", "me/drive/root:/..%%2f..%%2f%s:/content",
		"me/drive/items/x:/http://%s/", "sites/x/%%2f%%2f%s", "drives/%%2e%%2e%%2f%s", "me/drive?next=http://%s/&x=1",
	}
	headers := [][]string{
		{"Host", "%s"}, {"X-Forwarded-Host", "%s"}, {"X-Forwarded-For", "%s"}, {"Forwarded", "host=%s;proto=http"},
		{"X-Original-URL", "http://%s/v1.0/me"}, {"X-Rewrite-URL", "http://%s/v1.0/me"}, {"X-Host", "%s"},
		{"Connection", "X-Forwarded-Host", "X-Forwarded-Host", "%s"}, {"Proxy-Authorization", "Basic %s"},
		{"Referer", "http://%s/"}, {"Cookie", "session=%s"}, {"X-HTTP-Method-Override", "DELETE", "X-Forwarded-Proto", "%s"},
	}
	own := "http://" + front + "/projects/" + projectID + "/sdk/proxy/onedrive/"
	shapes := []string{
		"users/x@%s/drive", "users/%s@contoso.com/drive", "users('x@%s')/drive", "users/x%%40%s/drive",
		"beta/%s/v1.0/me", "beta//%s/me", "beta/../%s/me", "https://%s/beta/me", "http://%s/beta/me", "beta/https://%s/me",
		"v1.0/http://%s/v1.0/me", "v1.0/beta/%s", "beta/me/drive/root:/..%%2f%s:/content",
		"sites/%s:/sites/x:/drive", "sites/%s/drive", "sites/root:/%s:/drive", "sites/http://%s/x",
		"shares/u!aHR0cDovL2V2aWwv%s/driveItem", "shares/u!%s/driveItem/content", "search/query?next=http://%s/",
		"me/drive/root:/@%s:/content", "me/drive/root:/a%%40%s:/content", "me/drive/root:/%%252f%%252f%s:/content",
		"me/drive/root:/%%23@%s:/content", "me/drive/root:/%%25%%32%%66%s:/content", "me/drive/root:/%%C3%%9C@%s:/content",
		own + "http://%s/v1.0/me", own + "v1.0/https://%s/me", own + "%%2f%%2f%s/me", own + "@%s/me",
		strings.Replace(own, projectID, "other", 1) + "%s/me", "http://%s/projects/" + projectID + "/sdk/proxy/onedrive/me",
	}
	batch := []string{"http://%s/v1.0/me", "https://%s/v1.0/me", "//%s/me", "/..//%s/me", "\\\\%s\\me", "/me/../../%s",
		"me@%s", "/%%2f%%2f%s", "%s/v1.0/me", "/$batch?x=%s", "/beta/$batch?x=%s", "http://%s/beta/me", "/users/x@%s/drive",
		"/beta//%s/me", own + "http://%s/v1.0/me"}
	var out []hostileCase
	for _, h := range hosts {
		for _, p := range paths {
			out = append(out, hostileCase{name: "path " + p, method: "GET", path: fmt.Sprintf(p, h)})
		}
		for _, p := range shapes {
			method, body, hdr := "GET", "", []string(nil)
			if strings.HasPrefix(p, "search/") {
				method, body, hdr = "POST", `{"requests":[{"entityTypes":["driveItem"],"query":{"queryString":"x"}}]}`, []string{"Content-Type", "application/json"}
			}
			out = append(out, hostileCase{name: "shape " + p, method: method, path: fmt.Sprintf(p, h), body: body, hdr: hdr})
		}
		for _, hv := range headers {
			kv := make([]string, len(hv))
			for i, s := range hv {
				kv[i] = strings.ReplaceAll(s, "%s", h)
			}
			out = append(out, hostileCase{name: "header " + hv[0], method: "GET", path: "me/drive/root/children", hdr: kv})
		}
		for _, u := range batch {
			body := fmt.Sprintf(`{"requests":[{"id":"1","method":"GET","url":"/me/drive"},{"id":"2","method":"GET","url":%q}]}`, fmt.Sprintf(u, h))
			out = append(out, hostileCase{name: "batch " + u, method: "POST", path: "$batch", body: body,
				hdr: []string{"Content-Type", "application/json"}})
		}
	}
	return out
}

// recordingTransport records what the proxy sends upstream.
type recordingTransport struct {
	base http.RoundTripper
	mu   sync.Mutex
	sent []sentRequest
}

type sentRequest struct {
	host, path, authorization string
	header                    http.Header
}

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.sent = append(r.sent, sentRequest{host: req.URL.Host, path: req.URL.EscapedPath(),
		authorization: req.Header.Get("Authorization"), header: req.Header.Clone()})
	r.mu.Unlock()
	return r.base.RoundTrip(req)
}

func (r *recordingTransport) CloseIdleConnections() { closeIdle(r.base) }

func TestSSRFCorpus(t *testing.T) {
	t.Parallel()
	var attackerHits atomic.Int64
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attackerHits.Add(1)
		w.WriteHeader(200)
	}))
	t.Cleanup(attacker.Close)
	rec := &recordingTransport{base: proxy.NewTransport()}
	b := newBundle(t, bundleOpts{proxy: func(p *proxy.Proxy) { p.Transport = rec }})
	graphHost, preauthHost := hostOf(t, b.emu.BaseURL), hostOf(t, b.emu.PreAuthBaseURL)
	ahost := hostOf(t, attacker.URL)
	_, aport, _ := net.SplitHostPort(ahost)
	hosts := []string{ahost, "localhost:" + aport, "127.0.0.2:" + aport, preauthHost}
	corpus := ssrfCorpus(hosts, graphHost, hostOf(t, b.front.URL))
	if len(corpus) < 400 {
		t.Fatalf("corpus has %d cases, want at least 400", len(corpus))
	}
	canary := b.cred.AccessToken
	front := hostOf(t, b.front.URL)
	rejected, passed := 0, 0
	for _, tc := range corpus {
		status, dump := rawRequest(t, front, tc)
		if strings.Contains(dump, canary) {
			t.Errorf("%s (%q): the access token is in the response", tc.name, tc.path)
		}
		if status >= 400 && strings.Contains(dump, `"statusCode"`) {
			rejected++
		} else {
			passed++
			if testing.Verbose() && !strings.HasPrefix(tc.name, "header") {
				t.Logf("not refused by the proxy: %s %q → %d", tc.name, tc.path, status)
			}
		}
	}
	if n := attackerHits.Load(); n != 0 {
		t.Fatalf("requests reaching the attacker: %d, want 0", n)
	}
	if strings.Contains(b.logs.String(), canary) {
		t.Fatalf("the access token is in a log line")
	}
	perPath := map[string]int{}
	for _, r := range b.emu.RequestLog() {
		perPath[r.Path]++
		if r.Host != graphHost && (r.Host != preauthHost || r.Authorization) {
			t.Errorf("emulator request to %s%s (Authorization %v): not the Graph host", r.Host, r.Path, r.Authorization)
		}
		if !strings.HasPrefix(r.Path, "/v1.0/") && !strings.HasPrefix(r.Path, "/beta/") && !strings.HasPrefix(r.Path, "/_preauth/") {
			t.Errorf("emulator request outside Graph: %s", r.Path)
		}
	}
	if c := b.emu.Counters(); c.PreAuthWithAuthorization != 0 || c.UnknownTokens != 0 {
		t.Fatalf("pre-authenticated requests with Authorization: %d; Graph requests with a token it never issued: %d",
			c.PreAuthWithAuthorization, c.UnknownTokens)
	}
	for _, s := range rec.sent {
		if s.authorization != "" && (s.host != graphHost || s.authorization != "Bearer "+canary) {
			t.Errorf("token sent to %s%s", s.host, s.path)
		}
		for _, k := range []string{"Cookie", "X-Forwarded-Host", "X-Forwarded-For", "X-Forwarded-Proto", "Forwarded", "Proxy-Authorization",
			"X-Original-Url", "X-Rewrite-Url", "X-Host", "Referer", "X-Http-Method-Override"} {
			if v := s.header.Get(k); v != "" {
				t.Errorf("inbound %s: %q reached %s%s", k, v, s.host, s.path)
			}
		}
		if strings.Contains(s.authorization, userToken) {
			t.Errorf("the user token reached %s", s.host)
		}
	}
	t.Logf("ssrf: payloads=%d rejected=%d reached_emulator=%d attacker_hits=0 canary_hits=0 emulator_paths=%d upstream_requests=%d",
		len(corpus), rejected, passed, len(perPath), len(rec.sent))
}

// rawRequest writes tc on a new connection byte for byte (no client-side
// cleaning) and returns the status and the whole answer.
func rawRequest(t *testing.T, addr string, tc hostileCase) (int, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s /projects/%s/sdk/proxy/onedrive/%s HTTP/1.1\r\n", tc.method, projectID, tc.path)
	hasHost := false
	for i := 0; i+1 < len(tc.hdr); i += 2 {
		hasHost = hasHost || strings.EqualFold(tc.hdr[i], "Host")
		fmt.Fprintf(&sb, "%s: %s\r\n", tc.hdr[i], tc.hdr[i+1])
	}
	if !hasHost {
		fmt.Fprintf(&sb, "Host: %s\r\n", addr)
	}
	fmt.Fprintf(&sb, "Authorization: Bearer %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", userToken, len(tc.body), tc.body)
	if _, err := conn.Write([]byte(sb.String())); err != nil {
		t.Fatalf("write: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s %q: read answer: %v", tc.name, tc.path, err)
	}
	defer resp.Body.Close()
	dump, err := httputil.DumpResponse(resp, true)
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	return resp.StatusCode, string(dump)
}

// TestRedirectsToOtherHostsAreNotFollowed puts a hostile Location in
// Graph's download redirect (a handler in front of the emulator) and checks
// the proxy passes it back unfollowed: only the download hosts are
// followed.
func TestRedirectsToOtherHostsAreNotFollowed(t *testing.T) {
	t.Parallel()
	var attackerHits atomic.Int64
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { attackerHits.Add(1) }))
	t.Cleanup(attacker.Close)
	b := newBundle(t, bundleOpts{})
	graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if loc := r.URL.Query().Get("loc"); loc != "" {
			w.Header().Set("Location", loc)
			w.WriteHeader(http.StatusFound)
			return
		}
		b.emu.ServeHTTP(w, r)
	}))
	t.Cleanup(graph.Close)
	b.proxy.Resolver.Override.Graph = graph.URL
	ahost, preauth := hostOf(t, attacker.URL), hostOf(t, b.emu.PreAuthBaseURL)
	for _, loc := range []string{
		attacker.URL + "/steal",
		"http://" + preauth + "@" + ahost + "/steal",
		"//" + ahost + "/steal",
		"http://" + ahost + "#" + preauth,
		"https://" + ahost + "/steal",
		"ftp://" + preauth + "/x",
	} {
		resp, _ := b.do(t, "GET", "me/drive/items/x/content?loc="+url.QueryEscape(loc), nil)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != loc {
			t.Errorf("Location %q: %d %q (want the 302 passed back)", loc, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if n := attackerHits.Load(); n != 0 {
		t.Fatalf("requests reaching the attacker: %d", n)
	}
}
