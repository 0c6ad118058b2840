package action_test

import (
	"encoding/base64"
	"testing"

	"github.com/drivewayhq/driveway/action"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/workflow"
)

// The executor is the workflow engine's ActionRunner.
var _ workflow.ActionRunner = (*action.Executor)(nil)

// TestRequestFollowsDownloads: ONEDRIVE_REQUEST of a file's content comes
// back with the bytes (the proxy follows Graph's redirect to the
// pre-authenticated URL), and never with that URL.
func TestRequestFollowsDownloads(t *testing.T) {
	t.Parallel()
	b := newBundle(t, emulator.ModeBusiness, opts{})
	bin := string([]byte{0, 0xff, 0xfe, 1, 2})
	f := b.write(t, "/blob.bin", bin)
	out := b.mustRun(t, "ONEDRIVE_REQUEST", map[string]any{"method": "GET", "path": "me/drive/items/" + f.ID + "/content"})
	wantEqual(t, "status", out["status"], 200.0)
	wantEqual(t, "bodyBase64", out["bodyBase64"], base64.StdEncoding.EncodeToString([]byte(bin)))
	if h, _ := out["headers"].(map[string]any); h["location"] != nil {
		t.Fatalf("headers %v carry a location", h)
	}
	// With the redirect kept, its pre-authenticated Location is dropped.
	out = b.mustRun(t, "ONEDRIVE_REQUEST", map[string]any{"method": "GET", "path": "me/drive/items/" + f.ID + "/content",
		"headers": map[string]any{"X-Driveway-Redirect": "manual"}})
	if h, _ := out["headers"].(map[string]any); out["status"] != 302.0 || h["location"] != nil {
		t.Fatalf("manual redirect: %v", out)
	}
}
