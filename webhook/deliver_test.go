package webhook_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/drivewayhq/driveway"
)

// TestDeliverRetriesUntil2xx: two 500s, then a 200; every attempt carries
// the same webhook-id and a signature the independent verifier accepts.
func TestDeliverRetriesUntil2xx(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
			if n < 2 {
				w.WriteHeader(http.StatusInternalServerError)
			}
		})
		n := newNode(t, db, webhookConfig())
		n.start(t)
		pid := project(t, db.store)
		ep, sec := endpoint(t, n.svc, pid, rc.URL+"/hooks?token=canaryQueryTok", nil)
		e := event(t, db, n.svc, pid, driveway.EventCredentialStatus, true)
		d := waitDelivery(t, n.svc, pid, ep.ID, e.ID, driveway.DeliverySucceeded)
		if d.Attempts != 3 || d.ResponseCode != 200 || d.Error != "" {
			t.Fatalf("delivery = attempts %d, code %d, error %q; want 3, 200, none", d.Attempts, d.ResponseCode, d.Error)
		}
		waitFor(t, "the delivery's metrics", 10*time.Second, func() bool { // the outcome is counted after its commit
			return metric(t, n.svc, "driveway_webhook_deliveries_total", "outcome", "succeeded") == 1
		})
		if a5, a2 := metric(t, n.svc, "driveway_webhook_attempts_total", "result", "5xx"),
			metric(t, n.svc, "driveway_webhook_attempts_total", "result", "2xx"); a5 != 2 || a2 != 1 {
			t.Fatalf("attempts counted: 5xx %v, 2xx %v; want 2 and 1", a5, a2)
		}
		got := rc.requests()
		if len(got) != 3 {
			t.Fatalf("receiver got %d requests, want 3", len(got))
		}
		for i, r := range got {
			if id := r.header.Get("webhook-id"); id != e.ID {
				t.Errorf("request %d: webhook-id %q, want %q", i, id, e.ID)
			}
			if err := verify(sec, r.header, r.body, r.at, tolerance); err != nil {
				t.Errorf("request %d: signature: %v", i, err)
			}
		}
		var body struct {
			Type      string         `json:"type"`
			Timestamp string         `json:"timestamp"`
			Data      map[string]any `json:"data"`
		}
		if err := json.Unmarshal(got[0].body, &body); err != nil {
			t.Fatalf("body: %v", err)
		}
		want := map[string]any{"status": "INVALID", "reason": "needs_reauth", "projectId": pid, "userId": "user-1", "credentialId": "cred-1"}
		if body.Type != e.Kind || body.Timestamp != e.CreatedAt.Format(time.RFC3339Nano) || !cmp.Equal(body.Data, want) {
			t.Errorf("body = %s", got[0].body)
		}
		if d.Error != "" || strings.Contains(n.logs.String(), "canaryQueryTok") {
			t.Errorf("the endpoint URL's query reached the logs")
		}
		if logs := n.logs.String(); strings.Contains(logs, "level=ERROR") {
			t.Errorf("errors logged:\n%s", logs)
		}
	})
}

// TestDeliverTimeoutsThenDeadThenRedeliver: a receiver that never answers
// in time makes every attempt time out, the delivery dies after the last,
// and a redelivery after the receiver recovers succeeds with the same id.
func TestDeliverTimeoutsThenDeadThenRedeliver(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		hang := func(_ int, _ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
		rc := newReceiver(t, hang)
		cfg := webhookConfig()
		cfg.Timeout = 200 * time.Millisecond
		n := newNode(t, db, cfg)
		n.start(t)
		pid := project(t, db.store)
		ep, sec := endpoint(t, n.svc, pid, rc.URL, nil)
		e := event(t, db, n.svc, pid, driveway.EventIntegrationAlarm, true)
		d := waitDelivery(t, n.svc, pid, ep.ID, e.ID, driveway.DeliveryDead)
		if d.Attempts != len(fastSchedule)+1 || d.Error != "timeout" || d.ResponseCode != 0 {
			t.Fatalf("dead delivery = attempts %d, error %q, code %d", d.Attempts, d.Error, d.ResponseCode)
		}
		if got := len(rc.requests()); got != len(fastSchedule)+1 {
			t.Fatalf("receiver got %d requests, want %d", got, len(fastSchedule)+1)
		}
		dead, err := n.svc.ListDeliveries(t.Context(), pid, driveway.DeliveryFilter{Status: driveway.DeliveryDead})
		if err != nil || len(dead) != 1 || dead[0].ID != d.ID {
			t.Fatalf("dead deliveries = %v, %v", dead, err)
		}

		rc.setRespond(status(http.StatusNoContent))
		if _, err := n.svc.Redeliver(t.Context(), pid, d.ID); err != nil {
			t.Fatalf("Redeliver: %v", err)
		}
		d = waitDelivery(t, n.svc, pid, ep.ID, e.ID, driveway.DeliverySucceeded)
		got := rc.requests()
		last := got[len(got)-1]
		if last.header.Get("webhook-id") != e.ID {
			t.Errorf("redelivery webhook-id = %q, want %q", last.header.Get("webhook-id"), e.ID)
		}
		if err := verify(sec, last.header, last.body, last.at, tolerance); err != nil {
			t.Errorf("redelivery signature: %v", err)
		}
		logs := n.logs.String()
		if !strings.Contains(logs, "webhook delivery dead") {
			t.Errorf("the dead delivery was not logged")
		}
		if strings.Contains(logs, strings.TrimPrefix(sec, "whsec_")) || strings.Contains(d.Error, "whsec_") {
			t.Errorf("the signing secret reached the logs or the delivery")
		}
		if _, err := n.svc.Redeliver(t.Context(), "prj_other", d.ID); driveway.ErrorCode(err) != driveway.ENOTFOUND {
			t.Errorf("Redeliver from another project: %v, want not found", err)
		}
	})
}

// TestDeliverRotation: after a rotation both secrets verify; after a
// rotation without overlap only the newest does.
func TestDeliverRotation(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		rc := newReceiver(t, status(http.StatusOK))
		n := newNode(t, db, webhookConfig())
		n.start(t)
		pid := project(t, db.store)
		ep, oldSec := endpoint(t, n.svc, pid, rc.URL, nil)
		_, newSec, err := n.svc.RotateSecret(t.Context(), pid, ep.ID, 0)
		if err != nil {
			t.Fatalf("RotateSecret: %v", err)
		}
		e := event(t, db, n.svc, pid, driveway.EventCredentialConnected, true)
		waitDelivery(t, n.svc, pid, ep.ID, e.ID, driveway.DeliverySucceeded)
		r := rc.requests()[0]
		for name, s := range map[string]string{"old": oldSec, "new": newSec} {
			if err := verify(s, r.header, r.body, r.at, tolerance); err != nil {
				t.Errorf("%s secret during the overlap: %v", name, err)
			}
		}
		_, newest, err := n.svc.RotateSecret(t.Context(), pid, ep.ID, -1)
		if err != nil {
			t.Fatalf("RotateSecret without overlap: %v", err)
		}
		e2 := event(t, db, n.svc, pid, driveway.EventCredentialConnected, true)
		waitDelivery(t, n.svc, pid, ep.ID, e2.ID, driveway.DeliverySucceeded)
		r = rc.requests()[1]
		if err := verify(newest, r.header, r.body, r.at, tolerance); err != nil {
			t.Errorf("newest secret: %v", err)
		}
		for name, s := range map[string]string{"old": oldSec, "retired": newSec} {
			if err := verify(s, r.header, r.body, r.at, tolerance); err == nil {
				t.Errorf("%s secret still verifies after a rotation without overlap", name)
			}
		}
	})
}

// TestDeliverGoneDisablesEndpoint: a 410 kills the delivery at once and
// disables the endpoint.
func TestDeliverGoneDisablesEndpoint(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		rc := newReceiver(t, status(http.StatusGone))
		n := newNode(t, db, webhookConfig())
		n.start(t)
		pid := project(t, db.store)
		ep, _ := endpoint(t, n.svc, pid, rc.URL, nil)
		e := event(t, db, n.svc, pid, driveway.EventCredentialDisconnected, true)
		d := waitDelivery(t, n.svc, pid, ep.ID, e.ID, driveway.DeliveryDead)
		if d.Attempts != 1 || d.ResponseCode != http.StatusGone {
			t.Fatalf("delivery = attempts %d, code %d; want 1, 410", d.Attempts, d.ResponseCode)
		}
		got, err := n.svc.GetEndpoint(t.Context(), pid, ep.ID)
		if err != nil || got.Enabled {
			t.Fatalf("endpoint after 410: enabled %v, %v", got != nil && got.Enabled, err)
		}
		if len(got.Secrets) != 1 || got.Secrets[0].Value != ep.Secrets[0].Value {
			t.Fatalf("disabling changed the secrets")
		}
	})
}

// TestDeliverHonoursRetryAfter: a 429 with Retry-After: 1 delays the next
// attempt by at least a second, beyond the compressed schedule.
func TestDeliverHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
			if n == 0 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
			}
		})
		n := newNode(t, db, webhookConfig())
		n.start(t)
		pid := project(t, db.store)
		ep, _ := endpoint(t, n.svc, pid, rc.URL, nil)
		e := event(t, db, n.svc, pid, driveway.EventCredentialReconnected, true)
		d := waitDelivery(t, n.svc, pid, ep.ID, e.ID, driveway.DeliverySucceeded)
		got := rc.requests()
		if d.Attempts != 2 || len(got) != 2 {
			t.Fatalf("attempts %d, requests %d; want 2", d.Attempts, len(got))
		}
		if gap := got[1].at.Sub(got[0].at); gap < time.Second {
			t.Fatalf("second attempt %s after the 429, want at least 1s", gap)
		}
	})
}
