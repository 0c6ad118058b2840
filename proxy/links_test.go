package proxy_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/proxy"
)

// page is the part of a Graph collection answer the tests read.
type page struct {
	Value []struct {
		Name    string `json:"name"`
		Deleted any    `json:"deleted"`
	} `json:"value"`
	NextLink  string `json:"@odata.nextLink"`
	DeltaLink string `json:"@odata.deltaLink"`
}

// getPage GETs an absolute URL as a Graph SDK follows a link: the user
// token as its bearer, nothing else.
func getPage(t *testing.T, raw string) page {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", raw, nil)
	mustDo(t, "new request", err)
	req.Header.Set("Authorization", "Bearer "+userToken)
	resp, err := noRedirect.Do(req)
	mustDo(t, "GET "+raw, err)
	defer resp.Body.Close()
	var p page
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", raw, resp.StatusCode)
	}
	mustDo(t, "decode page", json.NewDecoder(resp.Body).Decode(&p))
	return p
}

// followAll follows nextLinks from first until a page has none, checking
// that each link leads back through the proxy. It returns the names seen,
// the number of pages and the final deltaLink.
func followAll(t *testing.T, b *bundle, first string) (names []string, pages int, delta string) {
	t.Helper()
	prefix := b.front.URL + "/projects/" + projectID + "/sdk/proxy/onedrive/v1.0/"
	for next := first; next != ""; pages++ {
		p := getPage(t, next)
		for _, v := range p.Value {
			names = append(names, v.Name)
		}
		next, delta = p.NextLink, p.DeltaLink
		for _, l := range []string{p.NextLink, p.DeltaLink} {
			if l != "" && !strings.HasPrefix(l, prefix) {
				t.Fatalf("link %q does not lead back through the proxy (%s)", l, prefix)
			}
		}
	}
	return names, pages, delta
}

// TestPagingAndDeltaLinksLeadThroughTheProxy pages through a folder and
// a delta round as an SDK does (following @odata.nextLink and then the
// @odata.deltaLink with the only token it has, the user token): every
// link must lead back through the proxy, and the emulator must never see
// a token it did not issue.
func TestPagingAndDeltaLinksLeadThroughTheProxy(t *testing.T) {
	t.Parallel()
	b := newBundle(t, bundleOpts{emu: emulator.Options{PageSize: 3}})
	for i := range 10 {
		_, err := b.emu.WriteFile(b.emuUser.ID, fmt.Sprintf("/many/f%02d @ #%d.txt", i, i), []byte("x"))
		mustDo(t, "write file", err)
	}
	names, pages, _ := followAll(t, b, b.proxyURL("me/drive/root:/many:/children"))
	if len(names) != 10 || pages != 4 {
		t.Fatalf("children: %d names in %d pages, want 10 in 4: %v", len(names), pages, names)
	}
	names, pages, delta := followAll(t, b, b.proxyURL("me/drive/root/delta"))
	if len(names) < 12 || pages < 4 || delta == "" {
		t.Fatalf("delta: %d names in %d pages, deltaLink %q", len(names), pages, delta)
	}
	_, err := b.emu.WriteFile(b.emuUser.ID, "/many/new.txt", []byte("new"))
	mustDo(t, "write file", err)
	names, _, delta2 := followAll(t, b, delta)
	if !contains(names, "new.txt") || delta2 == "" {
		t.Fatalf("after the deltaLink: %v (deltaLink %q), want new.txt", names, delta2)
	}
	if n := b.emu.Counters().UnknownTokens; n != 0 {
		t.Fatalf("the emulator saw %d requests with a token it never issued (a user token sent to Graph)", n)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestRequestWithALinkAsThePath: request(nextLink) works with Graph's own
// URL (as Graph gives it, on v1.0 and beta) and with the proxy's rewritten
// link, each sent as the path.
func TestRequestWithALinkAsThePath(t *testing.T) {
	t.Parallel()
	b := newBundle(t, bundleOpts{emu: emulator.Options{PageSize: 2}})
	for i := range 5 {
		_, err := b.emu.WriteFile(b.emuUser.ID, fmt.Sprintf("/d/f%d.txt", i), []byte("x"))
		mustDo(t, "write file", err)
	}
	graphNext := b.emu.GraphURL() + "/me/drive/root:/d:/children?%24skiptoken=" + skipToken(t, b)
	betaNext := strings.Replace(graphNext, "/v1.0/", "/beta/", 1)
	_, first := b.do(t, "GET", "me/drive/root:/d:/children", nil)
	var p page
	mustDo(t, "decode", json.Unmarshal(first, &p))
	for _, path := range []string{graphNext, betaNext, p.NextLink} {
		resp, body := b.do(t, "GET", path, nil)
		var got page
		_ = json.Unmarshal(body, &got)
		if resp.StatusCode != 200 || len(got.Value) != 2 || got.Value[0].Name != "f2.txt" {
			t.Errorf("GET %s as the path: %d %s", path, resp.StatusCode, body)
		}
	}
}

// skipToken reads the skiptoken of the first children page straight from
// the emulator (with the Graph token), as a back end holding Graph's own
// link would have it.
func skipToken(t *testing.T, b *bundle) string {
	t.Helper()
	req, _ := http.NewRequest("GET", b.emu.GraphURL()+"/me/drive/root:/d:/children", nil)
	req.Header.Set("Authorization", "Bearer "+b.cred.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	mustDo(t, "GET from the emulator", err)
	defer resp.Body.Close()
	var p page
	mustDo(t, "decode", json.NewDecoder(resp.Body).Decode(&p))
	if !strings.HasPrefix(p.NextLink, b.emu.GraphURL()) {
		t.Fatalf("the emulator's own nextLink %q is not on Graph", p.NextLink)
	}
	u, err := url.Parse(p.NextLink)
	mustDo(t, "parse nextLink", err)
	return u.Query().Get("$skiptoken")
}

// TestBatchAnswerLinksAreRewritten: a nextLink inside a $batch answer's
// nested body leads back through the proxy too.
func TestBatchAnswerLinksAreRewritten(t *testing.T) {
	t.Parallel()
	b := newBundle(t, bundleOpts{emu: emulator.Options{PageSize: 1}})
	for i := range 3 {
		_, err := b.emu.WriteFile(b.emuUser.ID, fmt.Sprintf("/f%d.txt", i), []byte("x"))
		mustDo(t, "write file", err)
	}
	body := `{"requests":[{"id":"1","method":"GET","url":"/me/drive/root/children"}]}`
	resp, raw := b.do(t, "POST", "$batch", []byte(body), "Content-Type", "application/json")
	if resp.StatusCode != 200 {
		t.Fatalf("$batch: %d %s", resp.StatusCode, raw)
	}
	want := `"@odata.nextLink":"` + b.front.URL + "/projects/" + projectID + "/sdk/proxy/onedrive/v1.0/"
	if !strings.Contains(string(raw), want) || strings.Contains(string(raw), b.emu.GraphURL()+"/me") {
		t.Fatalf("$batch answer links not rewritten: %s", raw)
	}
}

// TestLinkRewriteBounds: a JSON answer over MaxLinkRewrite streams as
// Graph sent it, and a downloaded JSON file is never rewritten.
func TestLinkRewriteBounds(t *testing.T) {
	t.Parallel()
	b := newBundle(t, bundleOpts{emu: emulator.Options{PageSize: 1}, proxy: func(p *proxy.Proxy) { p.MaxLinkRewrite = 64 }})
	for i := range 2 {
		_, err := b.emu.WriteFile(b.emuUser.ID, fmt.Sprintf("/f%d.txt", i), []byte("x"))
		mustDo(t, "write file", err)
	}
	_, raw := b.do(t, "GET", "me/drive/root/children", nil)
	if !strings.Contains(string(raw), `"@odata.nextLink":"`+b.emu.GraphURL()) {
		t.Fatalf("an answer over the bound was changed: %s", raw)
	}
	if !strings.Contains(b.logs.String(), "were not rewritten") {
		t.Fatalf("no warning logged for an answer whose links were kept")
	}
	b2 := newBundle(t, bundleOpts{})
	file := `{"@odata.nextLink":"` + b2.emu.GraphURL() + `/me/drive/root/children"}`
	_, err := b2.emu.WriteFile(b2.emuUser.ID, "/page.json", []byte(file))
	mustDo(t, "write file", err)
	resp, got := b2.do(t, "GET", "me/drive/root:/page.json:/content", nil)
	if resp.StatusCode != 200 || string(got) != file {
		t.Fatalf("a downloaded JSON file was changed: %d %s", resp.StatusCode, got)
	}
}
