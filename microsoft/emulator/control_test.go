package emulator

import (
	"encoding/base64"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPersistenceRoundTrip(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "state.json")
	s1, err := Start("127.0.0.1:0", Options{StateFile: file})
	must(t, err)
	u, _ := s1.CreateUser(UserSpec{UPN: "p@outlook.com"})
	app, _ := s1.CreateApp(AppSpec{Name: "A", RedirectURIs: []string{"http://localhost/cb"}})
	info, err := s1.WriteFile(u.ID, "/keep/me.txt", []byte("persisted"))
	must(t, err)
	tok, _ := s1.IssueAccessToken(u.ID, app.ClientID, "Files.Read")
	_, err = s1.WriteFile(u.ID, "/gone.txt", []byte("deleted before close"))
	must(t, err)
	must(t, s1.DeleteItem(u.ID, "/gone.txt"))
	must(t, s1.Close())
	blobs, err := os.ReadDir(file + ".blobs")
	must(t, err)
	want(t, "blob files (deleted content kept for the recycle bin)", len(blobs), 2)
	raw, _ := os.ReadFile(file)
	if strings.Contains(string(raw), "cGVyc2lzdGVk") || strings.Contains(string(raw), "persisted") {
		t.Fatal("file content inlined in the state JSON")
	}

	s2, err := Start("127.0.0.1:0", Options{StateFile: file})
	must(t, err)
	defer s2.Close()
	got, err := s2.ReadFile(u.UPN, "/keep/me.txt")
	must(t, err)
	want(t, "content", string(got), "persisted")
	again, _ := s2.Stat(u.ID, "/KEEP/ME.TXT")
	want(t, "same id", again.ID, info.ID)
	want(t, "same eTag", again.ETag, info.ETag)
	want(t, "same hash", again.QuickXorHash, info.QuickXorHash)
	f := &fixture{t: t, s: s2, c: newFixtureClient()}
	code, m := f.call("GET", "/me/drive/root:/keep:/children", tok, nil)
	want(t, "token survives restart", code, 200)
	want(t, "children", len(m["value"].([]any)), 1)
	// Changes keep flowing into delta after a restart.
	_, _, link := f.deltaRound("/me/drive/root/delta", tok)
	_, err = s2.WriteFile(u.ID, "/keep/new.txt", []byte("n"))
	must(t, err)
	changes, _, _ := f.deltaRound(link, tok)
	found := false
	for _, it := range changes {
		found = found || str(it, "name") == "new.txt"
	}
	want(t, "delta after restart", found, true)
}

func TestControlAPI(t *testing.T) {
	f := setup(t, Options{})
	ctl := f.s.BaseURL + "/_emulator"
	code, m := f.call("POST", ctl+"/tenants", "", map[string]any{"Name": "Fabrikam"})
	want(t, "tenant", code, 200)
	tid := str(m, "id")
	code, m = f.call("POST", ctl+"/users", "", map[string]any{"TenantID": tid, "UPN": "zoe@fabrikam.onmicrosoft.com"})
	want(t, "user", code, 200)
	code, _ = f.call("POST", ctl+"/users/zoe@fabrikam.onmicrosoft.com/files", "", map[string]any{"path": "/x/y.txt",
		"contentBase64": base64.StdEncoding.EncodeToString([]byte("hi"))})
	want(t, "seed file", code, 200)
	code, _ = f.call("POST", ctl+"/users/zoe@fabrikam.onmicrosoft.com/rename", "", map[string]any{"path": "/x/y.txt", "name": "z.txt"})
	want(t, "rename", code, 200)
	code, _ = f.call("POST", ctl+"/users/zoe@fabrikam.onmicrosoft.com/move", "", map[string]any{"path": "/x/z.txt", "parent": "/"})
	want(t, "move", code, 200)
	got, err := f.s.ReadFile("zoe@fabrikam.onmicrosoft.com", "/z.txt")
	must(t, err)
	want(t, "content", string(got), "hi")
	code, _ = f.call("POST", ctl+"/users/zoe@fabrikam.onmicrosoft.com/delete", "", map[string]any{"path": "/z.txt"})
	want(t, "delete", code, 200)
	code, m = f.call("POST", ctl+"/faults", "", map[string]any{"route": "graph", "status": 503, "count": 1})
	want(t, "fault", code, 200)
	code, _ = f.call("GET", "/me/drive", f.tokB, nil)
	want(t, "faulted", code, 503)
	code, m = f.call("GET", ctl+"/counters", "", nil)
	want(t, "counters", code, 200)
	if m["routes"].(map[string]any)["graph.item"].(float64) < 1 {
		t.Fatalf("counters %v", m)
	}
	code, m = f.call("POST", ctl+"/tokens", "", map[string]any{"User": "zoe@fabrikam.onmicrosoft.com", "ClientID": f.app.ClientID})
	want(t, "mint token", code, 200)
	code, _ = f.call("GET", "/me/drive/root", str(m, "access_token"), nil)
	want(t, "minted token works", code, 200)
	code, _ = f.call("POST", ctl+"/auto-consent", "", map[string]any{"On": true})
	want(t, "auto-consent on", code, 200)
	code, _ = f.call("POST", ctl+"/next-user", "", map[string]any{"User": "zoe@fabrikam.onmicrosoft.com"})
	want(t, "next user", code, 200)
	q := f.authorize(f.oauth("common").AuthCodeURL("s"))
	if q.Get("code") == "" {
		t.Fatalf("auto-consent via control API: %v", q)
	}
	// Disabled control API.
	off := httptest.NewServer(New(Options{}))
	defer off.Close()
	code, _ = f.call("GET", off.URL+"/_emulator/state", "", nil)
	want(t, "control API off by default", code, 404)
}

func TestSeedDemoIdempotent(t *testing.T) {
	t.Parallel()
	e := New(Options{})
	defer e.Close()
	d1, err := e.SeedDemo("http://localhost:8080/callback")
	must(t, err)
	d2, err := e.SeedDemo()
	must(t, err)
	want(t, "same app", d2.App.ClientID, d1.App.ClientID)
	want(t, "same user", d2.Work.ID, d1.Work.ID)
	want(t, "users", len(e.Users()), 3)
	got, err := e.ReadFile(d1.Personal.UPN, "/Documents/Welcome.txt")
	must(t, err)
	want(t, "seeded file", string(got), "Hello from the emulator.\n")
	if s := e.Summary(); !strings.Contains(s, DemoClientID) || !strings.Contains(s, "/v1.0") {
		t.Fatalf("summary:\n%s", s)
	}
}
