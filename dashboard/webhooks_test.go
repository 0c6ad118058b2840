package dashboard_test

import (
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/dashboard"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/sqlite"
	"github.com/drivewayhq/driveway/webhook"
)

// serveWithWebhooks replaces b's server with one that has the webhook
// service (on an unstarted queue: deliveries stay where the test puts
// them).
func serveWithWebhooks(t *testing.T, b *bundle) *webhook.Service {
	t.Helper()
	store := b.svc.Store.(*sqlite.Store)
	q, err := jobs.NewSQLite(store.WriterDB(), jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	wh, err := webhook.New(store, q, webhook.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Register(); err != nil {
		t.Fatal(err)
	}
	h := dashboard.New(dashboard.Options{Admin: b.svc, AdminPassword: testPassword, Sealer: parseRing(t, b.keySpec),
		Now: b.clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Webhooks: wh})
	mux := http.NewServeMux()
	mux.Handle("/dashboard/", b.record(h))
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	return wh
}

var secretPattern = regexp.MustCompile(`whsec_[A-Za-z0-9+/=]+`)

// secretIn finds a signing secret in a page. The page escapes a "+" of
// the base64 as "&#43;" (one secret in 64 starts with one), so it reads
// the text unescaped.
func secretIn(page string) string { return secretPattern.FindString(html.UnescapeString(page)) }

func TestWebhooksPage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wh := serveWithWebhooks(t, b)
	b.login()
	page := b.projectPath("/webhooks")
	resp, body := b.get(page)
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, "No endpoints yet")

	resp, body = b.post(page, page, url.Values{"url": {"http://app.example.com/h"}, "event_types": {"credential.*"}})
	wantStatus(t, resp, http.StatusBadRequest, body)
	if msg := fieldMessage(t, body, "url"); !strings.Contains(msg, "https") {
		t.Fatalf("the message beside url is %q", msg)
	}
	wantContains(t, body, `value="credential.*"`)

	resp, body = b.post(page, page, url.Values{"url": {"https://app.example.com/h"}, "event_types": {"credential.*, integration.alarm"}})
	wantStatus(t, resp, http.StatusOK, body)
	secret := secretIn(body)
	if secret == "" {
		t.Fatalf("the create response shows no secret:\n%s", body)
	}
	eps, err := wh.ListEndpoints(t.Context(), b.project.ID)
	if err != nil || len(eps) != 1 || strings.Join(eps[0].EventTypes, " ") != "credential.* integration.alarm" {
		t.Fatalf("endpoints after create: %+v (%v)", eps, err)
	}
	ep := eps[0]
	_, body = b.get(page)
	if secretIn(body) != "" {
		t.Fatal("the signing secret shows again")
	}

	resp, body = b.post(page, page+"/"+ep.ID+"/rotate", url.Values{})
	wantStatus(t, resp, http.StatusOK, body)
	if s := secretIn(body); s == "" || s == secret {
		t.Fatalf("rotate shows no new secret")
	}

	resp, body = b.post(page, page+"/"+ep.ID+"/toggle", url.Values{"enabled": {"false"}})
	wantStatus(t, resp, http.StatusSeeOther, body)
	if got, _ := wh.GetEndpoint(t.Context(), b.project.ID, ep.ID); got.Enabled {
		t.Fatal("the endpoint is still enabled")
	}
	resp, body = b.post(page, page+"/"+ep.ID+"/toggle", url.Values{"enabled": {"true"}})
	wantStatus(t, resp, http.StatusSeeOther, body)

	// A dead delivery shows with a Redeliver button that queues it again.
	err = b.svc.Store.AppendEvent(t.Context(), &driveway.Event{ID: "evt_dash", ProjectID: b.project.ID, Kind: driveway.EventIntegrationAlarm})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wh.Dispatch(t.Context()); err != nil {
		t.Fatal(err)
	}
	ds, err := wh.ListDeliveries(t.Context(), b.project.ID, driveway.DeliveryFilter{})
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries: %v, %v", ds, err)
	}
	d := ds[0]
	d.Status, d.Attempts, d.ResponseCode, d.Error = driveway.DeliveryDead, 7, 500, "HTTP 500"
	if err := b.svc.Store.UpdateWebhookDelivery(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	_, body = b.get(page + "?status=dead")
	wantContains(t, body, "evt_dash")
	wantContains(t, body, "/webhooks/deliveries/"+d.ID+"/redeliver")
	resp, body = b.post(page, page+"/deliveries/"+d.ID+"/redeliver", url.Values{})
	wantStatus(t, resp, http.StatusSeeOther, body)
	wantLocation(t, resp, page+"?done=redelivered")
	if got, _ := wh.GetDelivery(t.Context(), b.project.ID, d.ID); got.Status != driveway.DeliveryPending {
		t.Fatalf("after redeliver: status %s, want pending", got.Status)
	}

	resp, body = b.post(page, page+"/"+ep.ID+"/delete", url.Values{})
	wantStatus(t, resp, http.StatusSeeOther, body)
	if eps, _ := wh.ListEndpoints(t.Context(), b.project.ID); len(eps) != 0 {
		t.Fatal("the endpoint was not deleted")
	}
}

func TestWebhooksPageWithoutService(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login()
	resp, body := b.get(b.projectPath("/webhooks"))
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, "not configured")
}
