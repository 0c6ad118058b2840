package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// receiver is a loopback webhook endpoint.
type receiver struct {
	*httptest.Server
	mu          sync.Mutex
	validations int
	posts       []map[string]any
	failNext    int  // answer 500 to this many notifications
	hang        bool // never answer notifications (until the client gives up)
	wrongToken  bool
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := r.URL.Query().Get("validationToken"); tok != "" {
			rc.mu.Lock()
			rc.validations++
			wrong := rc.wrongToken
			rc.mu.Unlock()
			if r.Header.Get("Authorization") != "" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
				w.WriteHeader(400)
				return
			}
			w.Header().Set("Content-Type", "text/plain")
			if wrong {
				tok = "nope"
			}
			_, _ = io.WriteString(w, tok)
			return
		}
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		rc.mu.Lock()
		hang, fail := rc.hang, rc.failNext > 0
		if fail {
			rc.failNext--
		}
		rc.mu.Unlock()
		if hang {
			<-r.Context().Done()
			return
		}
		if fail {
			w.WriteHeader(500)
			return
		}
		rc.mu.Lock()
		rc.posts = append(rc.posts, body)
		rc.mu.Unlock()
		w.WriteHeader(202)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.posts)
}

func (rc *receiver) last() map[string]any {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.posts[len(rc.posts)-1]["value"].([]any)[0].(map[string]any)
}

func (f *fixture) subscribe(tok, resource, notify, lifecycle string, exp time.Duration) (int, map[string]any) {
	body := map[string]any{"changeType": "updated", "notificationUrl": notify, "resource": resource,
		"expirationDateTime": f.s.Now().Add(exp).Format(time.RFC3339), "clientState": "secret-state"}
	if lifecycle != "" {
		body["lifecycleNotificationUrl"] = lifecycle
	}
	return f.call("POST", "/subscriptions", tok, body)
}

func TestMustHave19_SubscriptionCreateValidateLimits(t *testing.T) {
	f := setup(t, Options{})
	rc := newReceiver(t)
	code, m := f.subscribe(f.tokB, "/me/drive/root", rc.URL+"/hook?x=1", rc.URL+"/life", 24*time.Hour)
	want(t, "create status", code, 201)
	want(t, "validations (notification + lifecycle)", rc.validations, 2)
	id := str(m, "id")
	want(t, "clientState", str(m, "clientState"), "secret-state")
	code, m = f.subscribe(f.tokB, "/me/drive/root", rc.URL, "", 42301*time.Minute)
	want(t, "too long", code, 400)
	code, _ = f.subscribe(f.tokB, "/me/drive/root", rc.URL, "", 42299*time.Minute)
	want(t, "max length", code, 201)
	_, _ = f.s.MakeFolder(f.biz.ID, "/Sub")
	_, _ = f.s.MakeFolder(f.personal.ID, "/Sub")
	code, _ = f.subscribe(f.tokB, "/me/drive/root:/Sub:", rc.URL, "", time.Hour)
	want(t, "business folder", code, 400)
	code, _ = f.subscribe(f.tokP, "/me/drive/root:/Sub:", rc.URL, "", time.Hour)
	want(t, "personal folder", code, 201)
	code, _ = f.subscribe(f.tokB, "/me/drive/root", "https://hooks.example.com/x", "", time.Hour)
	want(t, "non-loopback refused", code, 400)
	code, _ = f.subscribe(f.tokB, "/me/drive/root", "http://hooks.example.com/x", "", time.Hour)
	want(t, "plain http", code, 400)
	rc.wrongToken = true
	code, m = f.subscribe(f.tokB, "/me/drive/root", rc.URL, "", time.Hour)
	want(t, "wrong token echo", code, 400)
	want(t, "wrong token code", errCode(m), "ValidationError")
	rc.wrongToken = false
	code, _ = f.call("POST", "/subscriptions", f.tokB, map[string]any{"changeType": "created", "notificationUrl": rc.URL,
		"resource": "/me/drive/root", "expirationDateTime": f.s.Now().Add(time.Hour).Format(time.RFC3339)})
	want(t, "changeType created", code, 400)
	code, _ = f.call("POST", "/subscriptions", f.tokB, map[string]any{"changeType": "updated", "notificationUrl": rc.URL,
		"resource": "/me/drive/root", "expirationDateTime": f.s.Now().Add(time.Hour).Format(time.RFC3339),
		"clientState": strings.Repeat("x", 129)})
	want(t, "clientState too long", code, 400)
	code, m = f.call("PATCH", "/subscriptions/"+id, f.tokB, map[string]any{"expirationDateTime": f.s.Now().Add(48 * time.Hour).Format(time.RFC3339)})
	want(t, "renew", code, 200)
	code, _ = f.call("POST", "/subscriptions/"+id+"/reauthorize", f.tokB, nil)
	want(t, "reauthorize", code, 204)
	resp := f.req("DELETE", "/subscriptions/"+id, f.tokB, nil)
	resp.Body.Close()
	want(t, "delete", resp.StatusCode, 204)
	code, _ = f.call("GET", "/subscriptions/"+id, f.tokB, nil)
	want(t, "deleted", code, 404)
}

func TestMustHave20_NotificationsRetryDropLifecycle(t *testing.T) {
	f := setup(t, Options{NotificationTimeout: 200 * time.Millisecond})
	rc := newReceiver(t)
	code, m := f.subscribe(f.tokB, "/me/drive/root", rc.URL, "", 24*time.Hour)
	want(t, "create", code, 201)
	subID := str(m, "id")
	_, _ = f.s.WriteFile(f.biz.ID, "/a/b/c.txt", []byte("1"))
	eventually(t, "first notification", func() bool { return rc.count() >= 1 })
	n := rc.last()
	for k, v := range map[string]any{"subscriptionId": subID, "changeType": "updated", "resource": "/me/drive/root",
		"clientState": "secret-state", "tenantId": f.tenant.ID, "resourceData": nil} {
		if n[k] != v {
			t.Fatalf("notification %s = %v, want %v", k, n[k], v)
		}
	}
	// A failed delivery is retried after a back-off on the emulator clock.
	rc.mu.Lock()
	rc.failNext = 1
	rc.mu.Unlock()
	before := rc.count()
	_, _ = f.s.WriteFile(f.biz.ID, "/x.txt", []byte("1"))
	eventually(t, "failed attempt", func() bool { return f.s.Counters().Notifications["failed"] >= 1 })
	f.clock.Advance(2 * time.Minute)
	eventually(t, "retry", func() bool { return rc.count() == before+1 })
	// A hanging receiver times out; after the retry window the batch is dropped.
	rc.mu.Lock()
	rc.hang = true
	rc.mu.Unlock()
	_, _ = f.s.WriteFile(f.biz.ID, "/y.txt", []byte("1"))
	eventually(t, "timeout counted", func() bool { return f.s.Counters().Notifications["failed"] >= 2 })
	f.clock.Advance(5 * time.Hour)
	eventually(t, "dropped after window", func() bool { return f.s.Counters().Notifications["expired"] == 1 })
	rc.mu.Lock()
	rc.hang = false
	rc.mu.Unlock()
	want(t, "queue empty", f.s.PendingNotifications(), 0)
	// The subscription expires.
	f.clock.Advance(20 * time.Hour)
	eventually(t, "subscription expired", func() bool {
		f.s.mu.Lock()
		defer f.s.mu.Unlock()
		return f.s.st.Subscriptions[subID] == nil
	})
}

func TestMustHave20_DuplicatesAndLifecycle(t *testing.T) {
	f := setup(t, Options{DuplicateNotifications: 1})
	rc := newReceiver(t)
	life := newReceiver(t)
	code, _ := f.subscribe(f.tokP, "/me/drive/root", rc.URL, life.URL, 5*time.Minute)
	want(t, "create", code, 201)
	eventually(t, "reauthorizationRequired", func() bool { return life.count() >= 1 })
	want(t, "lifecycle event", life.last()["lifecycleEvent"], any("reauthorizationRequired"))
	_, _ = f.s.WriteFile(f.personal.ID, "/dup.txt", []byte("1"))
	eventually(t, "duplicated delivery", func() bool { return rc.count() == 2 })
	f.s.DropNotifications(1)
	_, _ = f.s.WriteFile(f.personal.ID, "/dropped.txt", []byte("1"))
	eventually(t, "dropped", func() bool { return f.s.Counters().Notifications["dropped"] == 1 })
	want(t, "no delivery when dropped", rc.count(), 2)
}
