package action_test

import (
	"strings"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// TestForeignCredentialIsNotRefreshed is the attack of issue 11: Alice
// names Bob's credential in an action call. She must get 404 and Bob's
// credential must not be touched: asking Tokens for its token would
// refresh it on her say-so.
func TestForeignCredentialIsNotRefreshed(t *testing.T) {
	t.Parallel()
	b := newBundle(t, emulator.ModePersonal, opts{})
	bobs := b.addCredential(t, "bob", driveway.CredentialValid)
	body := `{"action":"ONEDRIVE_LIST_CONTENTS"}`
	for _, h := range []string{"X-Driveway-Credential", "X-Paragon-Credential"} {
		status, _, raw := b.post(t, "/projects/"+projectID+"/actions", strings.NewReader(body), "application/json", map[string]string{h: bobs.ID})
		if status != 404 {
			t.Fatalf("alice naming bob's credential with %s: %d %s, want 404", h, status, raw)
		}
	}
	if _, asked := b.tokens.asked.Load(bobs.ID); asked {
		t.Fatal("the executor asked for (and could have refreshed) bob's token on alice's request")
	}
}
