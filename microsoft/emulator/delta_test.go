package emulator

import (
	"net/url"
	"testing"
	"time"
)

// deltaRound follows links from start until a deltaLink and returns the
// items (by id, last occurrence wins), the raw entries and the deltaLink.
func (f *fixture) deltaRound(start, tok string) (map[string]map[string]any, []map[string]any, string) {
	f.t.Helper()
	items := map[string]map[string]any{}
	var all []map[string]any
	next := start
	for range 1000 {
		code, m := f.call("GET", next, tok, nil)
		if code != 200 {
			f.t.Fatalf("delta status %d: %v", code, m)
		}
		for _, v := range m["value"].([]any) {
			it := v.(map[string]any)
			items[it["id"].(string)] = it
			all = append(all, it)
		}
		if dl := str(m, "@odata.deltaLink"); dl != "" {
			return items, all, dl
		}
		next = str(m, "@odata.nextLink")
	}
	f.t.Fatal("delta never ended")
	return nil, nil, ""
}

func TestMustHave11_Delta(t *testing.T) {
	f := setup(t, Options{PageSize: 5})
	for i := range 12 {
		_, err := f.s.WriteFile(f.biz.ID, "/D/f"+string(rune('a'+i)), []byte("x"))
		must(t, err)
	}
	items, all, link := f.deltaRound("/me/drive/root/delta?$select=id,name,parentReference,deleted,file,folder", f.tokB)
	want(t, "items after full enumeration", len(items), 14) // root + D + 12 files
	for _, it := range all {
		if str(it, "parentReference", "id") != "" && str(it, "parentReference", "path") == "" {
			t.Fatalf("business delta item lacks parentReference.path: %v", it)
		}
	}
	u, _ := url.Parse(link)
	if u.Query().Get("token") == "" || u.Query().Get("$select") == "" {
		t.Fatalf("deltaLink %q lacks token= or $select", link)
	}
	// Incremental: a rename, a move, a delete.
	fa, _ := f.s.Stat(f.biz.ID, "/D/fa")
	_, err := f.s.RenameItem(f.biz.ID, "/D/fa", "renamed")
	must(t, err)
	_, _ = f.s.MakeFolder(f.biz.ID, "/E")
	_, err = f.s.MoveItem(f.biz.ID, "/D/fb", "/E")
	must(t, err)
	fc, _ := f.s.Stat(f.biz.ID, "/D/fc")
	must(t, f.s.DeleteItem(f.biz.ID, "/D/fc"))
	changes, _, link2 := f.deltaRound(link, f.tokB)
	want(t, "renamed keeps id", str(changes[fa.ID], "name"), "renamed")
	if changes[fc.ID]["deleted"] == nil {
		t.Fatalf("deleted item lacks deleted facet: %v", changes[fc.ID])
	}
	if _, ok := changes[f.s.mustStat(t, f.biz.ID, "/E").ID]; !ok {
		t.Fatal("new folder missing from delta")
	}
	// Nothing changed: an empty page.
	empty, _, _ := f.deltaRound(link2, f.tokB)
	want(t, "no changes", len(empty), 0)
	// token=latest: empty value and a deltaLink.
	code, m := f.call("GET", "/me/drive/root/delta?token=latest", f.tokB, nil)
	want(t, "latest status", code, 200)
	want(t, "latest empty", len(m["value"].([]any)), 0)
	latest := str(m, "@odata.deltaLink")
	_, _ = f.s.WriteFile(f.biz.ID, "/after.txt", []byte("1"))
	got, _, _ := f.deltaRound(latest, f.tokB)
	found := false
	for _, it := range got {
		found = found || str(it, "name") == "after.txt"
	}
	want(t, "change after latest", found, true)
	// Invalidated tokens answer 410 resyncRequired.
	must(t, f.s.InvalidateDeltaTokens(f.biz.DriveID))
	code, m = f.call("GET", link2, f.tokB, nil)
	want(t, "invalidated status", code, 410)
	want(t, "invalidated code", errCode(m), "resyncRequired")
}

func (s *Server) mustStat(t *testing.T, user, path string) ItemInfo {
	t.Helper()
	i, err := s.Stat(user, path)
	must(t, err)
	return i
}

func TestMustHave12_SearchWithIndexDelay(t *testing.T) {
	f := setup(t, Options{SearchIndexDelay: time.Minute})
	_, _ = f.s.WriteFile(f.biz.ID, "/x/Pat's budget.xlsx", []byte("1"))
	_, _ = f.s.WriteFile(f.biz.ID, "/x/other.txt", []byte("1"))
	q := "/me/drive/root/search(q='" + url.PathEscape("pat''s") + "')"
	code, m := f.call("GET", q, f.tokB, nil)
	want(t, "search status", code, 200)
	want(t, "not yet indexed", len(m["value"].([]any)), 0)
	f.clock.Advance(2 * time.Minute)
	f.tokB, _ = f.s.IssueAccessToken(f.biz.ID, f.app.ClientID, "Files.ReadWrite.All")
	_, m = f.call("GET", q, f.tokB, nil)
	vals := m["value"].([]any)
	want(t, "hits", len(vals), 1)
	want(t, "hit name", str(vals[0].(map[string]any), "name"), "Pat's budget.xlsx")
}

func TestMustHave13_ConditionalRequestsAndTags(t *testing.T) {
	f := setup(t, Options{})
	for _, c := range []struct {
		user User
		tok  string
	}{{f.biz, f.tokB}, {f.personal, f.tokP}} {
		it, _ := f.s.WriteFile(c.user.ID, "/c.txt", []byte("1"))
		resp := f.req("GET", "/me/drive/items/"+it.ID, c.tok, nil, "If-None-Match", it.ETag)
		resp.Body.Close()
		want(t, "304", resp.StatusCode, 304)
		renamed, _ := f.s.RenameItem(c.user.ID, "/c.txt", "d.txt")
		if renamed.ETag == it.ETag || renamed.CTag != it.CTag {
			t.Fatalf("rename: eTag %q→%q cTag %q→%q", it.ETag, renamed.ETag, it.CTag, renamed.CTag)
		}
		edited, _ := f.s.WriteFile(c.user.ID, "/d.txt", []byte("2"))
		if edited.ETag == renamed.ETag || edited.CTag == renamed.CTag {
			t.Fatal("content change kept a tag")
		}
		resp = f.req("DELETE", "/me/drive/items/"+it.ID, c.tok, nil, "If-Match", it.ETag)
		resp.Body.Close()
		want(t, "stale If-Match delete", resp.StatusCode, 412)
		code, _ := f.call("PUT", "/me/drive/root:/d.txt:/content", c.tok, "x", "If-None-Match", "*")
		want(t, "create-only PUT onto an existing file", code, 412)
		resp = f.req("GET", "/me/drive/items/"+it.ID, c.tok, nil, "If-None-Match", it.ETag)
		resp.Body.Close()
		want(t, "changed → 200", resp.StatusCode, 200)
	}
}

func TestFolderScopedDelta(t *testing.T) {
	f := setup(t, Options{})
	_, _ = f.s.WriteFile(f.personal.ID, "/outside.txt", []byte("1"))
	sub, _ := f.s.WriteFile(f.personal.ID, "/Scope/inside.txt", []byte("1"))
	scope, _ := f.s.Stat(f.personal.ID, "/Scope")
	items, _, _ := f.deltaRound("/me/drive/items/"+scope.ID+"/delta", f.tokP)
	want(t, "items in scope", len(items), 2)
	if items[sub.ID] == nil || items[scope.ID] == nil {
		t.Fatalf("scoped delta items %v", items)
	}
}

func TestSearchContent(t *testing.T) {
	f := setup(t, Options{SearchContent: true})
	_, _ = f.s.WriteFile(f.biz.ID, "/notes.txt", []byte("the quarterly Budget is here"))
	_, m := f.call("GET", "/me/drive/root/search(q='budget')", f.tokB, nil)
	want(t, "content hits", len(m["value"].([]any)), 1)
}
