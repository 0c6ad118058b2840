package dashboard_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
)

func TestFileChangePageShowsWatchesSubscriptionsAndEvents(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login()
	ctx := context.Background()
	const clientState = "CLIENTSTATE-CANARY-91"
	const deltaToken = "DELTA-TOKEN-CANARY-42"
	b.seedUser("user-1", "Ada", "ada@example.test", &driveway.Credential{ID: "cred_1", Status: driveway.CredentialValid})
	now := time.Now().UTC()
	w := &driveway.DriveWatch{ProjectID: b.project.ID, CredentialID: "cred_1", UserID: "user-1", SubscriptionID: "sub-1",
		ClientState: clientState, Status: "failed", Reason: "subscription_validation_failed", ExpiresAt: now.Add(29 * 24 * time.Hour),
		RenewAt: now.Add(26 * 24 * time.Hour), DeltaLink: "https://graph.example/delta?token=" + deltaToken, LastDeltaAt: now}
	if err := b.svc.Store.CreateDriveWatch(ctx, w); err != nil {
		t.Fatal(err)
	}
	ts := &driveway.TriggerSubscription{ProjectID: b.project.ID, ID: "tsub_1", Trigger: driveway.TriggerFileChange, UserID: "user-1",
		PathPrefix: "/Invoices", ChangeTypes: []string{"created"}}
	if err := b.svc.Store.CreateTriggerSubscription(ctx, ts); err != nil {
		t.Fatal(err)
	}
	ev := &driveway.Event{ID: "evt_1", ProjectID: b.project.ID, Kind: "onedrive.file.created", UserID: "user-1", CredentialID: "cred_1",
		Data: map[string]any{"item": map[string]any{"name": "march.pdf", "path": "/Invoices/march.pdf"}}, CreatedAt: now}
	if err := b.svc.Store.AppendEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	resp, body := b.get(b.projectPath("/file-change"))
	if resp.StatusCode != 200 {
		t.Fatalf("file change page: %d", resp.StatusCode)
	}
	for _, want := range []string{"cred_1", "failed", "subscription_validation_failed", "/Invoices", "onedrive.file.created", "/Invoices/march.pdf"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, clientState) || strings.Contains(body, deltaToken) {
		t.Fatal("the clientState or the delta token is on the page")
	}
}
