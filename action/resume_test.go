package action_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/drivewayhq/driveway/action"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// TestSaveFileResumesAfterACut: a multipart Save File of ten fragments
// whose sixth fragment fails (503, at 60%) still lands whole, and only that
// fragment is sent twice: committed ranges are never resent.
func TestSaveFileResumesAfterACut(t *testing.T) {
	t.Parallel()
	const chunk = 4 * microsoft.FragmentUnit
	const size = 10 * chunk
	b := newBundle(t, emulator.ModeBusiness, opts{exec: func(e *action.Executor) { e.ChunkSize = chunk }})
	b.emu.AddFault(emulator.Fault{Route: "preauth.upload", Status: http.StatusServiceUnavailable, Every: 6, Count: 1})
	b.emu.ResetStats()
	want, err := io.ReadAll(&pattern{left: size})
	must(t, "pattern", err)
	body, ctype := multipartBody(t, fmt.Sprintf(`{"name":"cut.bin","size":%d}`, size), "cut.bin", bytes.NewReader(want))
	status, _, raw := b.post(t, "/projects/"+projectID+"/actions", body, ctype, nil)
	if status != 200 {
		t.Fatalf("save: %d %s", status, raw)
	}
	got, err := b.emu.ReadFile(b.user.ID, "/cut.bin")
	must(t, "read", err)
	if !bytes.Equal(got, want) {
		t.Fatalf("the saved file differs (%d bytes, want %d)", len(got), len(want))
	}
	puts, failed, at := 0, 0, 0
	for _, r := range b.emu.RequestLog() {
		if r.Route == "preauth.upload" && r.Method == http.MethodPut {
			puts++
			if r.Status == http.StatusServiceUnavailable {
				failed, at = failed+1, puts
			}
		}
	}
	if at != 6 {
		t.Fatalf("the cut hit PUT %d, want the 6th", at)
	}
	if puts != 11 || failed != 1 {
		t.Fatalf("%d fragment PUTs (%d failed), want 11 with 1 failed: only the cut fragment is resent", puts, failed)
	}
}
