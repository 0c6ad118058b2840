package gosdk_test

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go-core/fileuploader"
	"github.com/microsoftgraph/msgraph-sdk-go/drives"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/microsoft/quickxor"
)

func quickXor(data []byte) string {
	s := quickxor.Sum(data)
	return base64.StdEncoding.EncodeToString(s[:])
}

func TestSimpleUpload(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	body := []byte("hello, conformance\n")

	before := e.rec.count()
	item, err := e.content(e.rootID, "small.txt").Put(e.ctx, body, nil)
	if err != nil {
		t.Fatalf("put new: %v", describe(err))
	}
	if got := e.rec.since(before); len(got) != 1 || got[0].Status != 201 {
		t.Fatalf("new file: requests %+v, want one answered 201", got)
	}
	if deref(item.GetSize()) != int64(len(body)) {
		t.Fatalf("size = %d, want %d", deref(item.GetSize()), len(body))
	}
	if got := deref(item.GetFile().GetHashes().GetQuickXorHash()); got != quickXor(body) {
		t.Fatalf("quickXorHash = %q, want %q", got, quickXor(body))
	}

	before = e.rec.count()
	replaced, err := e.item(*item.GetId()).Content().Put(e.ctx, []byte("replaced"), nil)
	if err != nil {
		t.Fatalf("put replace: %v", describe(err))
	}
	if got := e.rec.since(before); len(got) != 1 || got[0].Status != 200 {
		t.Fatalf("replace: requests %+v, want one answered 200", got)
	}
	if *replaced.GetId() != *item.GetId() || deref(replaced.GetCTag()) == deref(item.GetCTag()) {
		t.Fatalf("replace: id %s→%s cTag %s→%s; want same id, new cTag", deref(item.GetId()), deref(replaced.GetId()), deref(item.GetCTag()), deref(replaced.GetCTag()))
	}

	// conflictBehavior goes in the URL for PUT.
	failURL := e.pathURL(e.rootID, "small.txt", "/content?@microsoft.graph.conflictBehavior=fail")
	_, err = e.item("x").Content().WithUrl(failURL).Put(e.ctx, body, nil)
	if status, code := graphError(t, err); status != 409 || code != "nameAlreadyExists" {
		t.Fatalf("conflict fail: %d %s, want 409 nameAlreadyExists", status, code)
	}
	renamed, err := e.item("x").Content().WithUrl(failURL[:len(failURL)-len("fail")]+"rename").Put(e.ctx, body, nil)
	if err != nil {
		t.Fatalf("conflict rename: %v", describe(err))
	}
	if got := deref(renamed.GetName()); got != "small 1.txt" {
		t.Fatalf("renamed to %q, want %q", got, "small 1.txt")
	}
}

// bytesFile adapts a temp file to fileuploader.ByteStream.
func tempFile(t *testing.T, data []byte) *os.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "upload.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestLargeFileUpload(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	rng := rand.New(rand.NewPCG(7, 7))
	data := make([]byte, 3<<20+12345)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}

	props := models.NewDriveItemUploadableProperties()
	props.SetAdditionalData(map[string]any{"@microsoft.graph.conflictBehavior": "fail"})
	req := drives.NewItemItemsItemCreateUploadSessionPostRequestBody()
	req.SetItem(props)
	session, err := e.item(e.rootID).CreateUploadSession().WithUrl(e.pathURL(e.rootID, "big.bin", "/createUploadSession")).Post(e.ctx, req, nil)
	if err != nil {
		t.Fatalf("createUploadSession: %v", describe(err))
	}
	uploadURL, err := url.Parse(deref(session.GetUploadUrl()))
	if err != nil || uploadURL.Hostname() == "localhost" {
		t.Fatalf("uploadUrl %q must be on another host than the API", deref(session.GetUploadUrl()))
	}

	const slice = 2 * 327680
	before := e.rec.count()
	task := fileuploader.NewLargeFileUploadTask[models.DriveItemable](e.adapter, session, tempFile(t, data), slice,
		models.CreateDriveItemFromDiscriminatorValue, errorMappings)
	var progress []int64
	result := task.Upload(func(current, total int64) { progress = append(progress, current) })
	if !result.GetUploadSucceeded() {
		for _, err := range result.GetResponseErrors() {
			t.Errorf("slice error: %v", describe(err))
		}
		t.Fatal("upload failed")
	}
	item := result.GetItemResponse()
	if deref(item.GetSize()) != int64(len(data)) || deref(item.GetName()) != "big.bin" {
		t.Fatalf("uploaded item %s of %d bytes, want big.bin of %d", deref(item.GetName()), deref(item.GetSize()), len(data))
	}
	if got := deref(item.GetFile().GetHashes().GetQuickXorHash()); got != quickXor(data) {
		t.Fatalf("quickXorHash = %q, want %q", got, quickXor(data))
	}
	if want := (len(data) + slice - 1) / slice; len(progress) != want {
		t.Fatalf("%d progress callbacks, want %d", len(progress), want)
	}
	for _, r := range e.rec.since(before) {
		if r.Authorized {
			t.Fatalf("the SDK sent Authorization to %s %s%s", r.Method, r.Host, r.Path)
		}
	}

	got, err := e.item(*item.GetId()).Content().Get(e.ctx, nil)
	if err != nil {
		t.Fatalf("download: %v", describe(err))
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("downloaded %d bytes that differ from the %d uploaded", len(got), len(data))
	}
}

func TestRangeDownload(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	data := []byte("0123456789abcdefghijklmnopqrstuvwxyz")
	item, err := e.content(e.rootID, "range.txt").Put(e.ctx, data, nil)
	if err != nil {
		t.Fatalf("put: %v", describe(err))
	}
	headers := abstractions.NewRequestHeaders()
	headers.Add("Range", "bytes=10-19")
	before := e.rec.count()
	got, err := e.item(*item.GetId()).Content().Get(e.ctx, &drives.ItemItemsItemContentRequestBuilderGetRequestConfiguration{Headers: headers})
	if err != nil {
		t.Fatalf("ranged download: %v", describe(err))
	}
	if string(got) != "abcdefghij" {
		t.Fatalf("range body = %q, want %q", got, "abcdefghij")
	}
	reqs := e.rec.since(before)
	if len(reqs) != 2 || reqs[0].Status != 302 || reqs[1].Status != 206 {
		t.Fatalf("requests %+v, want a 302 from the API then a 206 from the download host", reqs)
	}
	if reqs[1].Host == reqs[0].Host || reqs[1].Authorized {
		t.Fatalf("download request %+v must go to another host without Authorization", reqs[1])
	}
}

func TestUploadSessionCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	session, err := e.item(e.rootID).CreateUploadSession().WithUrl(e.pathURL(e.rootID, "cancel.bin", "/createUploadSession")).
		Post(e.ctx, drives.NewItemItemsItemCreateUploadSessionPostRequestBody(), nil)
	if err != nil {
		t.Fatalf("createUploadSession: %v", describe(err))
	}
	task := fileuploader.NewLargeFileUploadTask[models.DriveItemable](e.adapter, session, tempFile(t, make([]byte, 327680)), 327680,
		models.CreateDriveItemFromDiscriminatorValue, errorMappings)
	if err := task.RefreshUploadStatus(); err != nil {
		t.Fatalf("session status: %v", describe(err))
	}
	if got := session.GetNextExpectedRanges(); len(got) != 1 || got[0] != "0-" {
		t.Fatalf("nextExpectedRanges %v, want [0-]", got)
	}
	if err := task.Cancel(); err != nil {
		t.Fatalf("cancel: %v", describe(err))
	}
	if status, _ := graphError(t, task.RefreshUploadStatus()); status != 404 {
		t.Fatalf("status of a cancelled session: %d, want 404", status)
	}
}
