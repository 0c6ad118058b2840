package emulator

import (
	"encoding/base64"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway/microsoft/quickxor"
)

func TestMustHave01_Addressing(t *testing.T) {
	f := setup(t, Options{})
	e := f.s.Emulator
	info, err := e.WriteFile(f.biz.ID, "/Docs/Sub Folder/Report (1).txt", []byte("hello"))
	must(t, err)
	docs, _ := e.Stat(f.biz.ID, "/Docs")
	paths := []string{
		"/me/drive/root:/Docs/Sub%20Folder/Report%20%281%29.txt:",
		"/me/drive/root:/docs/SUB%20FOLDER/report%20(1).TXT",
		"/drives/" + info.DriveID + "/items/" + info.ID,
		"/users/" + url.PathEscape(f.biz.UPN) + "/drive/items/" + info.ID,
		"/users/" + f.biz.ID + "/drive/root:/Docs/Sub%20Folder/Report%20%281%29.txt:",
		"/sites/" + f.biz.ID + "/drive/items/" + info.ID,
		"/groups/" + f.biz.ID + "/drive/items/" + info.ID,
		"/me/drive/items/" + docs.ID + ":/Sub%20Folder/Report%20%281%29.txt:",
	}
	for _, p := range paths {
		code, m := f.call("GET", p, f.tokB, nil)
		want(t, "status of "+p, code, 200)
		want(t, "id via "+p, str(m, "id"), info.ID)
	}
	// Ids compare case-sensitively.
	code, _ := f.call("GET", "/me/drive/items/"+strings.ToLower(info.ID), f.tokB, nil)
	want(t, "lower-case id status", code, 404)
	// Special folders are created on first access, but not by HEAD.
	resp := f.req("HEAD", "/me/drive/special/approot", f.tokB, nil)
	resp.Body.Close()
	want(t, "HEAD approot before creation", resp.StatusCode, 404)
	code, m := f.call("GET", "/me/drive/special/approot", f.tokB, nil)
	want(t, "approot status", code, 200)
	want(t, "approot name", str(m, "name"), "Driveway Test")
	want(t, "approot parent path", str(m, "parentReference", "path"), "/drive/root:/Apps")
	code, m = f.call("GET", "/me/drive", f.tokB, nil)
	want(t, "drive status", code, 200)
	want(t, "driveType", str(m, "driveType"), "business")
	code, m = f.call("GET", "/me", f.tokB, nil)
	want(t, "me status", code, 200)
	want(t, "me upn", str(m, "userPrincipalName"), f.biz.UPN)
	// A user of another tenant cannot be reached.
	code, _ = f.call("GET", "/users/"+f.personal.ID+"/drive", f.tokB, nil)
	want(t, "foreign drive status", code, 403)
}

func TestMustHave02_DriveItemShape(t *testing.T) {
	f := setup(t, Options{})
	content := []byte("The quick brown fox jumps over the lazy dog")
	sum := quickxor.Sum(content)
	wantHash := base64.StdEncoding.EncodeToString(sum[:])
	for _, c := range []struct {
		tok, mode string
	}{{f.tokB, "business"}, {f.tokP, "personal"}} {
		code, m := f.call("PUT", "/me/drive/root:/A/fox.txt:/content", c.tok, content)
		want(t, c.mode+" put status", code, 201)
		for _, k := range []string{"@odata.context", "@microsoft.graph.downloadUrl", "id", "name", "eTag", "cTag", "size",
			"createdDateTime", "lastModifiedDateTime", "parentReference", "file", "fileSystemInfo", "createdBy", "webUrl"} {
			if _, ok := m[k]; !ok {
				t.Fatalf("%s item lacks %q: %v", c.mode, k, m)
			}
		}
		want(t, c.mode+" quickXorHash", str(m, "file", "hashes", "quickXorHash"), wantHash)
		want(t, c.mode+" mimeType", str(m, "file", "mimeType"), "text/plain")
		want(t, c.mode+" path", str(m, "parentReference", "path"), "/drive/root:/A")
		want(t, c.mode+" driveType", str(m, "parentReference", "driveType"), c.mode)
		if ts := str(m, "createdDateTime"); !strings.HasSuffix(ts, "Z") {
			t.Fatalf("%s createdDateTime %q lacks Z", c.mode, ts)
		}
		_, folder := f.call("GET", "/me/drive/root:/A", c.tok, nil)
		_, hasCTag := folder["cTag"]
		want(t, c.mode+" folder has cTag", hasCTag, c.mode == "personal")
		if cc, _ := folder["folder"].(map[string]any)["childCount"].(float64); cc != 1 {
			t.Fatalf("%s childCount = %v", c.mode, cc)
		}
		_, root := f.call("GET", "/me/drive/root", c.tok, nil)
		if _, ok := root["root"]; !ok {
			t.Fatalf("%s root lacks root facet", c.mode)
		}
		if sz, _ := root["size"].(float64); int(sz) != len(content) {
			t.Fatalf("%s root size = %v, want %d", c.mode, sz, len(content))
		}
	}
	_, m := f.call("GET", "/me/drive/root:/A/fox.txt", f.tokB, nil)
	if et := str(m, "eTag"); !strings.HasPrefix(et, `"{`) || !strings.HasSuffix(et, `,1"`) {
		t.Fatalf("business eTag shape %q", et)
	}
	if id := str(m, "id"); len(id) != 34 || !strings.HasPrefix(id, "01") {
		t.Fatalf("business id shape %q", id)
	}
	_, m = f.call("GET", "/me/drive/root:/A/fox.txt", f.tokP, nil)
	if id := str(m, "id"); !strings.HasPrefix(id, f.personal.CID+"!") {
		t.Fatalf("personal id shape %q (cid %s)", id, f.personal.CID)
	}
}

func TestMustHave03_PagingSelectExpandOrderFilter(t *testing.T) {
	f := setup(t, Options{PageSize: 7})
	for i := range 25 {
		_, err := f.s.WriteFile(f.biz.ID, "/Many/f"+string(rune('a'+i))+".txt", []byte{byte(i)})
		must(t, err)
	}
	var names []string
	next := f.graph() + "/me/drive/root:/Many:/children"
	pages := 0
	for next != "" {
		code, m := f.call("GET", next, f.tokB, nil)
		want(t, "page status", code, 200)
		for _, v := range m["value"].([]any) {
			names = append(names, v.(map[string]any)["name"].(string))
		}
		next = str(m, "@odata.nextLink")
		if next != "" && !strings.Contains(next, "skiptoken") {
			t.Fatalf("nextLink %q lacks $skiptoken", next)
		}
		pages++
	}
	want(t, "children", len(names), 25)
	want(t, "pages", pages, 4)
	want(t, "first", names[0], "fa.txt")
	want(t, "last", names[24], "fy.txt")
	_, m := f.call("GET", "/me/drive/root:/Many:/children?$top=1000&$select=name&$orderby=name%20desc", f.tokB, nil)
	vals := m["value"].([]any)
	want(t, "top 1000 count", len(vals), 25)
	first := vals[0].(map[string]any)
	want(t, "desc first", first["name"].(string), "fy.txt")
	if _, ok := first["size"]; ok || first["id"] == nil {
		t.Fatalf("$select kept %v", first)
	}
	_, m = f.call("GET", "/me/drive/root:/Many?$expand=children", f.tokB, nil)
	want(t, "expanded children", len(m["children"].([]any)), 25)
	code, m := f.call("GET", "/me/drive/root/children?$filter=name%20eq%20'x'", f.tokB, nil)
	want(t, "$filter status", code, 400)
	want(t, "$filter code", errCode(m), "invalidRequest")
}

func TestMustHave04_DownloadRedirectRangeExpiry(t *testing.T) {
	f := setup(t, Options{RejectPreAuthAuthorization: true})
	_, err := f.s.WriteFile(f.biz.ID, "/d.bin", []byte("0123456789"))
	must(t, err)
	resp := f.req("GET", "/me/drive/root:/d.bin:/content", f.tokB, nil)
	resp.Body.Close()
	want(t, "content status", resp.StatusCode, 302)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	want(t, "download host", loc.Hostname(), "127.0.0.1")
	resp = f.req("GET", loc.String(), "", nil, "Range", "bytes=2-5")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want(t, "range status", resp.StatusCode, 206)
	want(t, "range body", string(b), "2345")
	want(t, "content-range", resp.Header.Get("Content-Range"), "bytes 2-5/10")
	etag := resp.Header.Get("ETag")
	resp = f.req("GET", loc.String(), "", nil, "If-None-Match", etag)
	resp.Body.Close()
	want(t, "if-none-match status", resp.StatusCode, 304)
	resp = f.req("GET", loc.String(), f.tokB, nil)
	resp.Body.Close()
	want(t, "with Authorization status", resp.StatusCode, 401)
	want(t, "counted preauth Authorization", f.s.Counters().PreAuthWithAuthorization, 1)
	f.clock.Advance(61 * 60e9)
	resp = f.req("GET", loc.String(), "", nil)
	resp.Body.Close()
	want(t, "expired status", resp.StatusCode, 401)
}

// TestKiotaEncodedItemID: SDKs built with Kiota send "root:/path:" as one
// percent-encoded item id.
func TestKiotaEncodedItemID(t *testing.T) {
	f := setup(t, Options{})
	info, _ := f.s.WriteFile(f.biz.ID, "/k/a b.txt", []byte("1"))
	code, m := f.call("GET", "/drives/"+url.PathEscape(info.DriveID)+"/items/root%3A%2Fk%2Fa%20b.txt%3A", f.tokB, nil)
	want(t, "status", code, 200)
	want(t, "id", str(m, "id"), info.ID)
	k, _ := f.s.Stat(f.biz.ID, "/k")
	code, m = f.call("POST", "/drives/"+url.PathEscape(info.DriveID)+"/items/"+k.ID+"%3A%2Fnew.bin%3A/createUploadSession", f.tokB, nil)
	want(t, "upload session status", code, 200)
	code, m = f.call("GET", "/drives/"+url.PathEscape(info.DriveID)+"/items/root/delta()", f.tokB, nil)
	want(t, "delta() status", code, 200)
	if !strings.Contains(str(m, "@odata.deltaLink"), "/delta?") {
		t.Fatalf("deltaLink %q", str(m, "@odata.deltaLink"))
	}
}

func TestPersonalSHA256(t *testing.T) {
	f := setup(t, Options{PersonalSHA256: true})
	_, m := f.call("PUT", "/me/drive/root:/h.txt:/content", f.tokP, "abc")
	want(t, "sha256Hash", str(m, "file", "hashes", "sha256Hash"), "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")
	_, m = f.call("PUT", "/me/drive/root:/h.txt:/content", f.tokB, "abc")
	want(t, "no sha256Hash on business", str(m, "file", "hashes", "sha256Hash"), "")
}

func TestOrderBySizeOnPersonalOnly(t *testing.T) {
	f := setup(t, Options{})
	for _, u := range []User{f.biz, f.personal} {
		_, _ = f.s.WriteFile(u.ID, "/o/big.txt", []byte("123456"))
		_, _ = f.s.WriteFile(u.ID, "/o/a-small.txt", []byte("1"))
	}
	_, m := f.call("GET", "/me/drive/root:/o:/children?$orderby=size%20desc", f.tokP, nil)
	want(t, "largest first", str(m["value"].([]any)[0].(map[string]any), "name"), "big.txt")
	code, _ := f.call("GET", "/me/drive/root:/o:/children?$orderby=size", f.tokB, nil)
	want(t, "business refuses size", code, 400)
}
