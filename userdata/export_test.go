package userdata_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/userdata"
)

// TestExportHoldsTheUsersDataAndNoToken: a user's export holds their
// accounts, events and runs, nothing of another user, and no token.
func TestExportHoldsTheUsersDataAndNoToken(t *testing.T) {
	t.Parallel()
	worlds(t, func(t *testing.T, w *world) {
		seedUser(t, w.store, "alice")
		seedUser(t, w.store, "bob")
		svc := &userdata.Service{Store: w.store}
		out, err := svc.Export(t.Context(), "prj_1", "alice")
		must(t, "export", err)
		b, _ := json.Marshal(out)
		got := string(b)
		for _, want := range []string{"cred-alice-1", "cred-alice-2", "evt-cred-alice-1", "run-alice", "alice@example.com"} {
			if !strings.Contains(got, want) {
				t.Errorf("the export lacks %s", want)
			}
		}
		for _, never := range []string{"at-cred", "rt-cred", "bob"} {
			if strings.Contains(got, never) {
				t.Errorf("the export holds %q: %.500s", never, got)
			}
		}
		if _, err := svc.Export(t.Context(), "prj_1", "nobody"); driveway.ErrorCode(err) != driveway.ENOTFOUND {
			t.Fatalf("export of an unknown user: %v, want ENOTFOUND", err)
		}
	})
}
