package emulator

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestBetaIsAnAliasOfV1 reads and writes through /beta and sees the same
// drive as /v1.0, with paging links that stay on /beta.
func TestBetaIsAnAliasOfV1(t *testing.T) {
	f := setup(t, Options{PageSize: 2})
	beta := strings.TrimSuffix(f.graph(), "/v1.0") + "/beta"
	for _, n := range []string{"a.txt", "b.txt", "c.txt"} {
		st, _ := f.call("PUT", beta+"/me/drive/root:/"+n+":/content", f.tokP, []byte(n))
		want(t, "PUT "+n+" on beta", st, 201)
	}
	st, m := f.call("GET", "/me/drive/root:/b.txt", f.tokP, nil)
	want(t, "GET on v1.0", st, 200)
	want(t, "name", str(m, "name"), "b.txt")
	st, m = f.call("GET", beta+"/me/drive/root/children", f.tokP, nil)
	want(t, "list on beta", st, 200)
	if next := str(m, "@odata.nextLink"); !strings.HasPrefix(next, beta+"/") {
		t.Fatalf("nextLink %q does not stay on beta", next)
	}
}

// TestUPNAddressing: users/{UPN} and users/{UPN}/drive address the user
// as their id does.
func TestUPNAddressing(t *testing.T) {
	f := setup(t, Options{})
	st, m := f.call("GET", "/users/"+url.PathEscape(f.biz.UPN), f.tokB, nil)
	want(t, "GET users/{upn}", st, 200)
	want(t, "id", str(m, "id"), f.biz.ID)
	st, m = f.call("GET", "/users/"+strings.ToUpper(f.biz2.UPN)+"/drive", f.tokB, nil)
	want(t, "GET users/{UPN}/drive of a colleague", st, 200)
	want(t, "drive id", str(m, "id"), f.biz2.DriveID)
	st, _ = f.call("GET", "/users/nobody@contoso.onmicrosoft.com/drive", f.tokB, nil)
	want(t, "unknown UPN", st, 404)
}

// TestNamesWithSpecialCharacters writes and reads files whose names hold
// every character OneDrive allows that needs escaping in a path.
func TestNamesWithSpecialCharacters(t *testing.T) {
	f := setup(t, Options{})
	for _, name := range []string{"invoice@acme.pdf", "a#b.txt", "100% done.txt", "50%2f.txt", "c++ notes.txt", "Ünïcødé 文件.txt", "a'b (1).txt"} {
		p := "/me/drive/root:/" + url.PathEscape("Dir @#%") + "/" + url.PathEscape(name) + ":/content"
		st, m := f.call("PUT", p, f.tokP, []byte(name))
		if st != 201 || str(m, "name") != name {
			t.Fatalf("PUT %q: %d %v", name, st, m)
		}
		resp := f.req("GET", "/me/drive/root:/"+url.PathEscape("Dir @#%")+"/"+url.PathEscape(name), f.tokP, nil)
		resp.Body.Close()
		want(t, "GET "+name, resp.StatusCode, 200)
	}
}

// TestSitesByPath: the tenant root site, a personal site by host and path
// (with and without the closing colon), a site by id, and their drives.
func TestSitesByPath(t *testing.T) {
	f := setup(t, Options{})
	st, root := f.call("GET", "/sites/root", f.tokB, nil)
	want(t, "GET sites/root", st, 200)
	want(t, "root webUrl", str(root, "webUrl"), "https://contoso.sharepoint.com")
	want(t, "root hostname", str(root, "siteCollection", "hostname"), "contoso.sharepoint.com")
	if id := str(root, "id"); strings.Count(id, ",") != 2 || !strings.HasPrefix(id, "contoso.sharepoint.com,") {
		t.Fatalf("site id %q is not host,collection,web", id)
	}
	st, byHost := f.call("GET", "/sites/contoso.sharepoint.com", f.tokB, nil)
	want(t, "GET sites/{hostname}", st, 200)
	want(t, "same site", str(byHost, "id"), str(root, "id"))
	st, lib := f.call("GET", "/sites/"+str(root, "id")+"/drive", f.tokB, nil)
	want(t, "GET sites/{id}/drive", st, 200)
	st, _ = f.call("PUT", "/sites/root/drive/root:/Shared.txt:/content", f.tokB, []byte("x"))
	want(t, "PUT into the root site's library", st, 201)
	st, m := f.call("GET", "/drives/"+str(lib, "id")+"/root:/Shared.txt", f.tokB, nil)
	want(t, "the file is in the library", st, 200)
	want(t, "name", str(m, "name"), "Shared.txt")

	personal := "/sites/contoso-my.sharepoint.com:/personal/bob_contoso_onmicrosoft_com"
	st, site := f.call("GET", personal, f.tokB, nil)
	want(t, "GET sites/{host}:/{path}", st, 200)
	want(t, "isPersonalSite", site["isPersonalSite"], any(true))
	st, d := f.call("GET", personal+":/drive", f.tokB, nil)
	want(t, "GET sites/{host}:/{path}:/drive", st, 200)
	want(t, "personal site drive is Bob's OneDrive", str(d, "id"), f.biz2.DriveID)
	st, m = f.call("GET", "/sites/contoso-my.sharepoint.com:/personal/nobody", f.tokB, nil)
	want(t, "unknown site", st, 404)
	want(t, "code", errCode(m), "itemNotFound")
	st, _ = f.call("GET", "/sites/root", f.tokP, nil)
	want(t, "a personal account has no sites", st, 400)
}

// TestSharesByEncodedURL: a sharing link's URL encoded as "u!" + base64url
// opens the item for another account; an item's webUrl opens it only for
// an account with access to the drive.
func TestSharesByEncodedURL(t *testing.T) {
	f := setup(t, Options{})
	e := f.s.Emulator
	it, err := e.WriteFile(f.biz.ID, "/Reports/q1 @ 2026.txt", []byte("numbers"))
	must(t, err)
	st, perm := f.call("POST", "/me/drive/items/"+it.ID+"/createLink", f.tokB, map[string]string{"type": "view", "scope": "anonymous"})
	want(t, "createLink", st, 201)
	link := str(perm, "link", "webUrl")
	other, err := e.IssueAccessToken(f.personal.ID, f.app.ClientID, "Files.ReadWrite.All")
	must(t, err)
	enc := EncodeSharingURL(link)
	if strings.ContainsAny(enc[2:], "+/=") {
		t.Fatalf("encoded %q is not unpadded base64url", enc)
	}
	st, m := f.call("GET", "/shares/"+enc+"/driveItem", other, nil)
	want(t, "GET shares/{u!url}/driveItem by another account", st, 200)
	want(t, "name", str(m, "name"), "q1 @ 2026.txt")
	resp := f.req("GET", "/shares/"+enc+"/driveItem/content", other, nil)
	resp.Body.Close()
	want(t, "content through the share", resp.StatusCode, 302)
	st, _ = f.call("PATCH", "/shares/"+enc+"/driveItem", other, map[string]string{"name": "x.txt"})
	want(t, "a view link does not allow edits", st, 403)
	st, m = f.call("GET", "/shares/"+str(perm, "shareId"), other, nil)
	want(t, "GET shares/{shareId}", st, 200)
	want(t, "share name", str(m, "name"), "q1 @ 2026.txt")

	byWebURL := EncodeSharingURL(str(m, "name"))
	st, _ = f.call("GET", "/shares/"+byWebURL+"/driveItem", other, nil)
	want(t, "not a sharing URL", st, 404)
	_, item := f.call("GET", "/me/drive/items/"+it.ID, f.tokB, nil)
	web := EncodeSharingURL(str(item, "webUrl"))
	st, _ = f.call("GET", "/shares/"+web+"/driveItem", f.tokB, nil)
	want(t, "an item's webUrl, by its owner", st, 200)
	st, _ = f.call("GET", "/shares/"+web+"/driveItem", other, nil)
	want(t, "an item's webUrl, by an outsider", st, 403)
}

// TestSearchQueryDriveItems: POST search/query finds indexed driveItems by
// name, pages with from and size, and refuses other entity types.
func TestSearchQueryDriveItems(t *testing.T) {
	f := setup(t, Options{SearchIndexDelay: time.Minute})
	e := f.s.Emulator
	for _, n := range []string{"/Budget 2026.xlsx", "/Plans/budget draft.docx", "/Plans/notes.txt", "/budget-final.pdf"} {
		_, err := e.WriteFile(f.biz.ID, n, []byte(n))
		must(t, err)
	}
	q := func(s string, from, size int) map[string]any {
		t.Helper()
		body := map[string]any{"requests": []any{map[string]any{"entityTypes": []string{"driveItem"},
			"query": map[string]string{"queryString": s}, "from": from, "size": size}}}
		st, m := f.call("POST", "/search/query", f.tokB, body)
		want(t, "POST search/query", st, 200)
		return m["value"].([]any)[0].(map[string]any)["hitsContainers"].([]any)[0].(map[string]any)
	}
	c := q("budget", 0, 0)
	want(t, "not indexed yet", c["total"], any(float64(0)))
	f.clock.Advance(2 * time.Minute)
	c = q("budget", 0, 2)
	want(t, "total", c["total"], any(float64(3)))
	want(t, "moreResultsAvailable", c["moreResultsAvailable"], any(true))
	hit := c["hits"].([]any)[0].(map[string]any)["resource"].(map[string]any)
	want(t, "@odata.type", str(hit, "@odata.type"), "#microsoft.graph.driveItem")
	want(t, "first hit", str(hit, "name"), "Budget 2026.xlsx")
	c = q("budget filetype:pdf", 2, 2)
	want(t, "last page", len(c["hits"].([]any)), 1)
	want(t, "no more", c["moreResultsAvailable"], any(false))
	st, m := f.call("POST", "/search/query", f.tokB, map[string]any{"requests": []any{map[string]any{"entityTypes": []string{"message"}, "query": map[string]string{"queryString": "x"}}}})
	want(t, "another entity type", st, 400)
	want(t, "code", errCode(m), "BadRequest")
}

// TestJSONBatch runs requests through POST $batch on v1.0 and beta: JSON
// answers nested as JSON, each with its own status, a nested $batch or
// absolute URL refused.
func TestJSONBatch(t *testing.T) {
	f := setup(t, Options{})
	_, err := f.s.Emulator.WriteFile(f.personal.ID, "/a.txt", []byte("a"))
	must(t, err)
	for _, base := range []string{f.graph(), strings.TrimSuffix(f.graph(), "/v1.0") + "/beta"} {
		body := map[string]any{"requests": []any{
			map[string]any{"id": "1", "method": "GET", "url": "/me/drive/root:/a.txt"},
			map[string]any{"id": "2", "method": "GET", "url": "/me/drive/root:/missing.txt"},
			map[string]any{"id": "3", "method": "POST", "url": "/me/drive/root/children", "body": map[string]any{"name": "F" + base[len(base)-4:], "folder": map[string]any{}},
				"headers": map[string]string{"Content-Type": "application/json"}},
			map[string]any{"id": "4", "method": "POST", "url": "/$batch", "body": map[string]any{"requests": []any{}}},
			map[string]any{"id": "5", "method": "GET", "url": "http://evil.example/v1.0/me"},
		}}
		st, m := f.call("POST", base+"/$batch", f.tokP, body)
		want(t, "POST $batch", st, 200)
		got := map[string]float64{}
		for _, r := range m["responses"].([]any) {
			rm := r.(map[string]any)
			got[rm["id"].(string)] = rm["status"].(float64)
			if rm["id"] == "1" {
				want(t, "nested body name", str(rm, "body", "name"), "a.txt")
			}
		}
		want(t, "statuses", fmt.Sprint(got), "map[1:200 2:404 3:201 4:400 5:400]")
	}
}
