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
		if status, _ := post("nope", `{"type":"view"}`); status != 404 {
			t.Fatalf("%s: missing item: %d", mode, status)
		}
		if status, _ := post(it.ID, `{"type":"share-everything"}`); status != 400 {
			t.Fatalf("%s: bad type: %d", mode, status)
		}
	}
}
