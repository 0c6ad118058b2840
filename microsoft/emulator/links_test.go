package emulator_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway/microsoft/emulator"
)

func TestCreateLink(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{emulator.ModePersonal, emulator.ModeBusiness} {
		s := emulator.StartTest(t, emulator.Options{})
		tenant := ""
		if mode == emulator.ModeBusiness {
			tn, err := s.CreateTenant(emulator.TenantSpec{Name: "Contoso"})
			if err != nil {
				t.Fatal(err)
			}
			tenant = tn.ID
		}
		u, err := s.CreateUser(emulator.UserSpec{TenantID: tenant, UPN: "u@" + mode + ".test"})
		if err != nil {
			t.Fatal(err)
		}
		it, err := s.WriteFile(u.ID, "/report.txt", []byte("q3"))
		if err != nil {
			t.Fatal(err)
		}
		app, err := s.CreateApp(emulator.AppSpec{Name: "links"})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := s.IssueAccessToken(u.ID, app.ClientID)
		if err != nil {
			t.Fatal(err)
		}
		post := func(item, body string) (int, map[string]any) {
			req, _ := http.NewRequest("POST", s.GraphURL()+"/me/drive/items/"+item+"/createLink", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]any
			json.NewDecoder(resp.Body).Decode(&out)
			return resp.StatusCode, out
		}
		// The URL shapes Microsoft returns (createLink's examples), never the emulator's host.
		wantLink := map[string]string{emulator.ModePersonal: "https://1drv.ms/u/c/",
			emulator.ModeBusiness: "-my.sharepoint.com/:u:/g/personal/u_business_test/"}
		status, first := post(it.ID, `{"type":"view","scope":"anonymous"}`)
		link, _ := first["link"].(map[string]any)
		if status != 201 || link["type"] != "view" || !strings.Contains(link["webUrl"].(string), wantLink[mode]) || !strings.HasPrefix(link["webUrl"].(string), "https://") {
			t.Fatalf("%s: first link: %d %v", mode, status, first)
		}
		if status, again := post(it.ID, `{"type":"view","scope":"anonymous"}`); status != 200 || again["id"] != first["id"] {
			t.Fatalf("%s: the same link again: %d %v", mode, status, again)
		}
		if status, edit := post(it.ID, `{"type":"edit"}`); status != 201 || edit["roles"].([]any)[0] != "write" {
			t.Fatalf("%s: edit link: %d %v", mode, status, edit)
		}
		wantEmbed := 201
		if mode == emulator.ModeBusiness {
			wantEmbed = 400
		}
		if status, _ := post(it.ID, `{"type":"embed"}`); status != wantEmbed {
			t.Fatalf("%s: embed: %d, want %d", mode, status, wantEmbed)
		}
		// Expiring links need a premium personal account (rclone's integration
		// config records accessDenied: accountUpgradeRequired).
		wantExpiring := 201
		if mode == emulator.ModePersonal {
			wantExpiring = 403
		}
		if status, out := post(it.ID, `{"type":"view","scope":"users","expirationDateTime":"2030-01-01T00:00:00Z"}`); status != wantExpiring {
			t.Fatalf("%s: expiring link: %d %v, want %d", mode, status, out, wantExpiring)
		}
		if status, _ := post("nope", `{"type":"view"}`); status != 404 {
			t.Fatalf("%s: missing item: %d", mode, status)
		}
		if status, _ := post(it.ID, `{"type":"share-everything"}`); status != 400 {
			t.Fatalf("%s: bad type: %d", mode, status)
		}
	}
}

// Permissions list the owner and the sharing links; a link can be removed;
// invitations answer 400 sharingFailed, as Microsoft now does on many
// accounts (https://learn.microsoft.com/en-us/graph/api/driveitem-list-permissions,
// rclone's OneDrive tests).
func TestPermissions(t *testing.T) {
	t.Parallel()
	s := emulator.StartTest(t, emulator.Options{})
	tn, _ := s.CreateTenant(emulator.TenantSpec{Name: "Contoso"})
	for _, tenant := range []string{"", tn.ID} {
		u, _ := s.CreateUser(emulator.UserSpec{TenantID: tenant, UPN: "p" + tenant + "@example.test"})
		app, _ := s.CreateApp(emulator.AppSpec{Name: "perms"})
		tok, _ := s.IssueAccessToken(u.ID, app.ClientID)
		it, _ := s.WriteFile(u.ID, "/f.txt", []byte("x"))
		call := func(method, path, body string) (int, map[string]any) {
			req, _ := http.NewRequest(method, s.GraphURL()+"/me/drive/items/"+it.ID+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&out)
			return resp.StatusCode, out
		}
		granted := "grantedTo"
		if tenant != "" {
			granted = "grantedToV2"
		}
		_, link := call("POST", "/createLink", `{"type":"view"}`)
		status, list := call("GET", "/permissions", "")
		perms, _ := list["value"].([]any)
		if status != 200 || len(perms) != 2 {
			t.Fatalf("%s: list: %d %v", tenant, status, list)
		}
		owner := perms[0].(map[string]any)
		if owner["roles"].([]any)[0] != "owner" || owner[granted].(map[string]any)["user"].(map[string]any)["id"] != u.ID {
			t.Fatalf("%s: owner permission %v", tenant, owner)
		}
		if status, _ := call("DELETE", "/permissions/"+link["id"].(string), ""); status != 204 {
			t.Fatalf("%s: delete link permission: %d", tenant, status)
		}
		if status, list := call("GET", "/permissions", ""); status != 200 || len(list["value"].([]any)) != 1 {
			t.Fatalf("%s: after delete: %d %v", tenant, status, list)
		}
		status, inv := call("POST", "/invite", `{"recipients":[{"email":"ryan@contoso.com"}],"roles":["read"],"requireSignIn":true}`)
		inner, _ := inv["error"].(map[string]any)["innerError"].(map[string]any)
		if status != 400 || inner["code"] != "sharingFailed" {
			t.Fatalf("%s: invite: %d %v", tenant, status, inv)
		}
	}
}
