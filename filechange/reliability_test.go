package filechange

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/google/go-cmp/cmp"
)

// countKinds checks that every want event was recorded exactly once and
// nothing else was.
func exactlyOnce(t *testing.T, got, want []seen) {
	t.Helper()
	sortSeen(got)
	sortSeen(want)
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("events (-want +got):\n%s", d)
	}
}

func TestDroppedNotificationsSafetyDelta(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		e := newEnv(t, db, Options{})
		e.watchReady()
		e.emu.DropNotifications(0.2)
		var want []seen
		for i := range 30 {
			p := fmt.Sprintf("/f%02d.txt", i)
			if _, err := e.emu.WriteFile(e.user.ID, p, []byte("x")); err != nil {
				t.Fatal(err)
			}
			want = append(want, seen{"onedrive.file.created", p})
		}
		// The notifications that got through may have delivered everything
		// already; the safety delta must deliver whatever they did not.
		if _, err := e.svc.SafetyDelta(t.Context()); err != nil {
			t.Fatal(err)
		}
		e.waitEvents(len(want))
		exactlyOnce(t, e.settle(), want)
		t.Logf("notifications: %v", e.emu.Counters().Notifications)
	})
}

func TestDeltaTokenInvalidatedResync(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		e := newEnv(t, db, Options{})
		u := e.user.ID
		for _, p := range []string{"/keep.txt", "/before.txt", "/gone.txt"} {
			if _, err := e.emu.WriteFile(u, p, []byte("x")); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.emu.MakeFolder(u, "/Dir"); err != nil {
			t.Fatal(err)
		}
		e.watchReady()
		if _, err := e.emu.WriteFile(u, "/seen.txt", []byte("x")); err != nil {
			t.Fatal(err)
		}
		e.waitEvents(1)
		e.emu.DropNotifications(1)
		steps := []error{
			e.emu.DeleteItem(u, "/gone.txt"),
			func() error { _, err := e.emu.WriteFile(u, "/new.txt", []byte("x")); return err }(),
			func() error { _, err := e.emu.RenameItem(u, "/before.txt", "after.txt"); return err }(),
			func() error { _, err := e.emu.MoveItem(u, "/seen.txt", "/Dir"); return err }(),
			func() error { _, err := e.emu.WriteFile(u, "/keep.txt", []byte("edited")); return err }(),
		}
		for _, err := range steps {
			if err != nil {
				t.Fatal(err)
			}
		}
		must(t, e.emu.InvalidateDeltaTokens(e.user.DriveID))
		e.emu.DropNotifications(0)
		if _, err := e.svc.SafetyDelta(t.Context()); err != nil {
			t.Fatal(err)
		}
		want := []seen{{"onedrive.file.created", "/seen.txt"}, {"onedrive.file.deleted", "/gone.txt"},
			{"onedrive.file.created", "/new.txt"}, {"onedrive.file.renamed", "/after.txt"},
			{"onedrive.file.moved", "/Dir/seen.txt"}, {"onedrive.file.updated", "/keep.txt"}}
		e.waitEvents(len(want))
		exactlyOnce(t, e.settle(), want)
	})
}

func TestNinetyDaysNoSubscriptionExpires(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		e := newEnv(t, db, Options{})
		e.watchReady()
		ids := map[string]bool{}
		renewals := 0
		for day := 0.0; day < 90; day += 0.5 {
			e.clock.Advance(12 * time.Hour)
			n, err := e.svc.RenewDue(t.Context())
			must(t, err)
			renewals += n
			if n > 0 {
				defer func() {
					if t.Failed() {
						w := e.watch()
						t.Logf("day %.1f watch %s %q renewAt %v expires %v now %v", day, w.Status, w.Reason, w.RenewAt, w.ExpiresAt, e.clock.Now())
						e.dumpJobs()
					}
				}()
				waitFor(t, "renewal", 20*time.Second, func() bool {
					w := e.watch()
					return w.Status == driveway.WatchActive && !w.RenewAt.IsZero()
				})
			}
			w := e.watch()
			ids[w.SubscriptionID] = true
			if !w.ExpiresAt.After(e.clock.Now()) {
				t.Fatalf("day %.1f: subscription expired at %v", day, w.ExpiresAt)
			}
			if code := e.getSubscription(w.SubscriptionID); code != http.StatusOK {
				t.Fatalf("day %.1f: Graph answered %d for the subscription", day, code)
			}
			if day == 45 { // Graph lost it: the next renewal re-creates it
				e.deleteSubscription(w.SubscriptionID)
				w.RenewAt = e.clock.Now()
				must(t, db.store.UpdateDriveWatch(t.Context(), w))
			}
		}
		if renewals < 3 {
			t.Fatalf("renewals = %d over 90 days, want at least 3", renewals)
		}
		if len(ids) != 2 {
			t.Fatalf("subscription ids = %d, want 2 (one re-created)", len(ids))
		}
		if _, err := e.emu.WriteFile(e.user.ID, "/late.txt", []byte("x")); err != nil {
			t.Fatal(err)
		}
		if got := e.waitEvents(1); !slices.Contains(got, seen{"onedrive.file.created", "/late.txt"}) {
			t.Fatalf("events after 90 days: %v", got)
		}
	})
}

func TestReauthorizationRequired(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		e := newEnv(t, db, Options{})
		e.watchReady()
		before := e.watch()
		e.clock.Advance(time.Hour)
		if !e.emu.RequireReauthorization(before.SubscriptionID) {
			t.Fatal("emulator does not know the subscription")
		}
		waitFor(t, "renewal after reauthorizationRequired", 20*time.Second, func() bool {
			return e.watch().ExpiresAt.After(before.ExpiresAt)
		})
	})
}

func (e *env) graphCall(method, path string) int {
	tok, _, err := e.tokens.AccessToken(e.t.Context(), pid, cred)
	must(e.t, err)
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.emu.GraphURL()+path, nil)
	must(e.t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	must(e.t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func (e *env) getSubscription(id string) int { return e.graphCall("GET", "/subscriptions/"+id) }

func (e *env) deleteSubscription(id string) {
	if code := e.graphCall("DELETE", "/subscriptions/"+id); code != http.StatusNoContent {
		e.t.Fatalf("delete subscription: %d", code)
	}
}

func TestPollingWithoutPublicHTTPS(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		e := newEnv(t, db, Options{Polling: true})
		e.watchReady()
		w := e.watch()
		if w.Status != driveway.WatchPolling || w.SubscriptionID != "" {
			t.Fatalf("watch %s with subscription %q, want polling and none", w.Status, w.SubscriptionID)
		}
		if _, err := e.emu.WriteFile(e.user.ID, "/polled.txt", []byte("x")); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SafetyDelta(t.Context()); err != nil { // what the periodic sweep does
			t.Fatal(err)
		}
		e.waitEvents(1)
		exactlyOnce(t, e.settle(), []seen{{"onedrive.file.created", "/polled.txt"}})
	})
}

func TestHTTPPublicURLMeansPolling(t *testing.T) {
	t.Parallel()
	if _, err := New(Options{Store: sqliteDB(t).store, Tokens: &emuTokens{}}); err == nil {
		t.Fatal("New without a queue succeeded")
	}
	for _, tc := range []struct {
		url  string
		want bool
	}{{"https://driveway.example.com", true}, {"http://driveway.example.com", false}, {"", false}, {"driveway.example.com", false}} {
		o := Options{PublicURL: tc.url}
		setDefaults(&o)
		got := (&Service{o: o, push: pushMode(o)}).Push()
		if got != tc.want {
			t.Fatalf("PublicURL %q: push %v, want %v", tc.url, got, tc.want)
		}
	}
}

func TestDuplicatedNotificationsAndRacingRounds(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		e := newEnvEmu(t, db, Options{}, emulator.Options{PageSize: 7, DuplicateNotifications: 1})
		e.watchReady()
		var want []seen
		for i := range 10 {
			p := fmt.Sprintf("/dup%02d.txt", i)
			if _, err := e.emu.WriteFile(e.user.ID, p, []byte("x")); err != nil {
				t.Fatal(err)
			}
			want = append(want, seen{"onedrive.file.created", p})
		}
		// Rounds racing from several "nodes" besides the job: the losers of
		// the compare-and-swap redo their round and find nothing new.
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				if _, err := e.svc.Sync(t.Context(), pid, cred); err != nil && driveway.ErrorCode(err) != driveway.ECONFLICT {
					t.Errorf("Sync: %v", err)
				}
			})
		}
		wg.Wait()
		waitFor(t, "duplicated notifications", time.Minute, func() bool {
			return e.emu.Counters().Notifications["duplicated"] > 0 && e.emu.PendingNotifications() == 0
		})
		e.waitEvents(len(want))
		waitFor(t, "the rounds the notifications owe", time.Minute, func() bool {
			w := e.watch()
			return w.NotifySeq == w.DoneSeq
		})
		exactlyOnce(t, e.settle(), want)
	})
}

func TestCredentialNoLongerValid(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteDB(t), Options{})
	e.watchReady()
	e.tokens.mu.Lock()
	delete(e.tokens.users, cred) // the user revoked access: AccessToken is EFORBIDDEN
	e.tokens.mu.Unlock()
	must(t, e.svc.Renew(t.Context(), pid, cred))
	w := e.watch()
	if w.Status != driveway.WatchFailed || w.Reason != "credential_invalid" || !w.RenewAt.IsZero() {
		t.Fatalf("watch %s %q renewAt %v, want failed credential_invalid with no retry", w.Status, w.Reason, w.RenewAt)
	}
	if _, err := e.svc.Sync(t.Context(), pid, cred); err != nil {
		t.Fatalf("Sync of an invalid credential: %v (want nil: nothing to retry)", err)
	}
}

func TestPeriodicSweepCatchesDroppedNotifications(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		e := newEnv(t, db, Options{SafetyInterval: 300 * time.Millisecond})
		e.watchReady()
		e.emu.DropNotifications(1) // only the scheduled safety delta can see this
		if _, err := e.emu.WriteFile(e.user.ID, "/unnotified.txt", []byte("x")); err != nil {
			t.Fatal(err)
		}
		e.waitEvents(1)
		exactlyOnce(t, e.settle(), []seen{{"onedrive.file.created", "/unnotified.txt"}})
	})
}
