package emulator

import (
	"testing"
	"time"
)

// TestInviteGrantsPersonal: a personal account shares a folder with
// another personal account. The grantee reaches the folder and what lies
// below it by items/{id}, read-only for a read grant, but not the rest
// of the drive; sharedWithMe lists it with remoteItem; deleting the
// permission ends the access.
func TestInviteGrantsPersonal(t *testing.T) {
	f := setup(t, Options{})
	friend, err := f.s.CreateUser(UserSpec{UPN: "sam@outlook.com", DisplayName: "Sam"})
	must(t, err)
	tokF, err := f.s.IssueAccessToken(friend.ID, f.app.ClientID, "Files.ReadWrite.All")
	must(t, err)
	folder, err := f.s.MakeFolder(f.personal.ID, "/Trip")
	must(t, err)
	file, err := f.s.WriteFile(f.personal.ID, "/Trip/plan.txt", []byte("day 1"))
	must(t, err)
	secret, err := f.s.WriteFile(f.personal.ID, "/Private.txt", []byte("mine"))
	must(t, err)
	drive := "/drives/" + folder.DriveID

	st, _ := f.call("GET", drive+"/items/"+file.ID, tokF, nil)
	want(t, "before the invite", st, 403)
	st, inv := f.call("POST", "/me/drive/items/"+folder.ID+"/invite", f.tokP, map[string]any{
		"recipients": []any{map[string]any{"email": "sam@outlook.com"}}, "roles": []string{"read"},
		"requireSignIn": true, "sendInvitation": false})
	want(t, "invite", st, 200)
	perm := values(inv)[0]
	want(t, "grantee", str(perm, "grantedTo", "user", "id"), friend.ID)

	st, _ = f.call("GET", drive+"/items/"+file.ID, tokF, nil)
	want(t, "a file below the shared folder", st, 200)
	st, _ = f.call("GET", drive+"/items/"+file.ID+"/content", tokF, nil)
	want(t, "its content (a redirect to the download URL)", st, 302)
	st, _ = f.call("PUT", drive+"/items/"+file.ID+"/content", tokF, []byte("changed"))
	want(t, "a read grant cannot write", st, 403)
	for _, path := range []string{drive + "/items/" + secret.ID, drive + "/root/children", drive + "/root:/Private.txt"} {
		st, _ = f.call("GET", path, tokF, nil)
		want(t, "outside the grant: "+path, st, 403)
	}

	st, shared := f.call("GET", "/me/drive/sharedWithMe", tokF, nil)
	want(t, "sharedWithMe", st, 200)
	want(t, "one shared item", len(values(shared)), 1)
	remote, _ := values(shared)[0]["remoteItem"].(map[string]any)
	want(t, "remoteItem.id", str(remote, "id"), folder.ID)
	want(t, "remoteItem.parentReference.driveId", str(remote, "parentReference", "driveId"), folder.DriveID)
	want(t, "shared by", str(remote, "shared", "sharedBy", "user", "id"), f.personal.ID)

	st, perms := f.call("GET", "/me/drive/items/"+file.ID+"/permissions", f.tokP, nil)
	want(t, "child permissions", st, 200)
	inherited := values(perms)[len(values(perms))-1]
	want(t, "inherited grant", str(inherited, "inheritedFrom", "id"), folder.ID)
	resp := f.req("DELETE", "/me/drive/items/"+folder.ID+"/permissions/"+str(perm, "id"), f.tokP, nil)
	resp.Body.Close()
	want(t, "delete the grant", resp.StatusCode, 204)
	st, _ = f.call("GET", drive+"/items/"+file.ID, tokF, nil)
	want(t, "after the grant is deleted", st, 403)
	_, shared = f.call("GET", "/me/drive/sharedWithMe", tokF, nil)
	want(t, "nothing shared any more", len(values(shared)), 0)
}

// TestInviteRefusals: bad roles, no recipients, strangers and the owner.
func TestInviteRefusals(t *testing.T) {
	f := setup(t, Options{})
	it, err := f.s.WriteFile(f.biz.ID, "/r.txt", []byte("x"))
	must(t, err)
	inv := func(recipient string, roles ...string) (int, string) {
		st, m := f.call("POST", "/me/drive/items/"+it.ID+"/invite", f.tokB, map[string]any{
			"recipients": []any{map[string]any{"email": recipient}}, "roles": roles})
		return st, errCode(m)
	}
	st, _ := inv("bob@contoso.onmicrosoft.com", "owner")
	want(t, "owner role", st, 400)
	st, _ = inv("bob@contoso.onmicrosoft.com")
	want(t, "no role", st, 400)
	st, _ = inv("pat@outlook.com", "read")
	want(t, "an account of another tenant", st, 400)
	st, _ = inv("adele@contoso.onmicrosoft.com", "read")
	want(t, "the owner", st, 400)
	st, _ = f.call("POST", "/me/drive/items/"+it.ID+"/invite", f.tokB, map[string]any{"roles": []string{"read"}})
	want(t, "no recipients", st, 400)
	st, m := f.call("POST", "/me/drive/items/"+it.ID+"/invite", f.tokB, map[string]any{
		"recipients": []any{map[string]any{"email": "bob@contoso.onmicrosoft.com"}}, "roles": []string{"write"}})
	want(t, "a colleague", st, 200)
	want(t, "business grants carry grantedToV2", str(values(m)[0], "grantedToV2", "user", "id"), f.biz2.ID)
	tok2, err := f.s.IssueAccessToken(f.biz2.ID, f.app.ClientID, "Files.ReadWrite.All")
	must(t, err)
	_, shared := f.call("GET", "/me/drive/sharedWithMe", tok2, nil)
	want(t, "listed for the colleague", len(values(shared)), 1)
	want(t, "remote driveType", str(values(shared)[0], "remoteItem", "parentReference", "driveType"), "business")
}

// TestSiteLibraryLinksDeltaWebhook: a site library takes sharing links
// with organization scope, delta, and a subscription whose notifications
// arrive on a loopback receiver.
func TestSiteLibraryLinksDeltaWebhook(t *testing.T) {
	f := setupSites(t)
	lib := f.marketing.DriveIDs[1]
	rc := newReceiver(t)
	st, sub := f.subscribe(f.tokB, "/sites/"+f.marketing.ID+"/drives/"+lib+"/root", rc.URL, "", 24*time.Hour)
	want(t, "subscribe to a site library", st, 201)
	st, d := f.call("GET", "/drives/"+lib+"/root/delta", f.tokB, nil)
	want(t, "delta", st, 200)
	next := str(d, "@odata.deltaLink")
	it, err := f.s.WriteFile(lib, "/Press/release.docx", []byte("news"))
	must(t, err)
	eventually(t, "notification", func() bool { return rc.count() >= 1 })
	want(t, "notified subscription", str(rc.last(), "subscriptionId"), str(sub, "id"))
	_, d = f.call("GET", next, f.tokB, nil)
	found := false
	for _, v := range values(d) {
		found = found || str(v, "id") == it.ID
	}
	if !found {
		t.Fatalf("delta after the write misses %s: %v", it.ID, d)
	}
	st, link := f.call("POST", "/drives/"+lib+"/items/"+it.ID+"/createLink", f.tokB, map[string]any{"type": "view", "scope": "organization"})
	want(t, "organization link", st, 201)
	want(t, "link scope", str(link, "link", "scope"), "organization")
	st, share := f.call("GET", "/shares/"+str(link, "shareId")+"/driveItem", f.tokB2(), nil)
	want(t, "colleague opens the link", st, 200)
	want(t, "shared item", str(share, "id"), it.ID)
	st, _ = f.subscribe(f.tokB, "/sites/"+f.marketing.ID+"/drives/"+f.engineering.DriveIDs[0]+"/root", rc.URL, "", time.Hour)
	want(t, "a library of another site", st, 400)
}

// TestUsersScopeLink: a link with scope users admits only its recipients
// (createLink's recipients, listed in grantedToIdentities), where an
// anonymous link admits any signed-in account.
func TestUsersScopeLink(t *testing.T) {
	f := setup(t, Options{})
	sam, err := f.s.CreateUser(UserSpec{UPN: "sam@outlook.com"})
	must(t, err)
	lee, err := f.s.CreateUser(UserSpec{UPN: "lee@outlook.com"})
	must(t, err)
	tok := func(u User) string {
		s, err := f.s.IssueAccessToken(u.ID, f.app.ClientID, "Files.ReadWrite.All")
		must(t, err)
		return s
	}
	it, err := f.s.WriteFile(f.personal.ID, "/only-sam.txt", []byte("x"))
	must(t, err)
	link := "/me/drive/items/" + it.ID + "/createLink"
	st, _ := f.call("POST", link, f.tokP, map[string]any{"type": "view", "scope": "anonymous",
		"recipients": []any{map[string]any{"email": "sam@outlook.com"}}})
	want(t, "recipients on an anonymous link", st, 400)
	st, _ = f.call("POST", link, f.tokP, map[string]any{"type": "view", "scope": "users",
		"recipients": []any{map[string]any{"email": "nobody@example.com"}}})
	want(t, "a recipient outside the directory", st, 400)
	st, perm := f.call("POST", link, f.tokP, map[string]any{"type": "view", "scope": "users",
		"recipients": []any{map[string]any{"email": "sam@outlook.com"}}})
	want(t, "users link", st, 201)
	who, _ := perm["grantedToIdentities"].([]any)
	if len(who) != 1 || str(who[0].(map[string]any), "user", "id") != sam.ID {
		t.Fatalf("grantedToIdentities %v", perm["grantedToIdentities"])
	}
	share := "/shares/" + str(perm, "shareId") + "/driveItem"
	st, _ = f.call("GET", share, tok(sam), nil)
	want(t, "the recipient opens it", st, 200)
	st, _ = f.call("GET", share, tok(lee), nil)
	want(t, "anyone else is refused", st, 403)
	_, anon := f.call("POST", link, f.tokP, map[string]any{"type": "view", "scope": "anonymous"})
	st, _ = f.call("GET", "/shares/"+str(anon, "shareId")+"/driveItem", tok(lee), nil)
	want(t, "an anonymous link admits anyone signed in", st, 200)
}
