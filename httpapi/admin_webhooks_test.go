package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/httpapi"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/sqlite"
	"github.com/drivewayhq/driveway/webhook"
)

// webhookSetup is a server with the webhook routes on a real SQLite store
// and an unstarted queue (deliveries stay pending), with a project and its
// key.
func webhookSetup(t *testing.T) (*bundle, driveway.Store) {
	t.Helper()
	ctx := context.Background()
	spec, _ := secret.GenerateKey()
	ring, err := secret.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "driveway.db"), ring)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	q, err := jobs.NewSQLite(store.WriterDB(), jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	wh, err := webhook.New(store, q, webhook.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Register(); err != nil {
		t.Fatal(err)
	}
	b := &bundle{t: t, svc: &admin.Service{Store: store}}
	if b.projA, err = b.svc.CreateProject(ctx, admin.ProjectInput{Name: "A"}); err != nil {
		t.Fatal(err)
	}
	if b.projB, err = b.svc.CreateProject(ctx, admin.ProjectInput{Name: "B"}); err != nil {
		t.Fatal(err)
	}
	if _, b.keyA, err = b.svc.CreateAPIKey(ctx, b.projA.ID, "a"); err != nil {
		t.Fatal(err)
	}
	if _, b.keyB, err = b.svc.CreateAPIKey(ctx, b.projB.ID, "b"); err != nil {
		t.Fatal(err)
	}
	b.srv = httptest.NewServer((&httpapi.Server{Admin: b.svc, Webhooks: wh}).Handler())
	t.Cleanup(b.srv.Close)
	return b, store
}

func TestWebhookEndpointsAPI(t *testing.T) {
	t.Parallel()
	b, _ := webhookSetup(t)
	base := "/api/v1/projects/" + b.projA.ID + "/webhook-endpoints"
	code, out := b.call(b.keyA, "POST", base, map[string]any{"url": "https://app.example.com/hooks", "eventTypes": []string{"credential.*"}})
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, out["_raw"])
	}
	sec, _ := out["secret"].(string)
	id, _ := out["id"].(string)
	if !strings.HasPrefix(sec, "whsec_") || id == "" || out["enabled"] != true {
		t.Fatalf("create answer: %v", out["_raw"])
	}
	reads := func() string {
		var all strings.Builder
		for _, p := range []string{base, base + "/" + id} {
			code, out := b.call(b.keyA, "GET", p, nil)
			if code != http.StatusOK {
				t.Fatalf("GET %s: %d %v", p, code, out["_raw"])
			}
			all.WriteString(out["_raw"].(string))
		}
		return all.String()
	}
	if r := reads(); strings.Contains(r, strings.TrimPrefix(sec, "whsec_")) || strings.Contains(r, `"secret"`) {
		t.Fatalf("a read shows the signing secret: %s", r)
	}

	code, out = b.call(b.keyA, "POST", base+"/"+id+"/rotate-secret", map[string]any{"overlapSeconds": 3600})
	newSec, _ := out["secret"].(string)
	if code != http.StatusOK || !strings.HasPrefix(newSec, "whsec_") || newSec == sec {
		t.Fatalf("rotate: %d %v", code, out["_raw"])
	}
	if secrets, _ := out["secrets"].([]any); len(secrets) != 2 {
		t.Fatalf("secrets after rotation = %v, want 2", out["secrets"])
	}
	if r := reads(); strings.Contains(r, strings.TrimPrefix(newSec, "whsec_")) || strings.Contains(r, strings.TrimPrefix(sec, "whsec_")) {
		t.Fatalf("a read after rotation shows a signing secret")
	}

	code, out = b.call(b.keyA, "PATCH", base+"/"+id, map[string]any{"enabled": false, "eventTypes": []string{}})
	if code != http.StatusOK || out["enabled"] != false {
		t.Fatalf("patch: %d %v", code, out["_raw"])
	}
	for _, c := range []struct {
		body  any
		field string
	}{
		{map[string]any{"url": "http://app.example.com/h"}, "url"},
		{map[string]any{"url": "https://127.0.0.1/h"}, "url"},
		{map[string]any{"url": "https://app.example.com/h", "eventTypes": []string{"Bad Type"}}, "eventTypes"},
		{map[string]any{}, "url"},
	} {
		code, out := b.call(b.keyA, "POST", base, c.body)
		if errd, _ := out["error"].(map[string]any); code != http.StatusBadRequest || errd["field"] != c.field {
			t.Errorf("create %v: %d %v, want 400 on %s", c.body, code, out["_raw"], c.field)
		}
	}
	if code, _ := b.call(b.keyB, "GET", "/api/v1/projects/"+b.projB.ID+"/webhook-endpoints/"+id, nil); code != http.StatusNotFound {
		t.Errorf("another project's endpoint: %d, want 404", code)
	}
	if code, _ := b.call(b.keyB, "GET", base, nil); code != http.StatusForbidden && code != http.StatusNotFound {
		t.Errorf("another project's key: %d, want 403 or 404", code)
	}
	if code, _ := b.call(b.keyA, "DELETE", base+"/"+id, nil); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
}

func TestWebhookDeliveriesAPI(t *testing.T) {
	t.Parallel()
	b, store := webhookSetup(t)
	ctx := context.Background()
	base := "/api/v1/projects/" + b.projA.ID
	code, out := b.call(b.keyA, "POST", base+"/webhook-endpoints", map[string]any{"url": "https://app.example.com/hooks"})
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, out["_raw"])
	}
	err := store.AppendEvent(ctx, &driveway.Event{ID: "evt_1", ProjectID: b.projA.ID, Kind: driveway.EventIntegrationAlarm,
		Data: map[string]any{"reason": "app_credentials_invalid"}})
	if err != nil {
		t.Fatal(err)
	}
	code, out = b.call(b.keyA, "GET", base+"/webhook-deliveries", nil)
	if data, _ := out["data"].([]any); code != http.StatusOK || len(data) != 0 {
		t.Fatalf("deliveries before the dispatcher ran: %d %v", code, out["_raw"])
	}
	// The dispatcher's work, done here without a running queue.
	wh := webhookService(t, store)
	if _, err := wh.Dispatch(ctx); err != nil {
		t.Fatal(err)
	}
	code, out = b.call(b.keyA, "GET", base+"/webhook-deliveries?status=pending", nil)
	data, _ := out["data"].([]any)
	if code != http.StatusOK || len(data) != 1 {
		t.Fatalf("pending deliveries: %d %v", code, out["_raw"])
	}
	did := data[0].(map[string]any)["id"].(string)
	code, out = b.call(b.keyA, "GET", base+"/webhook-deliveries/"+did, nil)
	if p, _ := out["payload"].(map[string]any); code != http.StatusOK || p["type"] != driveway.EventIntegrationAlarm {
		t.Fatalf("get delivery: %d %v", code, out["_raw"])
	}
	if code, _ := b.call(b.keyA, "POST", base+"/webhook-deliveries/"+did+"/redeliver", nil); code != http.StatusConflict {
		t.Errorf("redeliver a pending delivery: %d, want 409", code)
	}
	if code, _ := b.call(b.keyA, "GET", base+"/webhook-deliveries?status=nope", nil); code != http.StatusBadRequest {
		t.Errorf("bad status filter: %d, want 400", code)
	}
	if code, _ := b.call(b.keyA, "POST", base+"/webhook-deliveries/whd_none/redeliver", nil); code != http.StatusNotFound {
		t.Errorf("redeliver unknown: %d, want 404", code)
	}
}

func TestWebhookRoutesWithoutService(t *testing.T) {
	t.Parallel()
	b := setup(t)
	code, _ := b.call(b.keyA, "GET", "/api/v1/projects/"+b.projA.ID+"/webhook-endpoints", nil)
	if code != http.StatusServiceUnavailable {
		t.Fatalf("without a webhook service: %d, want 503", code)
	}
}

// webhookService is a second service on the same store (its own unstarted
// queue), to run the dispatcher by hand.
func webhookService(t *testing.T, store driveway.Store) *webhook.Service {
	t.Helper()
	q, err := jobs.NewSQLite(store.(*sqlite.Store).WriterDB(), jobs.Config{InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	wh, err := webhook.New(store, q, webhook.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return wh
}
