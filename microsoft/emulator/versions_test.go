package emulator

import (
	"io"
	"net/http"
	"path/filepath"
	"testing"
)

// versionIDs lists the ids of an item's versions, newest first.
func (f *fixture) versionIDs(tok, itemID string) []string {
	f.t.Helper()
	code, m := f.call("GET", "/me/drive/items/"+itemID+"/versions", tok, nil)
	want(f.t, "list versions status", code, 200)
	var ids []string
	for _, v := range m["value"].([]any) {
		ids = append(ids, v.(map[string]any)["id"].(string))
	}
	return ids
}

// versionBytes downloads a version's content through its 302.
func (f *fixture) versionBytes(tok, itemID, versionID string) string {
	f.t.Helper()
	resp := f.req("GET", "/me/drive/items/"+itemID+"/versions/"+versionID+"/content", tok, nil)
	resp.Body.Close()
	want(f.t, "version content status", resp.StatusCode, http.StatusFound)
	dl, err := http.Get(resp.Header.Get("Location"))
	must(f.t, err)
	defer dl.Body.Close()
	b, _ := io.ReadAll(dl.Body)
	want(f.t, "version download status", dl.StatusCode, 200)
	return string(b)
}

// Microsoft documents driveItemVersion for both kinds: list (newest, the
// current version, first), get (also "current"), content (302; not for the
// current version: OneDrive/onedrive-api-docs#1112), restoreVersion (204):
// https://learn.microsoft.com/en-us/graph/api/resources/driveitemversion
// Business drives also version a modification-time change (rclone's OneDrive
// docs) and delete old versions (rclone cleanup); personal ones answer
// "API not found" to the delete.
func TestVersions(t *testing.T) {
	f := setup(t, Options{})
	cases := map[string]struct{ ids, afterPatch, afterRestore []string }{
		ModeBusiness: {[]string{"3.0", "2.0", "1.0"}, []string{"4.0", "3.0", "2.0", "1.0"}, []string{"5.0", "4.0", "3.0", "2.0", "1.0"}},
		ModePersonal: {[]string{"current", "2", "1"}, []string{"current", "2", "1"}, []string{"current", "3", "2", "1"}},
	}
	for _, m := range f.modes() {
		c := cases[m.name]
		it, _ := f.s.WriteFile(m.user.ID, "/v.txt", []byte("one"))
		_, _ = f.s.WriteFile(m.user.ID, "/v.txt", []byte("two"))
		code, _ := f.call("PUT", "/me/drive/items/"+it.ID+"/content", m.tok, "three")
		want(t, m.name+" write", code, 200)
		want(t, m.name+" versions", fmtList(f.versionIDs(m.tok, it.ID)), fmtList(c.ids))
		want(t, m.name+" oldest bytes", f.versionBytes(m.tok, it.ID, c.ids[2]), "one")
		code, v := f.call("GET", "/me/drive/items/"+it.ID+"/versions/current", m.tok, nil)
		want(t, m.name+" get current", code, 200)
		want(t, m.name+" current id", str(v, "id"), c.ids[0])
		code, v = f.call("GET", "/me/drive/items/"+it.ID+"/versions/"+c.ids[0]+"/content", m.tok, nil)
		want(t, m.name+" current content refused", code, 400)
		code, _ = f.call("PATCH", "/me/drive/items/"+it.ID, m.tok, map[string]any{"fileSystemInfo": map[string]any{"lastModifiedDateTime": "2020-01-01T00:00:00Z"}})
		want(t, m.name+" patch", code, 200)
		want(t, m.name+" versions after mtime change", fmtList(f.versionIDs(m.tok, it.ID)), fmtList(c.afterPatch))
		code, _ = f.call("POST", "/me/drive/items/"+it.ID+"/versions/"+c.ids[2]+"/restoreVersion", m.tok, nil)
		want(t, m.name+" restore", code, 204)
		got, _ := f.s.ReadFile(m.user.ID, "/v.txt")
		want(t, m.name+" restored bytes", string(got), "one")
		want(t, m.name+" versions after restore", fmtList(f.versionIDs(m.tok, it.ID)), fmtList(c.afterRestore))
		code, _ = f.call("GET", "/me/drive/items/"+it.ID+"/versions/9.9", m.tok, nil)
		want(t, m.name+" unknown version", code, 404)
	}
	// Deleting: business removes old versions, never the current one.
	biz := f.s.mustStat(t, f.biz.ID, "/v.txt")
	code, _ := f.call("DELETE", "/me/drive/items/"+biz.ID+"/versions/1.0", f.tokB, nil)
	want(t, "business delete old version", code, 204)
	code, _ = f.call("DELETE", "/me/drive/items/"+biz.ID+"/versions/5.0", f.tokB, nil)
	want(t, "business delete current version", code, 400)
	want(t, "business versions after delete", fmtList(f.versionIDs(f.tokB, biz.ID)), "5.0,4.0,3.0,2.0")
	per := f.s.mustStat(t, f.personal.ID, "/v.txt")
	code, body := f.call("DELETE", "/me/drive/items/"+per.ID+"/versions/1", f.tokP, nil)
	want(t, "personal delete version", code, 400)
	want(t, "personal delete message", str(body, "error", "message"), "API not found")
	// Folders have no versions.
	code, _ = f.call("GET", "/me/drive/root/versions", f.tokB, nil)
	want(t, "folder versions", code, 404)
}

func fmtList(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ","
		}
		out += v
	}
	return out
}

// Old versions survive a restart with their bytes.
func TestVersionsPersist(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "state.json")
	s1, err := Start("127.0.0.1:0", Options{StateFile: file})
	must(t, err)
	u, _ := s1.CreateUser(UserSpec{UPN: "p@outlook.com"})
	app, _ := s1.CreateApp(AppSpec{Name: "A", RedirectURIs: []string{"http://localhost/cb"}})
	it, _ := s1.WriteFile(u.ID, "/v.txt", []byte("first"))
	_, _ = s1.WriteFile(u.ID, "/v.txt", []byte("second"))
	tok, _ := s1.IssueAccessToken(u.ID, app.ClientID, "Files.ReadWrite")
	must(t, s1.Close())
	s2, err := Start("127.0.0.1:0", Options{StateFile: file})
	must(t, err)
	defer s2.Close()
	f := &fixture{t: t, s: s2, c: newFixtureClient()}
	want(t, "versions after restart", fmtList(f.versionIDs(tok, it.ID)), "current,1")
	want(t, "old bytes after restart", f.versionBytes(tok, it.ID, "1"), "first")
}
