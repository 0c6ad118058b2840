package main

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// TestDevProxyShapesAndLinks drives the real `driveway dev` binary's Graph
// proxy as a client using it as its Graph base URL would, for a connected
// work account: pages of children and a delta round followed by their
// links (which must lead back through the proxy, at DRIVEWAY_PUBLIC_URL),
// users/{UPN}, beta, sites by host and path, shares by encoded URL,
// search/query, and names with @ + and non-ASCII. The emulator must never see the
// user token.
func TestDevProxyShapesAndLinks(t *testing.T) {
	t.Parallel()
	r, info, dir := startDev(t)
	d := newDevClient(t, r, info, dir, "end-user-shapes")
	d.connect()
	proxyBase := info.PublicURL + "/projects/" + info.ProjectID + "/sdk/proxy/onedrive/"
	get := func(u string) map[string]any {
		t.Helper()
		status, body, _ := d.do("GET", u, d.tok, "")
		var m map[string]any
		if status != 200 || json.Unmarshal([]byte(body), &m) != nil {
			t.Fatalf("GET %s: %d %s", u, status, body)
		}
		return m
	}
	for _, first := range []string{"me/drive/root/children?$top=1", "me/drive/root/delta?$top=2"} {
		pages, next := 0, proxyBase+first
		for next != "" {
			m := get(next)
			pages++
			next, _ = m["@odata.nextLink"].(string)
			delta, _ := m["@odata.deltaLink"].(string)
			for _, l := range []string{next, delta} {
				if l != "" && !strings.HasPrefix(l, proxyBase+"v1.0/") {
					t.Fatalf("%s: link %q does not lead back through the proxy", first, l)
				}
			}
		}
		if pages < 2 {
			t.Fatalf("%s: %d page(s), want several", first, pages)
		}
	}
	upn := info.DemoUser
	if m := get(proxyBase + "users/" + upn + "/drive"); m["driveType"] != "business" {
		t.Fatalf("users/{UPN}/drive: %v", m)
	}
	get(proxyBase + "beta/me/drive/root:/Welcome.txt")
	who := strings.NewReplacer("@", "_", ".", "_").Replace(upn)
	site := get(proxyBase + "sites/contoso-my.sharepoint.com:/personal/" + who + ":/drive")
	if site["id"] != get(proxyBase + "me/drive")["id"] {
		t.Fatalf("the personal site's drive is not the user's OneDrive: %v", site)
	}
	get(proxyBase + "sites/root")
	name := url.PathEscape("invoice@acme + Ünï (1).txt") // a work account: # and % are reserved
	if s, body, _ := d.do("PUT", proxyBase+"me/drive/root:/"+name+":/content", d.tok, "hi"); s != 201 {
		t.Fatalf("PUT a name with @ + and non-ASCII: %d %s", s, body)
	}
	item := get(proxyBase + "me/drive/root:/" + name)
	share := "u!" + base64.RawURLEncoding.EncodeToString([]byte(item["webUrl"].(string)))
	if m := get(proxyBase + "shares/" + share + "/driveItem"); m["id"] != item["id"] {
		t.Fatalf("shares/{u!webUrl}/driveItem: %v", m)
	}
	q := `{"requests":[{"entityTypes":["driveItem"],"query":{"queryString":"Welcome"}}]}`
	if s, body, _ := d.do("POST", proxyBase+"search/query", d.tok, q); s != 200 || !strings.Contains(body, `"Welcome.txt"`) {
		t.Fatalf("search/query: %d %s", s, body)
	}
	_, body := d.admin("GET", "/_ms/_emulator/counters", "")
	var c struct{ UnknownTokens int }
	if json.Unmarshal([]byte(body), &c) != nil || c.UnknownTokens != 0 {
		t.Fatalf("the emulator saw tokens it never issued: %s", body)
	}
}
