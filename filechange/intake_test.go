package filechange

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func post(t testing.TB, u string, body []byte) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(u, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return resp, b
}

func notifyBody(subID string, clientState any) []byte {
	n := map[string]any{"subscriptionId": subID, "changeType": "updated", "resource": "/me/drive/root",
		"tenantId": "t", "clientState": clientState}
	b, _ := json.Marshal(map[string]any{"value": []any{n}})
	return b
}

func TestIntakeValidationTokenEchoedAsText(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteDB(t), Options{})
	for _, tok := range []string{
		"Validation: Testing client application reachability for subscription Request-Id: 1",
		"<script>alert(document.cookie)</script>",
		"<html><body onload=alert(1)>&amp;\"'</body></html>",
		"ünïcode + spaces & ampersands; %41",
	} {
		for _, path := range []string{NotifyPath, LifecyclePath} {
			resp, body := post(t, e.intake.URL+path+"?validationToken="+url.QueryEscape(tok), nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s %q: status %d", path, tok, resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
				t.Fatalf("%s: Content-Type %q", path, got)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Fatalf("%s: X-Content-Type-Options %q", path, got)
			}
			if string(body) != tok {
				t.Fatalf("%s: body %q, want %q byte for byte", path, body, tok)
			}
		}
	}
}

func TestIntakeRejectsForgedNotifications(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		e := newEnv(t, db, Options{})
		e.watchReady()
		w := e.watch()
		for _, tc := range []struct {
			name string
			body []byte
		}{
			{"wrong clientState", notifyBody(w.SubscriptionID, "not-the-secret")},
			{"missing clientState", notifyBody(w.SubscriptionID, nil)},
			{"empty clientState", notifyBody(w.SubscriptionID, "")},
			{"clientState of a prefix", notifyBody(w.SubscriptionID, w.ClientState[:10])},
			{"unknown subscription", notifyBody("00000000-0000-0000-0000-000000000000", w.ClientState)},
			{"no subscription", notifyBody("", w.ClientState)},
		} {
			for _, path := range []string{NotifyPath, LifecyclePath} {
				resp, _ := post(t, e.intake.URL+path, tc.body)
				if resp.StatusCode != http.StatusAccepted {
					t.Fatalf("%s %s: status %d, want 202 (discarded quietly)", tc.name, path, resp.StatusCode)
				}
				if got := e.watch(); got.NotifySeq != w.NotifySeq || got.ExpiresAt != w.ExpiresAt {
					t.Fatalf("%s %s: acted on (notify seq %d → %d)", tc.name, path, w.NotifySeq, got.NotifySeq)
				}
			}
		}
		resp, _ := post(t, e.intake.URL+NotifyPath, []byte("<not json>"))
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad body: status %d", resp.StatusCode)
		}
		// The genuine notification is taken (the control that the test can fail).
		resp, _ = post(t, e.intake.URL+NotifyPath, notifyBody(w.SubscriptionID, w.ClientState))
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("genuine: status %d", resp.StatusCode)
		}
		if got := e.watch(); got.NotifySeq <= w.NotifySeq {
			t.Fatalf("genuine notification not taken: notify seq %d", got.NotifySeq)
		}
	})
}

func TestIntakeAnswers5xxWhenItCannotStore(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	e := newEnv(t, db, Options{})
	e.watchReady()
	w := e.watch()
	e.stopQueue(e.queue)
	if err := db.store.Close(); err != nil {
		t.Fatal(err)
	}
	resp, _ := post(t, e.intake.URL+NotifyPath, notifyBody(w.SubscriptionID, w.ClientState))
	if resp.StatusCode < 500 {
		t.Fatalf("status %d with the store down, want 5xx so that Graph retries", resp.StatusCode)
	}
}

func TestCrashBetweenAcceptAndDelta(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		e := newEnv(t, db, Options{})
		e.watchReady()
		e.stopQueue(e.queue) // the node stops working jobs but still answers Graph
		before := e.watch()
		if _, err := e.emu.WriteFile(e.user.ID, "/during-crash.txt", []byte("x")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the notification to be accepted", 20*time.Second, func() bool {
			return e.watch().NotifySeq > before.NotifySeq
		})
		if got := e.events(); len(got) != 0 {
			t.Fatalf("events before any delta ran: %v", got)
		}
		e.start(Options{}) // a new node on the same database
		e.waitEvents(1)
		exactlyOnce(t, e.settle(), []seen{{"onedrive.file.created", "/during-crash.txt"}})
	})
}
