package emulator

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestMustHave05_SimplePut(t *testing.T) {
	f := setup(t, Options{SimpleUploadMax: 4 << 20})
	code, m := f.call("PUT", "/me/drive/root:/notes.txt:/content", f.tokB, "v1")
	want(t, "create status", code, 201)
	id := str(m, "id")
	code, m = f.call("PUT", "/me/drive/root:/notes.txt:/content", f.tokB, "v2")
	want(t, "replace status", code, 200)
	want(t, "same id", str(m, "id"), id)
	code, m = f.call("PUT", "/me/drive/root:/notes.txt:/content?@microsoft.graph.conflictBehavior=fail", f.tokB, "v3")
	want(t, "fail status", code, 409)
	want(t, "fail code", errCode(m), "nameAlreadyExists")
	code, m = f.call("PUT", "/me/drive/root:/notes.txt:/content?@microsoft.graph.conflictBehavior=rename", f.tokB, "v3")
	want(t, "rename status", code, 201)
	want(t, "renamed", str(m, "name"), "notes 1.txt")
	code, _ = f.call("PUT", "/me/drive/items/"+id+"/content", f.tokB, "v4")
	want(t, "replace by id status", code, 200)
	got, _ := f.s.ReadFile(f.biz.ID, "/notes.txt")
	want(t, "content", string(got), "v4")
	code, m = f.call("PUT", "/me/drive/root:/big.bin:/content", f.tokB, bytes.Repeat([]byte("x"), 4<<20+1))
	want(t, "too large status", code, 413)
}

// putRange sends one fragment to an upload URL.
func (f *fixture) putRange(u string, data []byte, start, total int64, hdr ...string) (int, map[string]any) {
	f.t.Helper()
	hdr = append(hdr, "Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, start+int64(len(data))-1, total))
	return f.call("PUT", u, "", data, hdr...)
}

func TestMustHave06_UploadSessionRules(t *testing.T) {
	f := setup(t, Options{RejectPreAuthAuthorization: true})
	const unit = 320 << 10
	data := bytes.Repeat([]byte("0123456789abcdef"), (2*unit+1000)/16+1)[:2*unit+1000]
	total := int64(len(data))
	code, m := f.call("POST", "/me/drive/root:/up/big.bin:/createUploadSession", f.tokB, map[string]any{"item": map[string]any{"name": "big.bin"}})
	want(t, "create status", code, 200)
	uurl := str(m, "uploadUrl")
	if u, _ := url.Parse(uurl); u.Hostname() != "127.0.0.1" {
		t.Fatalf("uploadUrl host %q", u.Hostname())
	}
	want(t, "nextExpectedRanges", fmt.Sprint(m["nextExpectedRanges"]), "[0-]")
	code, _ = f.putRange(uurl, data[:unit], 0, total, "Authorization", "Bearer "+f.tokB)
	want(t, "fragment with Authorization", code, 401)
	code, _ = f.putRange(uurl, data[:1000], 0, total)
	want(t, "non-multiple fragment", code, 400)
	code, m = f.putRange(uurl, data[:unit], 0, total)
	want(t, "first fragment", code, 202)
	want(t, "next range", fmt.Sprint(m["nextExpectedRanges"]), fmt.Sprintf("[%d-]", unit))
	code, m = f.putRange(uurl, data[:unit], 0, total)
	want(t, "overlap", code, 416)
	code, _ = f.putRange(uurl, data[unit:2*unit], unit, total+1)
	want(t, "total changed", code, 400)
	code, m = f.call("GET", uurl, "", nil)
	want(t, "status GET", code, 200)
	want(t, "status ranges", fmt.Sprint(m["nextExpectedRanges"]), fmt.Sprintf("[%d-]", unit))
	code, _ = f.call("PUT", uurl, "", data[unit:], "Content-Range", "bytes 1-2/3")
	want(t, "bad range", code, 400)
	code, m = f.putRange(uurl, data[unit:], unit, total)
	want(t, "final fragment", code, 201)
	want(t, "final size", int64(m["size"].(float64)), total)
	got, _ := f.s.ReadFile(f.biz.ID, "/up/big.bin")
	want(t, "content matches", bytes.Equal(got, data), true)
	code, _ = f.call("GET", uurl, "", nil)
	want(t, "finished session", code, 404)

	// Cancel, expiry, zero length, fragment cap, conflict at commit.
	_, m = f.call("POST", "/me/drive/root:/up/c.bin:/createUploadSession", f.tokB, nil)
	resp := f.req("DELETE", str(m, "uploadUrl"), "", nil)
	resp.Body.Close()
	want(t, "cancel", resp.StatusCode, 204)
	code, _ = f.putRange(str(m, "uploadUrl"), []byte("abc"), 0, 3)
	want(t, "cancelled session", code, 404)
	_, m = f.call("POST", "/me/drive/root:/up/e.bin:/createUploadSession", f.tokB, nil)
	code, _ = f.call("PUT", str(m, "uploadUrl"), "", "", "Content-Range", "bytes 0--1/0")
	want(t, "zero-length", code, 400)
	code, _ = f.call("PUT", str(m, "uploadUrl"), "", "", "Content-Range", fmt.Sprintf("bytes 0-%d/%d", 60<<20, 70<<20))
	want(t, "60 MiB cap", code, 400)
	f.clock.Advance(49 * 3600e9)
	code, _ = f.putRange(str(m, "uploadUrl"), []byte("abc"), 0, 3)
	want(t, "expired session", code, 404)
	f.tokB, _ = f.s.IssueAccessToken(f.biz.ID, f.app.ClientID, "Files.ReadWrite.All")
	_, m = f.call("POST", "/me/drive/root:/up/x.bin:/createUploadSession", f.tokB,
		map[string]any{"item": map[string]any{"@microsoft.graph.conflictBehavior": "fail"}})
	uurlX := str(m, "uploadUrl")
	_, err := f.s.WriteFile(f.biz.ID, "/up/x.bin", []byte("appeared meanwhile"))
	must(t, err)
	code, m = f.putRange(uurlX, []byte("abc"), 0, 3)
	want(t, "conflict at commit", code, 409)
	want(t, "conflict code", errCode(m), "nameAlreadyExists")
	code, m = f.call("PUT", "/me/drive/root:/up/x.bin", f.tokB, map[string]any{"name": "x.bin",
		"@microsoft.graph.conflictBehavior": "rename", "@microsoft.graph.sourceUrl": uurlX})
	want(t, "recovery commit", code, 201)
	want(t, "recovered name", str(m, "name"), "x 1.bin")

	// deferCommit: business commits with an empty POST.
	_, m = f.call("POST", "/me/drive/root:/up/d.bin:/createUploadSession", f.tokB, map[string]any{"deferCommit": true})
	uurl = str(m, "uploadUrl")
	code, _ = f.putRange(uurl, []byte("abc"), 0, 3)
	want(t, "deferred last fragment", code, 202)
	if _, err := f.s.Stat(f.biz.ID, "/up/d.bin"); err == nil {
		t.Fatal("deferred file exists before commit")
	}
	code, m = f.call("POST", uurl, "", nil)
	want(t, "explicit commit", code, 201)
	want(t, "committed name", str(m, "name"), "d.bin")
}

func TestMustHave07_CreateFolderConflicts(t *testing.T) {
	f := setup(t, Options{CreateFolderQuirk: true})
	body := func(c string) map[string]any {
		m := map[string]any{"name": "Projects", "folder": map[string]any{}}
		if c != "" {
			m["@microsoft.graph.conflictBehavior"] = c
		}
		return m
	}
	for _, tok := range []string{f.tokB, f.tokP} {
		code, m := f.call("POST", "/me/drive/root/children", tok, body("fail"))
		want(t, "create", code, 201)
		id := str(m, "id")
		code, m = f.call("POST", "/me/drive/root/children", tok, body("fail"))
		want(t, "fail", code, 409)
		want(t, "fail code", errCode(m), "nameAlreadyExists")
		code, m = f.call("POST", "/me/drive/root/children", tok, body("rename"))
		want(t, "rename", code, 201)
		want(t, "renamed", str(m, "name"), "Projects 1")
		code, m = f.call("POST", "/me/drive/root/children", tok, body(""))
		if tok == f.tokP {
			want(t, "personal quirk status", code, 200)
			want(t, "personal quirk id", str(m, "id"), id)
		} else {
			want(t, "business no-conflict status", code, 409)
		}
	}
}

func TestMustHave08_PatchRenameMove(t *testing.T) {
	f := setup(t, Options{})
	a, _ := f.s.WriteFile(f.biz.ID, "/A/file.txt", []byte("x"))
	b, _ := f.s.MakeFolder(f.biz.ID, "/B")
	_, _ = f.s.WriteFile(f.biz.ID, "/B/taken.txt", []byte("y"))
	code, m := f.call("PATCH", "/me/drive/items/"+a.ID, f.tokB, map[string]any{"name": "renamed.txt"}, "If-Match", `"{wrong},1"`)
	want(t, "If-Match mismatch", code, 412)
	code, m = f.call("PATCH", "/me/drive/items/"+a.ID, f.tokB,
		map[string]any{"name": "moved.txt", "parentReference": map[string]any{"id": b.ID},
			"fileSystemInfo": map[string]any{"lastModifiedDateTime": "2020-01-02T03:04:05.678Z"}}, "If-Match", a.ETag)
	want(t, "patch status", code, 200)
	want(t, "same id", str(m, "id"), a.ID)
	want(t, "new path", str(m, "parentReference", "path"), "/drive/root:/B")
	want(t, "mtime", str(m, "fileSystemInfo", "lastModifiedDateTime"), "2020-01-02T03:04:05Z")
	if str(m, "eTag") == a.ETag {
		t.Fatal("eTag did not change on rename")
	}
	code, m = f.call("PATCH", "/me/drive/items/"+a.ID, f.tokB, map[string]any{"name": "TAKEN.txt"})
	want(t, "name conflict", code, 409)
	code, _ = f.call("PATCH", "/me/drive/items/"+a.ID, f.tokB,
		map[string]any{"parentReference": map[string]any{"id": b.ID, "driveId": f.personal.DriveID}})
	want(t, "cross-drive move", code, 400)
}

func TestMustHave09_CopyWithMonitor(t *testing.T) {
	f := setup(t, Options{CopyPolls: 2})
	src, _ := f.s.WriteFile(f.biz.ID, "/src/tree/a.txt", []byte("a"))
	_, _ = f.s.WriteFile(f.biz.ID, "/src/tree/sub/b.txt", []byte("bb"))
	tree, _ := f.s.Stat(f.biz.ID, "/src/tree")
	dst, _ := f.s.MakeFolder(f.biz.ID, "/dst")
	resp := f.req("POST", "/me/drive/items/"+tree.ID+"/copy", f.tokB,
		map[string]any{"parentReference": map[string]any{"driveId": dst.DriveID, "id": dst.ID}, "name": "copy"})
	resp.Body.Close()
	want(t, "copy status", resp.StatusCode, 202)
	mon := resp.Header.Get("Location")
	if u, _ := url.Parse(mon); u.Hostname() != "127.0.0.1" {
		t.Fatalf("monitor host %q", mon)
	}
	statuses := []string{}
	var last map[string]any
	for range 4 {
		code, m := f.call("GET", mon, "", nil)
		statuses = append(statuses, fmt.Sprint(code, str(m, "status")))
		last = m
	}
	want(t, "monitor sequence", strings.Join(statuses, ","), "202inProgress,202inProgress,200completed,200completed")
	info, err := f.s.Stat(f.biz.ID, "/dst/copy/sub/b.txt")
	must(t, err)
	want(t, "copied size", info.Size, int64(2))
	cp, _ := f.s.Stat(f.biz.ID, "/dst/copy")
	want(t, "resourceId", str(last, "resourceId"), cp.ID)
	if cp.ID == tree.ID || src.ID == "" {
		t.Fatal("copy kept the source id")
	}
	code, m := f.call("POST", "/me/drive/items/"+tree.ID+"/copy", f.tokB,
		map[string]any{"parentReference": map[string]any{"id": dst.ID}, "name": "copy"})
	want(t, "sync conflict", code, 409)
	want(t, "sync conflict code", errCode(m), "nameAlreadyExists")
}

func TestMustHave10_DeleteRecycleBin(t *testing.T) {
	f := setup(t, Options{})
	for _, c := range []struct {
		user User
		tok  string
	}{{f.biz, f.tokB}, {f.personal, f.tokP}} {
		it, _ := f.s.WriteFile(c.user.ID, "/trash/me.txt", []byte("12345"))
		resp := f.req("DELETE", "/me/drive/items/"+it.ID, c.tok, nil)
		resp.Body.Close()
		want(t, "delete status", resp.StatusCode, http.StatusNoContent)
		code, m := f.call("GET", "/me/drive/items/"+it.ID, c.tok, nil)
		want(t, "after delete", code, 404)
		want(t, "after delete code", errCode(m), "itemNotFound")
		_, d := f.call("GET", "/me/drive", c.tok, nil)
		want(t, "quota deleted", d["quota"].(map[string]any)["deleted"].(float64), 5.0)
		other, _ := f.s.WriteFile(c.user.ID, "/trash/perm.txt", []byte("1"))
		code, _ = f.call("POST", "/me/drive/items/"+other.ID+"/permanentDelete", c.tok, nil)
		if c.tok == f.tokB {
			want(t, "business permanentDelete", code, 204)
		} else {
			want(t, "personal permanentDelete", code, 400)
		}
	}
}

func readAll(r io.Reader) string { b, _ := io.ReadAll(r); return string(b) }

func TestQuotaLimit(t *testing.T) {
	f := setup(t, Options{DriveQuota: 100})
	code, _ := f.call("PUT", "/me/drive/root:/a.bin:/content", f.tokB, bytes.Repeat([]byte("a"), 60))
	want(t, "within quota", code, 201)
	code, m := f.call("PUT", "/me/drive/root:/b.bin:/content", f.tokB, bytes.Repeat([]byte("b"), 60))
	want(t, "over quota", code, 507)
	want(t, "code", errCode(m), "quotaLimitReached")
	code, _ = f.call("POST", "/me/drive/root:/c.bin:/createUploadSession", f.tokB, map[string]any{"item": map[string]any{"fileSize": 50}})
	want(t, "session over quota", code, 507)
	code, _ = f.call("PUT", "/me/drive/root:/c.bin:/content", f.tokB, bytes.Repeat([]byte("c"), 35))
	want(t, "up to 95%", code, 201)
	_, d := f.call("GET", "/me/drive", f.tokB, nil)
	want(t, "quota state", str(d, "quota", "state"), "nearing")
}

func TestCopyMonitorSeeOther(t *testing.T) {
	f := setup(t, Options{CopyPolls: 1, CopySeeOther: true})
	src, _ := f.s.WriteFile(f.biz.ID, "/s.txt", []byte("s"))
	resp := f.req("POST", "/me/drive/items/"+src.ID+"/copy", f.tokB, map[string]any{"name": "t.txt"})
	resp.Body.Close()
	mon := resp.Header.Get("Location")
	resp = f.req("GET", mon, "", nil)
	resp.Body.Close()
	want(t, "first poll", resp.StatusCode, 202)
	resp = f.req("GET", mon, "", nil)
	resp.Body.Close()
	want(t, "303", resp.StatusCode, 303)
	cp, _ := f.s.Stat(f.biz.ID, "/t.txt")
	if !strings.HasSuffix(resp.Header.Get("Location"), "/items/"+cp.ID) {
		t.Fatalf("See Other location %q", resp.Header.Get("Location"))
	}
}
