package gosdk_test

import (
	"testing"

	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// TestSDKPathAddressing uses the SDK's usual workaround for path addressing,
// ByDriveItemId("{id}:/{path}:"), which Kiota sends percent-encoded
// (items/root%3A%2Fa.txt%3A) and Graph decodes.
func TestSDKPathAddressing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{})
	put, err := e.item("root:/a.txt:").Content().Put(e.ctx, []byte("a"), nil)
	if err != nil {
		t.Fatalf("put root:/a.txt: %v", describe(err))
	}
	got, err := e.item(e.rootID+":/A.TXT:").Get(e.ctx, nil)
	if err != nil {
		t.Fatalf("get {rootID}:/A.TXT: %v", describe(err))
	}
	if *got.GetId() != *put.GetId() {
		t.Fatalf("path lookup found %s, want %s", *got.GetId(), *put.GetId())
	}
}
