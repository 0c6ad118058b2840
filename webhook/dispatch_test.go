package webhook_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/webhook"
)

// TestDispatchFiltersOnce: the dispatcher fans outbox events out to the
// endpoints whose filter matches, once: a second sweep and an Enqueue of the
// same event create nothing more. Disabled endpoints get nothing.
func TestDispatchFiltersOnce(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		n := newNode(t, db, webhookConfig()) // not started: deliveries stay pending
		pid := project(t, db.store)
		all, _ := endpoint(t, n.svc, pid, "http://127.0.0.1:9/all", nil)
		alarms, _ := endpoint(t, n.svc, pid, "http://127.0.0.1:9/alarms", []string{"integration.alarm"})
		creds, _ := endpoint(t, n.svc, pid, "http://127.0.0.1:9/creds", []string{"credential.*"})
		off, _ := endpoint(t, n.svc, pid, "http://127.0.0.1:9/off", nil)
		disabled := false
		if _, err := n.svc.UpdateEndpoint(t.Context(), pid, off.ID, endpointInputEnabled(&disabled)); err != nil {
			t.Fatalf("UpdateEndpoint: %v", err)
		}
		kinds := []string{driveway.EventCredentialStatus, driveway.EventIntegrationAlarm, driveway.EventCredentialDisconnected, "onedrive.file.created"}
		var events []*driveway.Event
		for _, k := range kinds {
			events = append(events, event(t, db, n.svc, pid, k, false))
		}
		for range 2 {
			if _, err := n.svc.Dispatch(t.Context()); err != nil {
				t.Fatalf("Dispatch: %v", err)
			}
		}
		err := db.store.WithTx(t.Context(), func(tx driveway.Tx) error { return n.svc.Enqueue(t.Context(), tx, events[0]) })
		if err != nil {
			t.Fatalf("Enqueue again: %v", err)
		}
		count := func(id string) []string {
			ds, err := n.svc.ListDeliveries(t.Context(), pid, driveway.DeliveryFilter{EndpointID: id})
			if err != nil {
				t.Fatalf("ListDeliveries: %v", err)
			}
			var got []string
			for _, d := range ds {
				got = append(got, d.EventType)
			}
			slices.Sort(got)
			return got
		}
		want := map[string][]string{
			all.ID:    slices.Sorted(slices.Values(kinds)),
			alarms.ID: {driveway.EventIntegrationAlarm},
			creds.ID:  {driveway.EventCredentialDisconnected, driveway.EventCredentialStatus},
			off.ID:    nil,
		}
		for id, w := range want {
			if got := count(id); !slices.Equal(got, w) {
				t.Errorf("endpoint %s: deliveries %v, want %v", id, got, w)
			}
		}
		pending, err := n.svc.ListDeliveries(t.Context(), pid, driveway.DeliveryFilter{Status: driveway.DeliveryPending, Limit: 1})
		if err != nil || len(pending) != 1 {
			t.Fatalf("pending deliveries: %v, %v", pending, err)
		}
		if _, err := n.svc.Redeliver(t.Context(), pid, pending[0].ID); driveway.ErrorCode(err) != driveway.ECONFLICT {
			t.Errorf("Redeliver a pending delivery: %v, want conflict", err)
		}
	})
}

// TestNoEventLostOrDoubledAcrossCrash: events recorded while no node
// delivers wait in the outbox; a node stopped abruptly in the middle of a
// delivery, and a fresh node after it, end with exactly one delivery per
// (endpoint, event), every one succeeded, and the app has been answered
// 2xx exactly once per event at every endpoint, always with the event's id
// as webhook-id.
//
// The first node's receiver never answers, so every request it got was
// interrupted. Requests the first node had put on the wire can reach it
// after the node stopped (the server reads them from the socket later):
// that is why the app then moves to a second receiver (the endpoints' URLs
// change) instead of the first receiver changing its answer. A late
// request answered 200 could not be told from a doubled delivery.
func TestNoEventLostOrDoubledAcrossCrash(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		const events = 15
		blocked := make(chan struct{})
		var once sync.Once
		first := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			once.Do(func() { close(blocked) })
			<-r.Context().Done() // the first node never hears back
		})
		a := newNode(t, db, webhookConfig())
		pid := project(t, db.store)
		ep1, _ := endpoint(t, a.svc, pid, first.URL+"/one", nil)
		ep2, _ := endpoint(t, a.svc, pid, first.URL+"/two", nil)
		var recorded []string
		for i := range events {
			recorded = append(recorded, event(t, db, a.svc, pid, driveway.EventCredentialStatus, i%2 == 0).ID)
		}
		a.start(t)
		select {
		case <-blocked:
		case <-time.After(20 * time.Second):
			t.Fatal("no delivery started on the first node")
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		a.queue.Stop(ctx) // abrupt: running jobs are cancelled

		second := newReceiver(t, status(http.StatusOK))
		for _, ep := range []*driveway.WebhookEndpoint{ep1, ep2} {
			u := second.URL + strings.TrimPrefix(ep.URL, first.URL)
			if _, err := a.svc.UpdateEndpoint(t.Context(), pid, ep.ID, webhook.EndpointInput{URL: &u}); err != nil {
				t.Fatalf("UpdateEndpoint: %v", err)
			}
		}
		b := newNode(t, db, webhookConfig())
		b.start(t)
		// The stopped node's jobs come back once node b is River's leader
		// (the first node's lease may run its course: up to 15 s) and its
		// rescuer finds them older than RescueStuckJobsAfter (11 s): about
		// 30 s on SQLite, more under -race on a loaded machine. The bound
		// only catches a hang.
		waitFor(t, "every delivery succeeded", 2*time.Minute, func() bool {
			ds, err := b.svc.ListDeliveries(t.Context(), pid, driveway.DeliveryFilter{Status: driveway.DeliverySucceeded, Limit: 500})
			if err != nil {
				t.Fatalf("ListDeliveries: %v", err)
			}
			return len(ds) == 2*events
		})
		ds, err := b.svc.ListDeliveries(t.Context(), pid, driveway.DeliveryFilter{Limit: 500})
		if err != nil || len(ds) != 2*events {
			t.Fatalf("deliveries = %d, %v; want %d", len(ds), err, 2*events)
		}
		byEndpoint := map[string]map[string]bool{ep1.ID: {}, ep2.ID: {}}
		for _, d := range ds {
			if byEndpoint[d.EndpointID][d.EventID] {
				t.Fatalf("event %s has two deliveries to %s", d.EventID, d.EndpointID)
			}
			byEndpoint[d.EndpointID][d.EventID] = true
		}
		checkAnsweredOnce(t, recorded, first.requests(), second.requests())
	})
}

// checkAnsweredOnce: the receiver that answers 2xx got every event at
// /one and /two exactly once; the one that never answers got nothing but
// those events.
func checkAnsweredOnce(t *testing.T, recorded []string, interrupted, answered []request) {
	t.Helper()
	want := map[string]bool{}
	for _, id := range recorded {
		want["/one "+id], want["/two "+id] = true, true
	}
	for _, r := range interrupted {
		if k := r.path + " " + r.header.Get("webhook-id"); !want[k] {
			t.Errorf("the first receiver got %q, not a recorded event", k)
		}
	}
	seen := map[string]int{}
	for _, r := range answered {
		seen[r.path+" "+r.header.Get("webhook-id")]++
	}
	for k := range want {
		if seen[k] != 1 {
			t.Errorf("%s answered 2xx %d times, want once", k, seen[k])
		}
	}
	if len(answered) != len(want) {
		t.Errorf("the second receiver got %d requests, want %d", len(answered), len(want))
	}
}

// TestDispatchConcurrent: several dispatchers sweeping the same outbox at
// once (nodes sharing a Postgres) still make one delivery per (endpoint,
// event).
func TestDispatchConcurrent(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		const events, sweepers = 60, 4
		n := newNode(t, db, webhookConfig()) // not started
		pid := project(t, db.store)
		endpoint(t, n.svc, pid, "http://127.0.0.1:9/a", nil)
		endpoint(t, n.svc, pid, "http://127.0.0.1:9/b", nil)
		for range events {
			event(t, db, n.svc, pid, driveway.EventCredentialStatus, false)
		}
		var wg sync.WaitGroup
		errs := make(chan error, sweepers)
		for range sweepers {
			wg.Go(func() {
				if _, err := n.svc.Dispatch(t.Context()); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("Dispatch: %v", err)
		}
		ds, err := n.svc.ListDeliveries(t.Context(), pid, driveway.DeliveryFilter{Limit: 500})
		if err != nil || len(ds) != 2*events {
			t.Fatalf("deliveries = %d, %v; want %d", len(ds), err, 2*events)
		}
		if left, err := db.store.ListWebhookOutbox(t.Context(), 10); err != nil || len(left) != 0 {
			t.Fatalf("outbox after the sweeps: %d events, %v", len(left), err)
		}
	})
}

// TestPurgeKeepsRecentAndUnfinished: the purge deletes only finished
// deliveries older than the retention.
func TestPurgeKeepsRecentAndUnfinished(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		cfg := webhookConfig()
		later := time.Now().Add(48 * time.Hour)
		cfg.Retention = 24 * time.Hour
		cfg.Now = func() time.Time { return later } // two days from now: every delivery is a day past retention
		n := newNode(t, db, cfg)
		pid := project(t, db.store)
		endpoint(t, n.svc, pid, "http://127.0.0.1:9/a", nil)
		for range 3 {
			event(t, db, n.svc, pid, driveway.EventCredentialStatus, true)
		}
		ds, err := n.svc.ListDeliveries(t.Context(), pid, driveway.DeliveryFilter{})
		if err != nil || len(ds) != 3 {
			t.Fatalf("deliveries: %d, %v", len(ds), err)
		}
		ds[0].Status, ds[1].Status = driveway.DeliveryDead, driveway.DeliverySucceeded
		for _, d := range ds[:2] {
			if err := db.store.UpdateWebhookDelivery(t.Context(), d); err != nil {
				t.Fatal(err)
			}
		}
		longer := cfg
		longer.Retention = 72 * time.Hour
		if purged, err := newNode(t, db, longer).svc.Purge(t.Context()); err != nil || purged != 0 {
			t.Fatalf("Purge within the retention = %d, %v; want 0", purged, err)
		}
		purged, err := n.svc.Purge(t.Context())
		if err != nil || purged != 2 {
			t.Fatalf("Purge = %d, %v; want 2", purged, err)
		}
		left, err := n.svc.ListDeliveries(t.Context(), pid, driveway.DeliveryFilter{})
		if err != nil || len(left) != 1 || left[0].ID != ds[2].ID {
			t.Fatalf("left after purge: %v, %v", left, err)
		}
	})
}
