package filechange

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
)

// TestTriggerSubscriptionNeverDropsAField is the attack of issue 19: a
// trigger subscription naming a SharePoint library (driveId) or a site
// (siteId) was accepted with both fields silently dropped, and watched
// the personal drive instead. Every field that cannot be honoured is now
// refused with a 400 naming it, on create and on update, and nothing is
// stored; a driveId that is the caller's own connected drive is honoured.
func TestTriggerSubscriptionNeverDropsAField(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	e := newEnv(t, db, Options{})
	srv := sdkServer(t, e.svc)
	base := "/projects/" + pid + "/trigger-subscriptions"
	before, err := db.store.ListTriggerSubscriptions(t.Context(), pid)
	must(t, err)
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"a library of another drive", map[string]any{"driveId": "b!aSharePointLibraryTheUserDidNotConnect"}, "driveId"},
		{"a site", map[string]any{"siteId": "contoso.sharepoint.com,1111,2222"}, "siteId"},
		{"a site and the own drive", map[string]any{"siteId": "x", "driveId": e.user.DriveID}, "siteId"},
		{"an unknown field", map[string]any{"folderId": "01ABC"}, "body"},
		{"a bad file type", map[string]any{"fileTypes": []string{"pdf/x"}}, "fileTypes"},
	} {
		code, body := call(t, srv, "POST", base, "u1", tc.body)
		var got struct {
			Field string `json:"field"`
		}
		_ = json.Unmarshal(body, &got)
		if code != http.StatusBadRequest || got.Field != tc.field {
			t.Fatalf("%s: %d %s, want 400 naming %s", tc.name, code, body, tc.field)
		}
	}
	after, err := db.store.ListTriggerSubscriptions(t.Context(), pid)
	must(t, err)
	if len(after) != len(before) {
		t.Fatalf("a refused subscription was stored: %d before, %d after", len(before), len(after))
	}
	code, body := call(t, srv, "POST", base, "u1", map[string]any{"driveId": e.user.DriveID, "fileTypes": []string{"PDF", ".docx"}})
	var created subBody
	_ = json.Unmarshal(body, &created)
	if code != http.StatusCreated || created.DriveID != e.user.DriveID || len(created.FileTypes) != 2 {
		t.Fatalf("own drive: %d %s", code, body)
	}
	stored, err := db.store.GetTriggerSubscription(t.Context(), pid, created.ID)
	must(t, err)
	if stored.DriveID != e.user.DriveID || stored.FileTypes[0] != "pdf" || stored.FileTypes[1] != "docx" {
		t.Fatalf("stored %+v", stored)
	}
	if code, body := call(t, srv, "PATCH", base+"/"+created.ID, "u1", map[string]any{"siteId": "x"}); code != http.StatusBadRequest {
		t.Fatalf("update with siteId: %d %s", code, body)
	}
	if code, body := call(t, srv, "PATCH", base+"/"+created.ID, "u1", map[string]any{"driveId": "b!other"}); code != http.StatusBadRequest {
		t.Fatalf("update to another drive: %d %s", code, body)
	}
}

// TestDriveAndFileTypeFilters: through the real watch, notification and
// delta path on both engines, a subscription on the credential's own
// drive that keeps pdf files records only them, each event names its
// drive, and a subscription on another drive id records nothing.
func TestDriveAndFileTypeFilters(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		e := newEnv(t, db, Options{})
		ctx := t.Context()
		must(t, db.store.DeleteTriggerSubscription(ctx, pid, "tsub_all"))
		must(t, db.store.CreateTriggerSubscription(ctx, &driveway.TriggerSubscription{ProjectID: pid, ID: "tsub_pdf",
			Trigger: driveway.TriggerFileChange, UserID: "u1", DriveID: e.user.DriveID, FileTypes: []string{"pdf"}}))
		must(t, db.store.CreateTriggerSubscription(ctx, &driveway.TriggerSubscription{ProjectID: pid, ID: "tsub_other",
			Trigger: driveway.TriggerFileChange, UserID: "u1", DriveID: "b!notThisDrive"}))
		e.watchReady()
		for _, p := range []string{"/notes.txt", "/Docs/report.PDF", "/Docs/archive.pdf.zip"} {
			_, err := e.emu.WriteFile(e.user.ID, p, []byte("x"))
			must(t, err)
		}
		_, err := e.emu.WriteFile(e.user.ID, "/z.pdf", []byte("last"))
		must(t, err)
		got := e.waitEvents(2)
		settled := e.settle()
		want := []seen{{"onedrive.file.created", "/Docs/report.PDF"}, {"onedrive.file.created", "/z.pdf"}}
		sortSeen(settled)
		if len(settled) != 2 || settled[0] != want[0] || settled[1] != want[1] {
			t.Fatalf("events %v (first wait %v), want %v", settled, got, want)
		}
		evs, err := db.store.ListEvents(ctx, pid, cred, 10)
		must(t, err)
		for _, ev := range evs {
			ids, _ := json.Marshal(ev.Data["triggerSubscriptionIds"])
			if ev.Data["driveId"] != e.user.DriveID || string(ids) != `["tsub_pdf"]` {
				t.Fatalf("event %s: driveId %v, subscriptions %s", ev.Kind, ev.Data["driveId"], ids)
			}
		}
	})
}

// TestOneGraphSubscriptionPerDrive: three trigger subscriptions on one
// credential's drive (all, its driveId, a file type) share one Graph
// subscription; one change they all want is one event naming all three;
// deleting two keeps the same Graph subscription.
func TestOneGraphSubscriptionPerDrive(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	e := newEnv(t, db, Options{})
	must(t, db.store.DeleteTriggerSubscription(t.Context(), pid, "tsub_all"))
	srv := sdkServer(t, e.svc)
	base := "/projects/" + pid + "/trigger-subscriptions"
	var ids []string
	for _, body := range []map[string]any{{}, {"driveId": e.user.DriveID}, {"fileTypes": []string{"txt"}}} {
		code, b := call(t, srv, "POST", base, "u1", body)
		var ts subBody
		_ = json.Unmarshal(b, &ts)
		if code != http.StatusCreated {
			t.Fatalf("create %v: %d %s", body, code, b)
		}
		ids = append(ids, ts.ID)
	}
	waitFor(t, "the Graph subscription", 20*time.Second, func() bool {
		w := e.watch()
		return w.SubscriptionID != "" && w.DeltaLink != "" && w.NotifySeq == w.DoneSeq
	})
	subID := e.watch().SubscriptionID
	if n := e.graphSubscriptions(); n != 1 {
		t.Fatalf("%d Graph subscriptions for one drive, want 1", n)
	}
	_, err := e.emu.WriteFile(e.user.ID, "/all.txt", []byte("x"))
	must(t, err)
	e.waitEvents(1)
	evs, err := db.store.ListEvents(t.Context(), pid, cred, 10)
	must(t, err)
	var named []string
	raw, _ := json.Marshal(evs[0].Data["triggerSubscriptionIds"])
	_ = json.Unmarshal(raw, &named)
	slices.Sort(named)
	sorted := slices.Sorted(slices.Values(ids))
	got, _ := json.Marshal(named)
	want, _ := json.Marshal(sorted)
	if len(evs) != 1 || string(got) != string(want) {
		t.Fatalf("%d events, subscriptions %s; want one naming %s", len(evs), got, want)
	}
	for _, id := range ids[:2] {
		if code, _ := call(t, srv, "DELETE", base+"/"+id, "u1", nil); code != http.StatusNoContent {
			t.Fatalf("delete %s: %d", id, code)
		}
	}
	if e.watch().SubscriptionID != subID || e.graphSubscriptions() != 1 {
		t.Fatalf("the Graph subscription changed while a trigger subscription still wants the drive")
	}
}

// graphSubscriptions counts the app's Graph subscriptions at the emulator.
func (e *env) graphSubscriptions() int {
	tok, _, err := e.tokens.AccessToken(e.t.Context(), pid, cred)
	must(e.t, err)
	req, err := http.NewRequestWithContext(e.t.Context(), "GET", e.emu.GraphURL()+"/subscriptions", nil)
	must(e.t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	must(e.t, err)
	defer resp.Body.Close()
	var list struct{ Value []json.RawMessage }
	must(e.t, json.NewDecoder(resp.Body).Decode(&list))
	return len(list.Value)
}
