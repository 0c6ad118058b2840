package microsoft_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// TestSubscriptions creates, renews and deletes a drive-root subscription
// on the emulator (which validates the notification URL first, as Graph
// does); renewing a deleted one is a not-found GraphError, and deleting it
// again is not an error.
func TestSubscriptions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.ModeBusiness, emulator.Options{}, microsoft.DriveOptions{})
	validated := make(chan struct{}, 4)
	intake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := r.URL.Query().Get("validationToken"); tok != "" {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, tok)
			validated <- struct{}{}
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(intake.Close)
	token, err := f.accessToken(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	subs := microsoft.Subscriptions{GraphV1: f.s.GraphURL()}
	exp := time.Now().Add(24 * time.Hour).Truncate(time.Second)
	sub, err := subs.Create(t.Context(), token, microsoft.SubscriptionSpec{Resource: "/me/drive/root", ChangeType: "updated",
		NotificationURL: intake.URL + "/notify", LifecycleNotificationURL: intake.URL + "/lifecycle",
		ClientState: "state-1", Expiration: exp})
	if err != nil || sub.ID == "" {
		t.Fatalf("Create = %+v, %v", sub, err)
	}
	select {
	case <-validated:
	default:
		t.Fatal("the notification URL was not validated before Create answered")
	}
	later := exp.Add(time.Hour)
	renewed, err := subs.Renew(t.Context(), token, sub.ID, later)
	if err != nil || renewed.ID != sub.ID || !renewed.ExpirationDateTime.Equal(later) {
		t.Fatalf("Renew = %+v, %v; want %s until %s", renewed, err, sub.ID, later)
	}
	if err := subs.Delete(t.Context(), token, sub.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := subs.Delete(t.Context(), token, sub.ID); err != nil {
		t.Fatalf("Delete of a deleted subscription: %v", err)
	}
	if _, err := subs.Renew(t.Context(), token, sub.ID, later); !microsoft.IsNotFound(err) {
		t.Fatalf("Renew of a deleted subscription = %v, want not found", err)
	}
	if _, err := subs.Create(t.Context(), "not-a-token", microsoft.SubscriptionSpec{Resource: "/me/drive/root",
		ChangeType: "updated", NotificationURL: intake.URL + "/notify", Expiration: exp}); microsoft.AsGraphError(err) == nil ||
		microsoft.AsGraphError(err).Status != http.StatusUnauthorized {
		t.Fatalf("Create with a bad token = %v, want a 401 GraphError", err)
	}
}
