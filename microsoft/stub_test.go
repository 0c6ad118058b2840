package microsoft_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drivewayhq/driveway/microsoft"
)

// The emulator has no sharing links, no SharePoint sites listing and no
// drive that ignores "fail" on folder creation: these answers come from a
// loopback stub that records what the client asked.

type stubCall struct {
	Method, Path, Query string
	Body                map[string]any
}

func stubGraph(t *testing.T, h func(w http.ResponseWriter, r *http.Request)) (*microsoft.DriveClient, *[]stubCall) {
	t.Helper()
	var mu sync.Mutex
	var calls []stubCall
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := stubCall{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery}
		if b, _ := io.ReadAll(r.Body); len(b) > 0 {
			_ = json.Unmarshal(b, &c.Body)
		}
		mu.Lock()
		calls = append(calls, c)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("request-id", "stub-rid")
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := microsoft.NewDriveClient(microsoft.DriveOptions{BaseURL: srv.URL + "/v1.0",
		Token: func(context.Context) (string, error) { return "tok", nil }})
	if err != nil {
		t.Fatal(err)
	}
	return c, &calls
}

func TestCreateLink(t *testing.T) {
	t.Parallel()
	c, calls := stubGraph(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(201)
		_, _ = io.WriteString(w, `{"id":"perm1","roles":["read"],"link":{"type":"view","scope":"anonymous","webUrl":"https://1drv.ms/x"}}`)
	})
	p, err := c.CreateLink(t.Context(), microsoft.ItemRef{Drive: microsoft.DriveRef{DriveID: "b!d"}, ID: "item1"},
		microsoft.LinkOptions{Type: "view", Scope: "anonymous", Expiration: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)})
	if err != nil {
		t.Fatalf("create link: %v", err)
	}
	want := &microsoft.Permission{ID: "perm1", Roles: []string{"read"},
		Link: microsoft.SharingLink{Type: "view", Scope: "anonymous", WebURL: "https://1drv.ms/x"}}
	if d := cmp.Diff(want, p); d != "" {
		t.Fatalf("permission (-want +got):\n%s", d)
	}
	wantCall := stubCall{Method: "POST", Path: "/v1.0/drives/b%21d/items/item1/createLink",
		Body: map[string]any{"type": "view", "scope": "anonymous", "expirationDateTime": "2030-01-02T03:04:05Z"}}
	if d := cmp.Diff([]stubCall{wantCall}, *calls); d != "" {
		t.Fatalf("request (-want +got):\n%s", d)
	}
	if _, err := c.CreateLink(t.Context(), microsoft.ByID("x"), microsoft.LinkOptions{Type: "own"}); err == nil {
		t.Fatal("an unknown link type was accepted")
	}
}

func TestListSiteDrivesFollowsNextLink(t *testing.T) {
	t.Parallel()
	var base string
	c, calls := stubGraph(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("$skiptoken") == "" {
			_, _ = io.WriteString(w, `{"value":[{"id":"b!1","driveType":"documentLibrary","name":"Documents"}],"@odata.nextLink":"`+
				base+`/v1.0/sites/contoso.sharepoint.com,1,2/drives?$skiptoken=p2"}`)
			return
		}
		_, _ = io.WriteString(w, `{"value":[{"id":"b!2","driveType":"documentLibrary","name":"Archive"}]}`)
	})
	base = graphOrigin(t, c)
	ds, err := c.ListDrives(t.Context(), microsoft.DriveRef{SiteID: "contoso.sharepoint.com,1,2"})
	if err != nil || len(ds) != 2 || ds[1].Name != "Archive" {
		t.Fatalf("site drives = %+v, %v", ds, err)
	}
	if got := (*calls)[0].Path; got != "/v1.0/sites/contoso.sharepoint.com%2C1%2C2/drives" {
		t.Fatalf("first path = %s", got)
	}
}

// graphOrigin is the stub server's origin, from the client's base URL.
func graphOrigin(t *testing.T, c *microsoft.DriveClient) string {
	t.Helper()
	return c.BaseURL()[:len(c.BaseURL())-len("/v1.0")]
}

func TestCreateFolderFailAnswered200(t *testing.T) {
	t.Parallel()
	c, calls := stubGraph(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"id":"existing","name":"Projects","folder":{"childCount":3}}`)
	})
	it, existed, err := c.CreateFolder(t.Context(), microsoft.ByPath("/Work"), "Projects", microsoft.ConflictFail)
	if !microsoft.IsConflict(err) || !existed || it == nil || it.ID != "existing" {
		t.Fatalf("fail answered 200 = %+v, existed %v, %v; want the folder and a conflict", it, existed, err)
	}
	want := stubCall{Method: "POST", Path: "/v1.0/me/drive/root:/Work:/children",
		Body: map[string]any{"name": "Projects", "folder": map[string]any{}, "@microsoft.graph.conflictBehavior": "fail"}}
	if d := cmp.Diff(want, (*calls)[0]); d != "" {
		t.Fatalf("request (-want +got):\n%s", d)
	}
}

func TestErrorDecodingAndPredicates(t *testing.T) {
	t.Parallel()
	c, _ := stubGraph(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("case") {
		case "throttled":
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(429)
			_, _ = io.WriteString(w, `{"error":{"code":"activityLimitReached","message":"m","innerError":{"code":"throttledRequest","innerError":{"code":"quota"},"request-id":"inner"}}}`)
		case "quota":
			w.WriteHeader(507)
			_, _ = io.WriteString(w, `{"error":{"code":"quotaLimitReached","message":"m"}}`)
		case "gone":
			w.Header().Set("Location", "https://graph.example/next")
			w.WriteHeader(410)
			_, _ = io.WriteString(w, `{"error":{"code":"resyncRequired","message":"m","innererror":{"code":"resyncChangesApplyDifferences"}}}`)
		default:
			w.WriteHeader(403)
			_, _ = io.WriteString(w, `{"error":{"code":"accessDenied","message":"m"}}`)
		}
	})
	get := func(cs string) error {
		// A fresh client per case: a long Retry-After pauses a client's calls.
		c2, _ := microsoft.NewDriveClient(microsoft.DriveOptions{BaseURL: c.BaseURL(), MaxRetryAfter: time.Second,
			Token: func(context.Context) (string, error) { return "tok", nil }})
		_, err := c2.NextPage(t.Context(), c.BaseURL()+"/me/drive/root/children?case="+cs)
		return err
	}
	err := get("throttled")
	after, ok := microsoft.IsThrottled(err)
	ge := microsoft.AsGraphError(err)
	if !ok || after != 120*time.Second || ge.InnerCode() != "quota" || ge.RequestID != "stub-rid" || microsoft.IsForbidden(err) {
		t.Fatalf("throttled: %+v (after %v)", ge, after)
	}
	if err := get("quota"); !microsoft.IsQuota(err) {
		t.Fatalf("quota: %v", err)
	}
	err = get("gone")
	if !microsoft.IsResyncRequired(err) || microsoft.AsGraphError(err).Location != "https://graph.example/next" {
		t.Fatalf("gone: %+v", microsoft.AsGraphError(err))
	}
	if err := get("denied"); !microsoft.IsForbidden(err) || microsoft.IsNotFound(err) {
		t.Fatalf("denied: %v", err)
	}
}

func TestWaitCopyMonitorForms(t *testing.T) {
	t.Parallel()
	var polls int
	var mu sync.Mutex
	var last time.Time
	var gaps []time.Duration
	c, _ := stubGraph(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if !last.IsZero() {
			gaps = append(gaps, time.Since(last))
		}
		last = time.Now()
		if r.Header.Get("Authorization") != "" {
			w.WriteHeader(401)
			return
		}
		polls++
		switch {
		case r.URL.Path == "/monitor/ok" && polls == 1:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(202)
			_, _ = io.WriteString(w, `{"status":"inProgress","percentageComplete":10}`)
		case r.URL.Path == "/monitor/ok":
			w.WriteHeader(202) // completed, still with 202: the body decides
			_, _ = io.WriteString(w, `{"status":"completed","resourceId":"new-id"}`)
		default:
			_, _ = io.WriteString(w, `{"status":"failed","errorCode":"AccessDenied_Copy"}`)
		}
	})
	origin := graphOrigin(t, c)
	st, err := c.WaitCopy(t.Context(), origin+"/monitor/ok")
	if err != nil || st.ResourceID != "new-id" {
		t.Fatalf("wait copy = %+v, %v", st, err)
	}
	if len(gaps) != 1 || gaps[0] < time.Second {
		t.Fatalf("poll gaps %v, want one of at least the monitor's Retry-After (1 s)", gaps)
	}
	_, err = c.WaitCopy(t.Context(), origin+"/monitor/bad")
	var cf *microsoft.CopyFailedError
	if !errors.As(err, &cf) || cf.ErrorCode != "AccessDenied_Copy" {
		t.Fatalf("failed copy: %v", err)
	}
}
