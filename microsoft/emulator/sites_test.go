package emulator

import (
	"net/url"
	"path/filepath"
	"testing"
	"time"
)

// siteFixture is the fixture with the demo sites: Marketing (two
// libraries) with its Campaigns subsite, the group-connected Engineering,
// and a private Finance whose only member is the first business user.
type siteFixture struct {
	*fixture
	marketing, campaigns, engineering, finance Site
}

func setupSites(t *testing.T) *siteFixture {
	f := &siteFixture{fixture: setup(t, Options{})}
	must(t, f.s.SeedSites(f.tenant.ID, f.biz.UPN))
	for _, s := range f.s.Sites(f.tenant.ID) {
		switch s.Path {
		case "/sites/marketing":
			f.marketing = s
		case "/sites/marketing/campaigns":
			f.campaigns = s
		case "/sites/engineering":
			f.engineering = s
		case "/sites/finance":
			f.finance = s
		}
	}
	want(t, "seeded sites", len(f.s.Sites(f.tenant.ID)), 4)
	return f
}

func values(m map[string]any) []map[string]any {
	var out []map[string]any
	vs, _ := m["value"].([]any)
	for _, v := range vs {
		out = append(out, v.(map[string]any))
	}
	return out
}

func names(m map[string]any, key string) map[string]bool {
	out := map[string]bool{}
	for _, v := range values(m) {
		out[str(v, key)] = true
	}
	return out
}

// TestSiteAddressing: a stored site by id, by {host}:/{path} with and
// without the closing colon, its subsites and its libraries.
func TestSiteAddressing(t *testing.T) {
	f := setupSites(t)
	st, byID := f.call("GET", "/sites/"+f.marketing.ID, f.tokB, nil)
	want(t, "GET sites/{id}", st, 200)
	want(t, "displayName", str(byID, "displayName"), "Marketing")
	want(t, "webUrl", str(byID, "webUrl"), "https://contoso.sharepoint.com/sites/marketing")
	if _, isRoot := byID["root"]; isRoot {
		t.Fatal("a team site is not a root site")
	}
	st, byPath := f.call("GET", "/sites/contoso.sharepoint.com:/sites/Marketing", f.tokB, nil)
	want(t, "GET sites/{host}:/{path}", st, 200)
	want(t, "same site by path", str(byPath, "id"), f.marketing.ID)
	st, libs := f.call("GET", "/sites/contoso.sharepoint.com:/sites/marketing:/drives", f.tokB, nil)
	want(t, "GET sites/{host}:/{path}:/drives", st, 200)
	want(t, "two libraries", len(values(libs)), 2)
	got := names(libs, "name")
	if !got["Documents"] || !got["Brand Assets"] {
		t.Fatalf("library names %v", got)
	}
	want(t, "driveType", str(values(libs)[0], "driveType"), "documentLibrary")
	st, subs := f.call("GET", "/sites/"+f.marketing.ID+"/sites", f.tokB, nil)
	want(t, "GET subsites", st, 200)
	want(t, "one subsite", len(values(subs)), 1)
	want(t, "subsite", str(values(subs)[0], "id"), f.campaigns.ID)
	if f.campaigns.ID[:len(f.campaigns.ID)-36] != f.marketing.ID[:len(f.marketing.ID)-36] {
		t.Fatalf("subsite %s does not share the collection of %s", f.campaigns.ID, f.marketing.ID)
	}
	st, d := f.call("GET", "/sites/"+f.marketing.ID+"/drive", f.tokB, nil)
	want(t, "default library", st, 200)
	want(t, "default library id", str(d, "id"), f.marketing.DriveIDs[0])
	st, _ = f.call("GET", "/sites/contoso.sharepoint.com:/sites/nowhere", f.tokB, nil)
	want(t, "unknown site", st, 404)
	st, _ = f.call("GET", "/sites/"+f.marketing.ID+"/drives/"+f.engineering.DriveIDs[0]+"/root", f.tokB, nil)
	want(t, "another site's library through this site", st, 404)
}

// TestSiteLibraryFiles: a second library is a drive of its own, written
// and read through sites/{id}/drives/{id} and drives/{id}.
func TestSiteLibraryFiles(t *testing.T) {
	f := setupSites(t)
	brand := f.marketing.DriveIDs[1]
	st, put := f.call("PUT", "/sites/"+f.marketing.ID+"/drives/"+brand+"/root:/Logos/logo.svg:/content", f.tokB, []byte("<svg/>"))
	want(t, "PUT into a second library", st, 201)
	want(t, "parentReference.driveId", str(put, "parentReference", "driveId"), brand)
	want(t, "parentReference.driveType", str(put, "parentReference", "driveType"), "documentLibrary")
	st, kids := f.call("GET", "/drives/"+brand+"/root:/Logos:/children", f.tokB, nil)
	want(t, "children by drive id", st, 200)
	want(t, "the file is there", str(values(kids)[0], "name"), "logo.svg")
	st, docs := f.call("GET", "/sites/"+f.marketing.ID+"/drive/root:/Logos", f.tokB, nil)
	want(t, "not in the default library", st, 404)
	_ = docs
}

// TestSiteSearch: sites?search= matches names and descriptions, never
// a private site the caller is not a member of.
func TestSiteSearch(t *testing.T) {
	f := setupSites(t)
	st, m := f.call("GET", "/sites?search=engin", f.tokB, nil)
	want(t, "search", st, 200)
	want(t, "one match", len(values(m)), 1)
	want(t, "Engineering", str(values(m)[0], "id"), f.engineering.ID)
	_, m = f.call("GET", "/sites?search=budgets", f.tokB, nil)
	want(t, "member finds the private site by description", len(values(m)), 1)
	_, m = f.call("GET", "/sites?search=budgets", f.tokB2(), nil)
	want(t, "non-member does not", len(values(m)), 0)
	_, m = f.call("GET", "/sites?search=*", f.tokB, nil)
	want(t, "all: root + 4", len(values(m)), 5)
	st, _ = f.call("GET", "/sites?search=x", f.tokP, nil)
	want(t, "personal accounts have no sites", st, 400)
}

// tokB2 is a token of the second business user.
func (f *siteFixture) tokB2() string {
	tok, err := f.s.IssueAccessToken(f.biz2.ID, f.app.ClientID, "Files.ReadWrite.All")
	must(f.t, err)
	return tok
}

// TestPrivateSite: a non-member is refused the site, its libraries by
// any address, and subscriptions on them.
func TestPrivateSite(t *testing.T) {
	f := setupSites(t)
	lib := f.finance.DriveIDs[0]
	for _, path := range []string{"/sites/" + f.finance.ID, "/sites/" + f.finance.ID + "/drives",
		"/drives/" + lib + "/root/children", "/sites/" + f.finance.ID + "/drive/root"} {
		st, _ := f.call("GET", path, f.tokB2(), nil)
		want(t, "non-member GET "+path, st, 403)
		st, _ = f.call("GET", path, f.tokB, nil)
		want(t, "member GET "+path, st, 200)
	}
	rc := newReceiver(t)
	st, _ := f.subscribe(f.tokB2(), "/drives/"+lib+"/root", rc.URL, "", time.Hour)
	want(t, "non-member subscription", st, 400)
}

// TestGroupDrive: groups/{id}/drive, /drives and /sites/root name the
// group-connected site and its library.
func TestGroupDrive(t *testing.T) {
	f := setupSites(t)
	g := "/groups/" + f.engineering.GroupID
	st, d := f.call("GET", g+"/drive", f.tokB, nil)
	want(t, "group drive", st, 200)
	want(t, "group drive id", str(d, "id"), f.engineering.DriveIDs[0])
	st, ds := f.call("GET", g+"/drives", f.tokB, nil)
	want(t, "group drives", st, 200)
	want(t, "one library", len(values(ds)), 1)
	st, s := f.call("GET", g+"/sites/root", f.tokB, nil)
	want(t, "group site", st, 200)
	want(t, "group site id", str(s, "id"), f.engineering.ID)
	st, _ = f.call("PUT", g+"/drive/root:/spec.md:/content", f.tokB, []byte("# spec"))
	want(t, "write through the group drive", st, 201)
	st, _ = f.call("GET", "/groups/00000000-0000-0000-0000-000000000000/drives", f.tokB, nil)
	want(t, "unknown group", st, 404)
	rc := newReceiver(t)
	st, _ = f.subscribe(f.tokB, g+"/drive/root", rc.URL, "", time.Hour)
	want(t, "subscription on a group drive", st, 201)
	_, err := f.s.WriteFile(f.engineering.DriveIDs[0], "/design.md", []byte("x"))
	must(t, err)
	eventually(t, "group drive notification", func() bool { return rc.count() >= 1 })
}

// TestFollowedSites: follow, list, unfollow; a user cannot change
// another's list nor follow a private site they cannot see.
func TestFollowedSites(t *testing.T) {
	f := setupSites(t)
	me := "/users/" + url.PathEscape(f.biz.UPN) + "/followedSites"
	st, added := f.call("POST", me+"/add", f.tokB, map[string]any{"value": []any{
		map[string]any{"id": f.marketing.ID}, map[string]any{"id": f.finance.ID}}})
	want(t, "follow", st, 200)
	want(t, "followed two", len(values(added)), 2)
	_, list := f.call("GET", "/me/followedSites", f.tokB, nil)
	want(t, "list", len(values(list)), 2)
	st, _ = f.call("POST", me+"/remove", f.tokB, map[string]any{"value": []any{map[string]any{"id": f.marketing.ID}}})
	want(t, "unfollow", st, 204)
	_, list = f.call("GET", "/me/followedSites", f.tokB, nil)
	want(t, "after unfollow", len(values(list)), 1)
	want(t, "Finance stays", str(values(list)[0], "id"), f.finance.ID)
	st, _ = f.call("POST", me+"/add", f.tokB2(), map[string]any{"value": []any{map[string]any{"id": f.marketing.ID}}})
	want(t, "another user's list", st, 403)
	other := "/users/" + url.PathEscape(f.biz2.UPN) + "/followedSites/add"
	st, _ = f.call("POST", other, f.tokB2(), map[string]any{"value": []any{map[string]any{"id": f.finance.ID}}})
	want(t, "a private site a non-member cannot see", st, 404)
	_, list = f.call("GET", "/me/followedSites", f.tokB2(), nil)
	want(t, "nothing followed", len(values(list)), 0)
}

// TestSitesPersist: sites, libraries, follows and grants survive a
// restart of an emulator with a state file.
func TestSitesPersist(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "state.json")
	s1, err := Start("127.0.0.1:0", Options{StateFile: file})
	must(t, err)
	tn, err := s1.CreateTenant(TenantSpec{Name: "Contoso", Domain: "contoso.onmicrosoft.com"})
	must(t, err)
	a, err := s1.CreateUser(UserSpec{TenantID: tn.ID, UPN: "a@contoso.onmicrosoft.com"})
	must(t, err)
	b, err := s1.CreateUser(UserSpec{TenantID: tn.ID, UPN: "b@contoso.onmicrosoft.com"})
	must(t, err)
	app, err := s1.CreateApp(AppSpec{Name: "A"})
	must(t, err)
	must(t, s1.SeedSites(tn.ID, a.UPN))
	_, err = s1.WriteFile(a.ID, "/s.txt", []byte("x"))
	must(t, err)
	_, err = s1.Share(a.ID, "/s.txt", b.UPN, "read")
	must(t, err)
	tok, err := s1.IssueAccessToken(a.ID, app.ClientID)
	must(t, err)
	f1 := &fixture{t: t, s: s1, c: newFixtureClient()}
	site := s1.Sites(tn.ID)[0]
	st, _ := f1.call("POST", "/users/"+a.ID+"/followedSites/add", tok, map[string]any{"value": []any{map[string]any{"id": site.ID}}})
	want(t, "follow", st, 200)
	must(t, s1.Close())

	s2, err := Start("127.0.0.1:0", Options{StateFile: file})
	must(t, err)
	defer s2.Close()
	want(t, "sites after restart", len(s2.Sites(tn.ID)), 4)
	f := &fixture{t: t, s: s2, c: newFixtureClient()}
	st, libs := f.call("GET", "/sites/"+site.ID+"/drives", tok, nil)
	want(t, "libraries after restart", st, 200)
	want(t, "library count", len(values(libs)), len(site.DriveIDs))
	want(t, "library name", str(values(libs)[0], "name"), "Documents")
	_, followed := f.call("GET", "/me/followedSites", tok, nil)
	want(t, "followed after restart", len(values(followed)), 1)
	tokB, err := s2.IssueAccessToken(b.ID, app.ClientID)
	must(t, err)
	_, shared := f.call("GET", "/me/drive/sharedWithMe", tokB, nil)
	want(t, "grant after restart", len(values(shared)), 1)
}
