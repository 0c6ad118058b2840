package gosdk_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// receiver is a notification URL on loopback.
type receiver struct {
	srv          *httptest.Server
	answer       func(token string) string
	mu           sync.Mutex
	validations  []*http.Request
	notification []notification
}

type notification struct {
	Value []struct {
		SubscriptionID string `json:"subscriptionId"`
		ChangeType     string `json:"changeType"`
		ClientState    string `json:"clientState"`
		Resource       string `json:"resource"`
		LifecycleEvent string `json:"lifecycleEvent"`
	} `json:"value"`
}

func newReceiver(t *testing.T, answer func(string) string) *receiver {
	r := &receiver{answer: answer}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if token := req.URL.Query().Get("validationToken"); token != "" {
		r.validations = append(r.validations, req)
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, r.answer(token))
		return
	}
	var n notification
	if json.Unmarshal(body, &n) == nil {
		r.notification = append(r.notification, n)
	}
	w.WriteHeader(http.StatusAccepted)
}

func (r *receiver) sawNotification(subID, clientState string) bool {
	return r.saw(func(subscription, state, changeType, _ string) bool {
		return subscription == subID && state == clientState && changeType == "updated"
	})
}

// saw reports whether any notification entry matches.
func (r *receiver) saw(match func(subscriptionID, clientState, changeType, lifecycleEvent string) bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.notification {
		for _, v := range n.Value {
			if match(v.SubscriptionID, v.ClientState, v.ChangeType, v.LifecycleEvent) {
				return true
			}
		}
	}
	return false
}

func (r *receiver) validationCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.validations)
}

func newSubscription(url string, expires time.Time) models.Subscriptionable {
	s := models.NewSubscription()
	s.SetChangeType(ptr("updated"))
	s.SetNotificationUrl(ptr(url))
	s.SetResource(ptr("/me/drive/root"))
	s.SetExpirationDateTime(&expires)
	s.SetClientState(ptr("conformance-state"))
	return s
}

func TestSubscription(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	rec := newReceiver(t, func(token string) string { return token })

	sub, err := e.client.Subscriptions().Post(e.ctx, newSubscription(rec.srv.URL+"/hook?tenant=abc", time.Now().Add(time.Hour)), nil)
	if err != nil {
		t.Fatalf("create subscription: %v", describe(err))
	}
	rec.mu.Lock()
	validations := len(rec.validations)
	var auth, query string
	if validations > 0 {
		auth, query = rec.validations[0].Header.Get("Authorization"), rec.validations[0].URL.Query().Get("tenant")
	}
	rec.mu.Unlock()
	if validations != 1 || auth != "" || query != "abc" {
		t.Fatalf("validations=%d auth=%q tenant=%q; want one, unauthenticated, keeping the URL's query", validations, auth, query)
	}

	e.mustPut(e.rootID, "notify.txt", "ping")
	eventually(t, "a change notification", func() bool { return rec.sawNotification(*sub.GetId(), "conformance-state") })

	renew := models.NewSubscription()
	later := time.Now().Add(2 * time.Hour)
	renew.SetExpirationDateTime(&later)
	renewed, err := e.client.Subscriptions().BySubscriptionId(*sub.GetId()).Patch(e.ctx, renew, nil)
	if err != nil {
		t.Fatalf("renew: %v", describe(err))
	}
	if !renewed.GetExpirationDateTime().After(*sub.GetExpirationDateTime()) {
		t.Fatalf("renewed expiry %v is not after %v", renewed.GetExpirationDateTime(), sub.GetExpirationDateTime())
	}
	if err := e.client.Subscriptions().BySubscriptionId(*sub.GetId()).Delete(e.ctx, nil); err != nil {
		t.Fatalf("delete subscription: %v", describe(err))
	}
	_, err = e.client.Subscriptions().BySubscriptionId(*sub.GetId()).Get(e.ctx, nil)
	if status, _ := graphError(t, err); status != 404 {
		t.Fatalf("get deleted subscription: %d, want 404", status)
	}
}

func TestSubscriptionValidationFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	bad := newReceiver(t, func(string) string { return "not-the-token" })
	_, err := e.client.Subscriptions().Post(e.ctx, newSubscription(bad.srv.URL, time.Now().Add(time.Hour)), nil)
	if status, _ := graphError(t, err); status != 400 {
		t.Fatalf("wrong validation answer: %d, want 400", status)
	}
	good := newReceiver(t, func(token string) string { return token })
	_, err = e.client.Subscriptions().Post(e.ctx, newSubscription(good.srv.URL, time.Now().Add(42_300*time.Minute+time.Hour)), nil)
	if status, _ := graphError(t, err); status != 400 {
		t.Fatalf("expiry beyond 42,300 minutes: %d, want 400", status)
	}
}

func TestSubscriptionLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	echo := func(token string) string { return token }
	notes, life := newReceiver(t, echo), newReceiver(t, echo)
	s := newSubscription(notes.srv.URL, time.Now().Add(time.Hour))
	s.SetLifecycleNotificationUrl(ptr(life.srv.URL))
	sub, err := e.client.Subscriptions().Post(e.ctx, s, nil)
	if err != nil {
		t.Fatalf("create: %v", describe(err))
	}
	if life.validationCount() != 1 {
		t.Fatalf("lifecycle URL validated %d times, want 1", life.validationCount())
	}
	if !e.emu.RequireReauthorization(*sub.GetId()) {
		t.Fatal("RequireReauthorization found no lifecycle URL")
	}
	eventually(t, "reauthorizationRequired", func() bool {
		return life.saw(func(id, state, _, event string) bool {
			return id == *sub.GetId() && state == "conformance-state" && event == "reauthorizationRequired"
		})
	})
	if err := e.client.Subscriptions().BySubscriptionId(*sub.GetId()).Reauthorize().Post(e.ctx, nil); err != nil {
		t.Fatalf("reauthorize: %v", describe(err))
	}
}
