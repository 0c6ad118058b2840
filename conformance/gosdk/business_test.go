package gosdk_test

import (
	"testing"
	"time"

	"github.com/drivewayhq/driveway/microsoft/emulator"
)

func TestBusinessDrive(t *testing.T) {
	t.Parallel()
	e := newBusinessEnv(t, emulator.Options{})
	drive, err := e.client.Drives().ByDriveId(e.driveID).Get(e.ctx, nil)
	if err != nil {
		t.Fatalf("get drive: %v", describe(err))
	}
	if got := deref(drive.GetDriveType()); got != "business" {
		t.Fatalf("driveType %q, want business", got)
	}
	folder := e.mustMkdir(e.rootID, "biz")
	if folder.GetCTag() != nil {
		t.Fatalf("business folder has cTag %q", *folder.GetCTag())
	}
	file := e.mustPut(*folder.GetId(), "a.txt", "business content")
	if deref(file.GetFile().GetHashes().GetQuickXorHash()) != quickXor([]byte("business content")) {
		t.Fatal("wrong quickXorHash")
	}

	if err := e.item(*file.GetId()).PermanentDelete().Post(e.ctx, nil); err != nil {
		t.Fatalf("permanentDelete: %v", describe(err))
	}
	_, err = e.item(*file.GetId()).Get(e.ctx, nil)
	if status, _ := graphError(t, err); status != 404 {
		t.Fatalf("get after permanentDelete: %d, want 404", status)
	}

	rec := newReceiver(t, func(token string) string { return token })
	folderSub := newSubscription(rec.srv.URL, time.Now().Add(time.Hour))
	folderSub.SetResource(ptr("/me/drive/items/" + *folder.GetId()))
	_, err = e.client.Subscriptions().Post(e.ctx, folderSub, nil)
	if status, _ := graphError(t, err); status != 400 {
		t.Fatalf("subscription on a business folder: %d, want 400", status)
	}
	if _, err := e.client.Subscriptions().Post(e.ctx, newSubscription(rec.srv.URL, time.Now().Add(time.Hour)), nil); err != nil {
		t.Fatalf("subscription on the business root: %v", describe(err))
	}
}
