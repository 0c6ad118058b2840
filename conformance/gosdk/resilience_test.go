package gosdk_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go-core/fileuploader"
	"github.com/microsoftgraph/msgraph-sdk-go/drives"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// TestThrottlingRetryAfter: the SDK's RetryHandler honours a 429's
// Retry-After and the request then succeeds.
func TestThrottlingRetryAfter(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	e.emu.AddFault(emulator.Fault{Route: "graph.item", Status: 429, RetryAfter: 1, Count: 1})
	before := e.rec.count()
	start := time.Now()
	root, err := e.item(e.rootID).Get(e.ctx, nil)
	if err != nil {
		t.Fatalf("get after a 429: %v", describe(err))
	}
	if elapsed := time.Since(start); elapsed < 900*time.Millisecond {
		t.Fatalf("retried after %v, before Retry-After: 1", elapsed)
	}
	reqs := e.rec.since(before)
	if len(reqs) != 2 || reqs[0].Status != 429 || reqs[1].Status != 200 || *root.GetId() != e.rootID {
		t.Fatalf("requests %+v, want a 429 then a 200", reqs)
	}
}

// TestResyncRequired: an invalidated delta token gives 410 resyncRequired.
func TestResyncRequired(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	e.mustPut(e.rootID, "a.txt", "a")
	_, link := deltaRound(t, e, e.deltaFrom(e.emu.GraphURL()+"/drives/"+e.driveID+"/root/delta"))
	if err := e.emu.InvalidateDeltaTokens(e.driveID); err != nil {
		t.Fatalf("invalidate: %v", err)
	}
	_, err := e.item(e.rootID).Delta().WithUrl(link).GetAsDeltaGetResponse(e.ctx, nil)
	if status, code := graphError(t, err); status != 410 || code != "resyncRequired" {
		t.Fatalf("old deltaLink: %d %s, want 410 resyncRequired", status, code)
	}
}

// TestGzipRequestBodies: Kiota's CompressionHandler gzips JSON bodies and
// the emulator accepts them (must-have 17).
func TestGzipRequestBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	before := e.rec.count()
	f := e.mustMkdir(e.rootID, "gz")
	reqs := e.rec.since(before)
	if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].ContentEncoding != "gzip" || reqs[0].Status != 201 {
		t.Fatalf("requests %+v, want one gzip-encoded POST answered 201", reqs)
	}
	if deref(f.GetName()) != "gz" {
		t.Fatalf("created %q", deref(f.GetName()))
	}
}

// TestLargeFileUploadTransient503: a fragment refused once with 503 and
// Retry-After is retried by the SDK and the upload completes.
func TestLargeFileUploadTransient503(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	data := bytes.Repeat([]byte{9}, 3*327680+5)
	session, err := e.item(e.rootID).CreateUploadSession().WithUrl(e.pathURL(e.rootID, "flaky.bin", "/createUploadSession")).
		Post(e.ctx, drives.NewItemItemsItemCreateUploadSessionPostRequestBody(), nil)
	if err != nil {
		t.Fatalf("createUploadSession: %v", describe(err))
	}
	e.emu.AddFault(emulator.Fault{Route: "preauth.upload", Status: 503, RetryAfter: 1, Every: 2, Count: 1})
	before := e.rec.count()
	task := fileuploader.NewLargeFileUploadTask[models.DriveItemable](e.adapter, session, tempFile(t, data), 327680,
		models.CreateDriveItemFromDiscriminatorValue, errorMappings)
	result := task.Upload(func(int64, int64) {})
	if !result.GetUploadSucceeded() {
		t.Fatalf("upload failed: %v", result.GetResponseErrors())
	}
	if got := deref(result.GetItemResponse().GetSize()); got != int64(len(data)) {
		t.Fatalf("size %d, want %d", got, len(data))
	}
	saw503 := false
	for _, r := range e.rec.since(before) {
		saw503 = saw503 || r.Status == 503
	}
	if !saw503 {
		t.Fatal("no fragment was refused; the fault did not apply")
	}
}
