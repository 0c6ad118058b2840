package storetest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
)

// RunWebhooks runs the outgoing-webhook part of the suite (endpoints with
// sealed secrets, the event outbox, deliveries) against stores made by
// newStore.
func RunWebhooks(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b *bundle)
	}{
		{"WebhookEndpoints", testWebhookEndpoints},
		{"WebhookOutbox", testWebhookOutbox},
		{"WebhookDeliveries", testWebhookDeliveries},
		{"WebhookSecretsSealed", testWebhookSecretsSealed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, setup(t, newStore))
		})
	}
}

func newEndpoint(t *testing.T, q driveway.Queries, projectID, id, tag string, enabled bool) *driveway.WebhookEndpoint {
	t.Helper()
	e := &driveway.WebhookEndpoint{ProjectID: projectID, ID: id, URL: "https://app.example.com/hooks/" + id,
		Description: "endpoint " + id, EventTypes: []string{"credential.*"}, Enabled: enabled,
		Secrets: []driveway.WebhookSecret{
			{ID: id + "_s2", Value: "whsec_new_" + tag, CreatedAt: at(2 * time.Second)},
			{ID: id + "_s1", Value: "whsec_old_" + tag, ExpiresAt: at(time.Hour), CreatedAt: at(time.Second)},
		},
		CreatedAt: at(time.Duration(len(id)) * time.Second), UpdatedAt: at(time.Minute)}
	ok(t, "CreateWebhookEndpoint", q.CreateWebhookEndpoint(context.Background(), e))
	return e
}

// testWebhookEndpoints: create, read with secrets in order, update,
// isolation, conflicts, delete.
func testWebhookEndpoints(t *testing.T, b *bundle) {
	ctx := context.Background()
	newProject(t, b.s, "prj_a")
	newProject(t, b.s, "prj_b")
	e := newEndpoint(t, b.s, "prj_a", "whe1", "t1", true)
	got, err := b.s.GetWebhookEndpoint(ctx, "prj_a", "whe1")
	ok(t, "GetWebhookEndpoint", err)
	eq(t, "endpoint", got, e)
	code(t, "duplicate", b.s.CreateWebhookEndpoint(ctx, e), driveway.ECONFLICT)
	code(t, "missing project", b.s.CreateWebhookEndpoint(ctx, &driveway.WebhookEndpoint{ProjectID: "prj_none", ID: "x",
		CreatedAt: at(0), UpdatedAt: at(0)}), driveway.ENOTFOUND)
	_, err = b.s.GetWebhookEndpoint(ctx, "prj_b", "whe1")
	code(t, "other project", err, driveway.ENOTFOUND)

	e2 := newEndpoint(t, b.s, "prj_a", "whe22", "t2", false)
	list, err := b.s.ListWebhookEndpoints(ctx, "prj_a")
	ok(t, "ListWebhookEndpoints", err)
	eq(t, "list", list, []*driveway.WebhookEndpoint{e, e2})

	e.URL, e.EventTypes, e.Enabled = "https://other.example.com/h", nil, false
	e.Secrets = e.Secrets[:1]
	ok(t, "UpdateWebhookEndpoint", b.s.UpdateWebhookEndpoint(ctx, e))
	got, err = b.s.GetWebhookEndpoint(ctx, "prj_a", "whe1")
	ok(t, "GetWebhookEndpoint after update", err)
	e.EventTypes = []string{}
	eq(t, "updated", got, e)
	code(t, "update missing", b.s.UpdateWebhookEndpoint(ctx, &driveway.WebhookEndpoint{ProjectID: "prj_b", ID: "whe1"}), driveway.ENOTFOUND)

	code(t, "delete other project", b.s.DeleteWebhookEndpoint(ctx, "prj_b", "whe1"), driveway.ENOTFOUND)
	ok(t, "DeleteWebhookEndpoint", b.s.DeleteWebhookEndpoint(ctx, "prj_a", "whe1"))
	_, err = b.s.GetWebhookEndpoint(ctx, "prj_a", "whe1")
	code(t, "deleted", err, driveway.ENOTFOUND)
}

// testWebhookOutbox: an event enters the outbox only when its project has
// an enabled endpoint, in the event's own transaction (a rolled-back event
// leaves nothing), oldest first, and leaves it when deleted.
func testWebhookOutbox(t *testing.T, b *bundle) {
	ctx := context.Background()
	newProject(t, b.s, "prj_a")
	newProject(t, b.s, "prj_b")
	newProject(t, b.s, "prj_c")
	ev := func(p, id string) *driveway.Event {
		return &driveway.Event{ProjectID: p, ID: id, Kind: driveway.EventCredentialStatus, UserID: "u", CredentialID: "c",
			Data: map[string]any{"status": "INVALID"}, CreatedAt: at(time.Second)}
	}
	ok(t, "AppendEvent before any endpoint", b.s.AppendEvent(ctx, ev("prj_a", "evt0")))
	newEndpoint(t, b.s, "prj_a", "whe1", "t", true)
	newEndpoint(t, b.s, "prj_c", "whe3", "t", false) // disabled: no outbox
	for _, e := range []*driveway.Event{ev("prj_a", "evt2"), ev("prj_b", "evt3"), ev("prj_c", "evt4"), ev("prj_a", "evt1")} {
		ok(t, "AppendEvent", b.s.AppendEvent(ctx, e))
	}
	rolledBack := b.s.WithTx(ctx, func(tx driveway.Tx) error {
		ok(t, "AppendEvent in tx", tx.AppendEvent(ctx, ev("prj_a", "evt_rb")))
		return driveway.Errorf(driveway.EINVALID, "roll back")
	})
	code(t, "rolled back", rolledBack, driveway.EINVALID)
	got, err := b.s.ListWebhookOutbox(ctx, 10)
	ok(t, "ListWebhookOutbox", err)
	eq(t, "outbox", got, []*driveway.Event{ev("prj_a", "evt2"), ev("prj_a", "evt1")})
	ok(t, "DeleteWebhookOutbox", b.s.DeleteWebhookOutbox(ctx, "prj_a", "evt2"))
	ok(t, "DeleteWebhookOutbox again", b.s.DeleteWebhookOutbox(ctx, "prj_a", "evt2"))
	got, err = b.s.ListWebhookOutbox(ctx, 10)
	ok(t, "ListWebhookOutbox after delete", err)
	eq(t, "outbox after delete", len(got), 1)
}

func delivery(projectID, id, endpointID, eventID string, created time.Duration) *driveway.WebhookDelivery {
	return &driveway.WebhookDelivery{ProjectID: projectID, ID: id, EndpointID: endpointID, EventID: eventID,
		EventType: "credential.status_changed", Payload: []byte(`{"type":"credential.status_changed","data":{"a":1}}`),
		Status: driveway.DeliveryPending, NextAttemptAt: at(created), CreatedAt: at(created), UpdatedAt: at(created)}
}

// testWebhookDeliveries: once per (endpoint, event), filters, order,
// update, cascade from the endpoint.
func testWebhookDeliveries(t *testing.T, b *bundle) {
	ctx := context.Background()
	newProject(t, b.s, "prj_a")
	newProject(t, b.s, "prj_b")
	newEndpoint(t, b.s, "prj_a", "whe1", "t", true)
	newEndpoint(t, b.s, "prj_a", "whe2", "t", true)
	d1 := delivery("prj_a", "whd1", "whe1", "evt1", time.Second)
	created, err := b.s.CreateWebhookDelivery(ctx, d1)
	ok(t, "CreateWebhookDelivery", err)
	eq(t, "created", created, true)
	created, err = b.s.CreateWebhookDelivery(ctx, delivery("prj_a", "whd1b", "whe1", "evt1", 2*time.Second))
	ok(t, "CreateWebhookDelivery same event", err)
	eq(t, "created twice", created, false)
	_, err = b.s.CreateWebhookDelivery(ctx, delivery("prj_a", "whdx", "whe_none", "evt1", time.Second))
	code(t, "missing endpoint", err, driveway.ENOTFOUND)
	d2 := delivery("prj_a", "whd2", "whe2", "evt1", 3*time.Second)
	d3 := delivery("prj_a", "whd3", "whe1", "evt2", 4*time.Second)
	for _, d := range []*driveway.WebhookDelivery{d2, d3} {
		_, err := b.s.CreateWebhookDelivery(ctx, d)
		ok(t, "CreateWebhookDelivery", err)
	}
	got, err := b.s.GetWebhookDelivery(ctx, "prj_a", "whd1")
	ok(t, "GetWebhookDelivery", err)
	eq(t, "delivery", got, d1)
	_, err = b.s.GetWebhookDelivery(ctx, "prj_b", "whd1")
	code(t, "other project", err, driveway.ENOTFOUND)

	d3.Status, d3.Attempts, d3.ResponseCode, d3.Error = driveway.DeliveryDead, 7, 500, "HTTP 500"
	d3.NextAttemptAt, d3.LastAttemptAt = time.Time{}, at(time.Hour)
	ok(t, "UpdateWebhookDelivery", b.s.UpdateWebhookDelivery(ctx, d3))
	got, err = b.s.GetWebhookDelivery(ctx, "prj_a", "whd3")
	ok(t, "GetWebhookDelivery after update", err)
	eq(t, "updated", got, d3)
	code(t, "update other project", b.s.UpdateWebhookDelivery(ctx, delivery("prj_b", "whd3", "whe1", "e", 0)), driveway.ENOTFOUND)

	list := func(f driveway.DeliveryFilter) []string {
		ds, err := b.s.ListWebhookDeliveries(ctx, "prj_a", f)
		ok(t, "ListWebhookDeliveries", err)
		var ids []string
		for _, d := range ds {
			ids = append(ids, d.ID)
		}
		return ids
	}
	eq(t, "all", list(driveway.DeliveryFilter{}), []string{"whd3", "whd2", "whd1"})
	eq(t, "dead", list(driveway.DeliveryFilter{Status: driveway.DeliveryDead}), []string{"whd3"})
	eq(t, "endpoint", list(driveway.DeliveryFilter{EndpointID: "whe1"}), []string{"whd3", "whd1"})
	eq(t, "limit", list(driveway.DeliveryFilter{Limit: 1}), []string{"whd3"})

	n, err := b.s.DeleteWebhookDeliveriesBefore(ctx, d3.UpdatedAt)
	ok(t, "DeleteWebhookDeliveriesBefore its update", err)
	eq(t, "deleted before the update", n, 0)
	n, err = b.s.DeleteWebhookDeliveriesBefore(ctx, d3.UpdatedAt.Add(time.Second))
	ok(t, "DeleteWebhookDeliveriesBefore", err)
	eq(t, "deleted: the dead one only", n, 1)
	eq(t, "after purge", list(driveway.DeliveryFilter{}), []string{"whd2", "whd1"})

	ok(t, "DeleteWebhookEndpoint", b.s.DeleteWebhookEndpoint(ctx, "prj_a", "whe1"))
	eq(t, "after cascade", list(driveway.DeliveryFilter{}), []string{"whd2"})

	// Deleting the project takes endpoints, deliveries and the outbox along.
	ok(t, "AppendEvent", b.s.AppendEvent(ctx, &driveway.Event{ProjectID: "prj_a", ID: "evt9", Kind: "k"}))
	ok(t, "DeleteProject", b.s.DeleteProject(ctx, "prj_a"))
	out, err := b.s.ListWebhookOutbox(ctx, 10)
	ok(t, "ListWebhookOutbox", err)
	eq(t, "outbox after project delete", len(out), 0)
	_, err = b.s.GetWebhookDelivery(ctx, "prj_a", "whd2")
	code(t, "delivery after project delete", err, driveway.ENOTFOUND)
}

// testWebhookSecretsSealed: secrets are listed as sealed values, never
// stored in plain text, and survive a key rotation.
func testWebhookSecretsSealed(t *testing.T, b *bundle) {
	ctx := context.Background()
	newProject(t, b.s, "prj_a")
	e := newEndpoint(t, b.s, "prj_a", "whe1", "canary7f3a", true)
	var n int
	for _, v := range listAllSealed(t, b.s, 100) {
		if v.Ref.Table == "webhook_endpoint_secrets" {
			n++
			if strings.Contains(v.Ciphertext, "canary7f3a") {
				t.Fatalf("sealed value %v holds the plain text", v.Ref)
			}
		}
	}
	eq(t, "sealed secrets listed", n, 2)
	if d, isDumper := b.s.(RawDumper); isDumper {
		if raw := d.DumpRaw(t); bytes.Contains(raw, []byte("canary7f3a")) {
			t.Fatal("a webhook secret is in plain text at rest")
		}
	}
	rotateAll(t, b)
	for _, v := range listAllSealed(t, b.s, 100) {
		if v.Ref.Table == "webhook_endpoint_secrets" && !b.sealer.Current(v.Ciphertext) {
			t.Fatalf("sealed value %v was not resealed under the new key", v.Ref)
		}
	}
	got, err := b.s.GetWebhookEndpoint(ctx, "prj_a", "whe1")
	ok(t, "GetWebhookEndpoint after rotation", err)
	eq(t, "secrets after rotation", got.Secrets, e.Secrets)
}
