package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/secret"
)

// testRotateConcurrent rotates while a writer keeps updating a credential's
// tokens: the writer's updates all land, rotation never overwrites a newer
// value with an older one, and afterwards everything is current.
func testRotateConcurrent(t *testing.T, b *bundle) {
	ctx := context.Background()
	worlds := []*world{newWorld(t, b.s, "prj_a", "a"), newWorld(t, b.s, "prj_b", "b"), newWorld(t, b.s, "prj_c", "c")}
	newKey, err := secret.GenerateKey()
	ok(t, "GenerateKey", err)
	both, err := secret.ParseKeyring(newKey + "," + b.key)
	ok(t, "ParseKeyring", err)
	b.sealer.Set(both)

	c := worlds[1].c
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		var err error
		for i := 0; err == nil; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			c.AccessToken, c.RefreshToken = fmt.Sprintf("access-%d", i), fmt.Sprintf("refresh-%d", i)
			err = b.s.UpdateCredential(ctx, c)
		}
		done <- err
	}()
	for range 3 {
		_, err = secret.Rotate(ctx, b.s, both, 2, nil)
		ok(t, "Rotate", err)
	}
	close(stop)
	ok(t, "UpdateCredential during Rotate", <-done)

	for _, v := range listAllSealed(t, b.s, 100) {
		if !both.Current(v.Ciphertext) {
			t.Fatalf("value at %+v not current after Rotate", v.Ref)
		}
	}
	newOnly, err := secret.ParseKeyring(newKey)
	ok(t, "ParseKeyring", err)
	b.sealer.Set(newOnly)
	for _, w := range worlds {
		w.check(t, b.s) // c holds the writer's last tokens and version
	}
}

// rotateAll moves every sealed value of b's store to a fresh key.
func rotateAll(t *testing.T, b *bundle) {
	newKey, err := secret.GenerateKey()
	ok(t, "GenerateKey", err)
	both, err := secret.ParseKeyring(newKey + "," + b.key)
	ok(t, "ParseKeyring", err)
	b.sealer.Set(both)
	res, err := secret.Rotate(context.Background(), b.s, both, 0, nil)
	ok(t, "Rotate", err)
	if res.Resealed == 0 {
		t.Fatalf("Rotate resealed nothing")
	}
}

var _ driveway.Sealer = (*SwapSealer)(nil)
