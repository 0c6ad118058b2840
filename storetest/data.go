package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
)

// testRunContent: a run's kept content opens as it was put, a put replaces
// it, the run's end deletes it, and the purge deletes what a step put
// after its run ended.
func testRunContent(t *testing.T, b *bundle) {
	ctx := context.Background()
	newProject(t, b.s, "prj_a")
	newProject(t, b.s, "prj_b")
	r := &driveway.WorkflowRun{ProjectID: "prj_a", ID: "run_1", WorkflowID: "wf", Version: 1, UserID: "u1",
		Status: driveway.RunRunning, Trigger: json.RawMessage(`{}`), Response: json.RawMessage(`null`), CreatedAt: at(time.Second)}
	ok(t, "CreateRun", b.s.CreateRun(ctx, r))
	code(t, "PutRunContent without a run", b.s.PutRunContent(ctx, "prj_b", "run_1", "dl", []byte(`{}`)), driveway.ENOTFOUND)
	ok(t, "PutRunContent", b.s.PutRunContent(ctx, "prj_a", "run_1", "dl", []byte(`{"contentBase64":"old"}`)))
	ok(t, "PutRunContent again", b.s.PutRunContent(ctx, "prj_a", "run_1", "dl", []byte(`{"contentBase64":"AAEC"}`)))
	ok(t, "PutRunContent nested", b.s.PutRunContent(ctx, "prj_a", "run_1", "each/0/dl", []byte(`{"x":1}`)))
	got, err := b.s.ListRunContent(ctx, "prj_a", "run_1")
	ok(t, "ListRunContent", err)
	eq(t, "kept content", got, map[string][]byte{"dl": []byte(`{"contentBase64":"AAEC"}`), "each/0/dl": []byte(`{"x":1}`)})
	other, err := b.s.ListRunContent(ctx, "prj_b", "run_1")
	ok(t, "ListRunContent of another project", err)
	eq(t, "content of another project", len(other), 0)

	r.Status, r.FinishedAt = driveway.RunSucceeded, at(time.Minute)
	ok(t, "UpdateRun to its end", b.s.UpdateRun(ctx, r))
	got, err = b.s.ListRunContent(ctx, "prj_a", "run_1")
	ok(t, "ListRunContent after the end", err)
	eq(t, "content after the run ended", len(got), 0)

	ok(t, "PutRunContent after the end", b.s.PutRunContent(ctx, "prj_a", "run_1", "late", []byte(`{}`)))
	n, err := b.s.DeleteEndedRunContent(ctx)
	ok(t, "DeleteEndedRunContent", err)
	eq(t, "purged content", n, 1)
}

// testEventRetention: DeleteEventsBefore deletes older events of every
// project with their webhook deliveries, and keeps newer ones.
func testEventRetention(t *testing.T, b *bundle) {
	ctx := context.Background()
	for _, p := range []string{"prj_a", "prj_b"} {
		newProject(t, b.s, p)
		ep := &driveway.WebhookEndpoint{ProjectID: p, ID: "we_1", URL: "https://hooks.example.com/x", Enabled: true,
			Secrets:   []driveway.WebhookSecret{{ID: "whs_1", Value: "whsec_" + p + "-secret-value", CreatedAt: at(0)}},
			CreatedAt: at(0), UpdatedAt: at(0)}
		ok(t, "CreateWebhookEndpoint", b.s.CreateWebhookEndpoint(ctx, ep))
		for i, when := range []time.Duration{time.Hour, 3 * time.Hour} {
			e := &driveway.Event{ProjectID: p, ID: []string{"evt_old", "evt_new"}[i], Kind: driveway.EventCredentialStatus,
				UserID: "u", CreatedAt: at(when)}
			ok(t, "AppendEvent", b.s.AppendEvent(ctx, e))
			_, err := b.s.CreateWebhookDelivery(ctx, &driveway.WebhookDelivery{ProjectID: p, ID: "whd_" + e.ID, EndpointID: "we_1",
				EventID: e.ID, EventType: e.Kind, Payload: json.RawMessage(`{}`), Status: driveway.DeliveryPending,
				CreatedAt: at(when), UpdatedAt: at(when)})
			ok(t, "CreateWebhookDelivery", err)
		}
	}
	n, err := b.s.DeleteEventsBefore(ctx, at(2*time.Hour))
	ok(t, "DeleteEventsBefore", err)
	eq(t, "events deleted", n, 2)
	for _, p := range []string{"prj_a", "prj_b"} {
		evs, err := b.s.ListEvents(ctx, p, "", 0)
		ok(t, "ListEvents", err)
		eq(t, "events kept", len(evs), 1)
		eq(t, "the newer event kept", evs[0].ID, "evt_new")
		_, err = b.s.GetWebhookDelivery(ctx, p, "whd_evt_old")
		code(t, "delivery of a deleted event", err, driveway.ENOTFOUND)
		_, err = b.s.GetWebhookDelivery(ctx, p, "whd_evt_new")
		ok(t, "delivery of a kept event", err)
	}
}

// testEraseUser: EraseUserRecords deletes every record of one user and
// nothing of another user or project; a second erasure finds nothing.
func testEraseUser(t *testing.T, b *bundle) {
	ctx := context.Background()
	newProject(t, b.s, "prj_a")
	newProject(t, b.s, "prj_b")
	seed := func(p, user string) {
		newUser(t, b.s, p, user)
		newCredential(t, b.s, p, user, "cred-"+user, "tag-"+user)
		ok(t, "AppendEvent", b.s.AppendEvent(ctx, &driveway.Event{ProjectID: p, ID: "evt-" + user, Kind: driveway.EventCredentialStatus,
			UserID: user, CredentialID: "cred-" + user, CreatedAt: at(time.Second)}))
		ok(t, "CreateRun", b.s.CreateRun(ctx, &driveway.WorkflowRun{ProjectID: p, ID: "run-" + user, WorkflowID: "wf", Version: 1,
			UserID: user, Status: driveway.RunRunning, Trigger: json.RawMessage(`{}`), Response: json.RawMessage(`null`), CreatedAt: at(time.Second)}))
		ok(t, "PutRunContent", b.s.PutRunContent(ctx, p, "run-"+user, "dl", []byte(`{}`)))
		ok(t, "CreateOAuthState", b.s.CreateOAuthState(ctx, oauthState(p, user, "st-"+p+user, user)))
		ok(t, "CreateTriggerSubscription", b.s.CreateTriggerSubscription(ctx, &driveway.TriggerSubscription{ProjectID: p,
			ID: "tsub-" + user, Trigger: driveway.TriggerFileChange, UserID: user, CreatedAt: at(0), UpdatedAt: at(0)}))
		ok(t, "CreateUserErasure", b.s.CreateUserErasure(ctx, &driveway.UserErasure{ProjectID: p, ID: "era-" + user, UserID: user}))
	}
	seed("prj_a", "gone")
	seed("prj_a", "kept")
	seed("prj_b", "gone")
	for round := 1; round <= 2; round++ {
		ok(t, "EraseUserRecords", b.s.EraseUserRecords(ctx, "prj_a", "gone"))
	}
	_, err := b.s.GetConnectedUser(ctx, "prj_a", "gone")
	code(t, "erased user", err, driveway.ENOTFOUND)
	_, err = b.s.GetCredential(ctx, "prj_a", "cred-gone")
	code(t, "erased credential", err, driveway.ENOTFOUND)
	_, err = b.s.GetRun(ctx, "prj_a", "run-gone")
	code(t, "erased run", err, driveway.ENOTFOUND)
	_, err = b.s.GetTriggerSubscription(ctx, "prj_a", "tsub-gone")
	code(t, "erased trigger subscription", err, driveway.ENOTFOUND)
	_, err = b.s.GetUserErasure(ctx, "prj_a", "era-gone")
	code(t, "erasure record", err, driveway.ENOTFOUND)
	evs, err := b.s.ListEvents(ctx, "prj_a", "", 0)
	ok(t, "ListEvents", err)
	eq(t, "events left in prj_a", len(evs), 1)
	eq(t, "the kept user's event", evs[0].UserID, "kept")
	for _, k := range []struct{ p, user string }{{"prj_a", "kept"}, {"prj_b", "gone"}} {
		_, err := b.s.GetConnectedUser(ctx, k.p, k.user)
		ok(t, "user not erased", err)
		_, err = b.s.GetRun(ctx, k.p, "run-"+k.user)
		ok(t, "run not erased", err)
		_, err = b.s.GetUserErasure(ctx, k.p, "era-"+k.user)
		ok(t, "erasure record of another user", err)
	}
}

// testURLCodes: a code's token is sealed and opens as it was put, a code
// is consumed once, counts and purges go by expiry.
func testURLCodes(t *testing.T, b *bundle) {
	ctx := context.Background()
	newProject(t, b.s, "prj_a")
	put := func(id, user string, exp time.Duration) *driveway.URLCode {
		c := &driveway.URLCode{ID: id, ProjectID: "prj_a", UserID: user, Token: "token-of-" + id, ExpiresAt: at(exp)}
		ok(t, "CreateURLCode", b.s.CreateURLCode(ctx, c))
		return c
	}
	c1 := put("c1", "u1", time.Minute)
	put("c2", "u1", time.Hour)
	put("c3", "u2", time.Hour)
	code(t, "CreateURLCode twice", b.s.CreateURLCode(ctx, c1), driveway.ECONFLICT)
	code(t, "CreateURLCode without a project", b.s.CreateURLCode(ctx, &driveway.URLCode{ID: "c9", ProjectID: "prj_none",
		UserID: "u", Token: "t", ExpiresAt: at(time.Hour)}), driveway.ENOTFOUND)
	n, err := b.s.CountURLCodes(ctx, "prj_a", "u1", at(2*time.Minute))
	ok(t, "CountURLCodes", err)
	eq(t, "u1's live codes", n, 1)
	got, err := b.s.ConsumeURLCode(ctx, "c1")
	ok(t, "ConsumeURLCode", err)
	eq(t, "consumed code", got, c1)
	_, err = b.s.ConsumeURLCode(ctx, "c1")
	code(t, "ConsumeURLCode twice", err, driveway.ENOTFOUND)
	n, err = b.s.DeleteExpiredURLCodes(ctx, at(2*time.Hour))
	ok(t, "DeleteExpiredURLCodes", err)
	eq(t, "expired codes deleted", n, 2)
}
