package storetest

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// testCanary stores a unique canary through every sealed field (on create,
// on update and through a key rotation) and asserts that it never appears in the store's bytes at
// rest, while a non-secret marker does.
func testCanary(t *testing.T, b *bundle) {
	d, isDumper := b.s.(RawDumper)
	if !isDumper {
		t.Fatalf("the store under test does not implement storetest.RawDumper: the canary cannot be checked")
	}
	ctx := context.Background()
	canary := "CANARY" + unique()
	marker := "prj_visible" + strings.ToLower(unique())
	w := newWorld(t, b.s, marker, canary)
	w.c.AccessToken, w.c.RefreshToken = "access-2-"+canary, "refresh-2-"+canary
	ok(t, "UpdateCredential", b.s.UpdateCredential(ctx, w.c))
	rotateAll(t, b)
	w.check(t, b.s)

	raw := d.DumpRaw(t)
	if !bytes.Contains(raw, []byte(marker)) {
		t.Fatalf("the dump (%d bytes) lacks the project id %q: it is not the store's data", len(raw), marker)
	}
	if i := bytes.Index(raw, []byte(canary)); i >= 0 {
		lo, hi := max(0, i-60), min(len(raw), i+60)
		t.Fatalf("canary found in the data at rest at byte %d: %q", i, raw[lo:hi])
	}
}

func testPing(t *testing.T, b *bundle) {
	ok(t, "Ping", b.s.Ping(context.Background()))
}
