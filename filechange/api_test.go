package filechange

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
)

// sdkServer serves the SDK routes behind a stand-in for connect's user-token
// check: the principal is the path's project and the X-Test-User header.
func sdkServer(t *testing.T, s *Service) *httptest.Server {
	mux := http.NewServeMux()
	for _, r := range s.SDKRoutes() {
		h := r.Handler
		mux.Handle(r.Pattern, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			p := &driveway.Principal{ProjectID: req.PathValue("pid"), UserID: req.Header.Get("X-Test-User")}
			h.ServeHTTP(w, req.WithContext(driveway.WithPrincipal(req.Context(), p)))
		}))
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, srv *httptest.Server, method, path, user string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, rd)
	must(t, err)
	req.Header.Set("X-Test-User", user)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestTriggersAPI(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	e := newEnv(t, db, Options{})
	must(t, db.store.DeleteTriggerSubscription(t.Context(), pid, "tsub_all"))
	srv := sdkServer(t, e.svc)
	base := "/projects/" + pid

	code, body := call(t, srv, "GET", base+"/triggers", "u1", nil)
	var triggers struct {
		Triggers map[string][]struct{ Type, TriggerModel string }
	}
	if code != 200 || json.Unmarshal(body, &triggers) != nil || len(triggers.Triggers["onedrive"]) != 1 ||
		triggers.Triggers["onedrive"][0].Type != driveway.TriggerFileChange || triggers.Triggers["onedrive"][0].TriggerModel == "" {
		t.Fatalf("triggers (ActionKit's shape, as the Paragon SDK's getTriggers returns it): %d %s", code, body)
	}
	code, body = call(t, srv, "POST", base+"/trigger-subscriptions", "u1", map[string]any{"itemType": "bogus"})
	if code != http.StatusBadRequest {
		t.Fatalf("invalid filter: %d %s", code, body)
	}
	code, body = call(t, srv, "POST", base+"/trigger-subscriptions", "u1", map[string]any{
		"trigger": driveway.TriggerFileChange, "pathPrefix": "/Docs", "itemType": "file", "namePattern": "*.pdf",
		"changeTypes": []string{"created", "deleted"}})
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	var created subBody
	must(t, json.Unmarshal(body, &created))
	// A consumer appeared: the credential's drive is watched now.
	if _, err := db.store.GetDriveWatch(t.Context(), pid, cred); err != nil {
		t.Fatalf("no watch after the first trigger subscription: %v", err)
	}
	code, body = call(t, srv, "GET", base+"/trigger-subscriptions/status/"+cred, "u1", nil)
	if code != 200 || !bytes.Contains(body, []byte(`"status":"`)) || bytes.Contains(body, []byte("clientState")) {
		t.Fatalf("status: %d %s", code, body)
	}
	if code, _ := call(t, srv, "GET", base+"/trigger-subscriptions/status/"+cred, "u2", nil); code != http.StatusNotFound {
		t.Fatalf("status of another user's credential: %d", code)
	}
	if code, _ := call(t, srv, "GET", base+"/trigger-subscriptions/"+created.ID, "u2", nil); code != http.StatusNotFound {
		t.Fatalf("another user's subscription: %d", code)
	}
	code, body = call(t, srv, "PATCH", base+"/trigger-subscriptions/"+created.ID, "u1", map[string]any{"namePattern": "*.docx"})
	if code != 200 || !bytes.Contains(body, []byte(`"namePattern":"*.docx"`)) || !bytes.Contains(body, []byte(`"/Docs"`)) {
		t.Fatalf("update: %d %s", code, body)
	}
	code, body = call(t, srv, "GET", base+"/trigger-subscriptions", "u1", nil)
	if code != 200 || !bytes.Contains(body, []byte(created.ID)) {
		t.Fatalf("list: %d %s", code, body)
	}
	if code, body := call(t, srv, "GET", base+"/trigger-subscriptions", "u2", nil); code != 200 || string(body) != "[]\n" {
		t.Fatalf("list of another user: %d %s", code, body)
	}
	waitFor(t, "the Graph subscription", 20*time.Second, func() bool { return e.watch().SubscriptionID != "" })
	subID := e.watch().SubscriptionID
	if code, _ := call(t, srv, "DELETE", base+"/trigger-subscriptions/"+created.ID, "u1", nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	// No consumer remains: the watch (and its Graph subscription) is gone.
	if _, err := db.store.GetDriveWatch(t.Context(), pid, cred); driveway.ErrorCode(err) != driveway.ENOTFOUND {
		t.Fatalf("watch after the last trigger subscription went: %v", err)
	}
	if code := e.getSubscription(subID); code != http.StatusNotFound {
		t.Fatalf("Graph subscription after unwatch: %d, want 404", code)
	}
}

func TestMatches(t *testing.T) {
	t.Parallel()
	c := &Change{UserID: "u1", Type: Moved, Item: Item{Name: "a.pdf", Path: "/Docs/In/a.pdf"},
		Previous: &Previous{Name: "a.pdf", Path: "/Other/a.pdf"}}
	for _, tc := range []struct {
		ts   driveway.TriggerSubscription
		want bool
	}{
		{driveway.TriggerSubscription{}, true},
		{driveway.TriggerSubscription{UserID: "u2"}, false},
		{driveway.TriggerSubscription{PathPrefix: "/docs"}, true},
		{driveway.TriggerSubscription{PathPrefix: "/Doc"}, false},
		{driveway.TriggerSubscription{PathPrefix: "/Other"}, true}, // moved out of it
		{driveway.TriggerSubscription{ItemType: "folder"}, false},
		{driveway.TriggerSubscription{ItemType: "file", NamePattern: "*.pdf"}, true},
		{driveway.TriggerSubscription{NamePattern: "*.docx"}, false},
		{driveway.TriggerSubscription{ChangeTypes: []string{Created}}, false},
		{driveway.TriggerSubscription{ChangeTypes: []string{Created, Moved}}, true},
	} {
		if got := Matches(&tc.ts, c); got != tc.want {
			t.Fatalf("Matches(%+v) = %v, want %v", tc.ts, got, tc.want)
		}
	}
}
