package storetest

import (
	"cmp"
	"context"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/secret"
)

// sealedPerWorld counts a world's sealed values: two tokens, two client
// secrets, one private key, one PKCE verifier.
const sealedPerWorld = 6

func containsAny(s, sub string) bool { return strings.Contains(s, sub) }

func listAllSealed(t *testing.T, q driveway.Queries, limit int) []driveway.SealedValue {
	t.Helper()
	var all []driveway.SealedValue
	var after driveway.SealedRef
	for range 1000 {
		page, err := q.ListSealed(context.Background(), after, limit)
		ok(t, "ListSealed", err)
		if len(page) > limit {
			t.Fatalf("ListSealed returned %d values, limit %d", len(page), limit)
		}
		all = append(all, page...)
		if len(page) < limit {
			return all
		}
		after = page[len(page)-1].Ref
	}
	t.Fatalf("ListSealed never ended")
	return nil
}

func refCompare(a, b driveway.SealedRef) int {
	return cmp.Or(cmp.Compare(a.Table, b.Table), cmp.Compare(a.Column, b.Column), cmp.Compare(a.Row, b.Row))
}

func testListSealed(t *testing.T, b *bundle) {
	ctx := context.Background()
	newWorld(t, b.s, "prj_a", "a")
	newWorld(t, b.s, "prj_b", "b")
	p3 := newWorld(t, b.s, "prj_c", "c")
	p3.in.Certificate = nil
	ok(t, "PutIntegration without certificate", b.s.PutIntegration(ctx, p3.in))
	all := listAllSealed(t, b.s, 1000)
	if len(all) != 3*sealedPerWorld-1 {
		t.Fatalf("ListSealed: %d values, want %d", len(all), 3*sealedPerWorld-1)
	}
	tables := map[string]bool{}
	for i, v := range all {
		tables[v.Ref.Table+"."+v.Ref.Column] = true
		if i > 0 && refCompare(all[i-1].Ref, v.Ref) >= 0 {
			t.Fatalf("ListSealed out of order: %+v then %+v", all[i-1].Ref, v.Ref)
		}
		if _, err := b.ring.Open(v.Ciphertext, v.Ref); err != nil {
			t.Fatalf("ListSealed value at %+v does not open there: %v", v.Ref, err)
		}
	}
	if len(tables) != 5 {
		t.Fatalf("ListSealed covers %v, want 5 sealed columns", tables)
	}
	for _, limit := range []int{1, 2, 3, 5} {
		eq(t, "ListSealed in pages", listAllSealed(t, b.s, limit), all)
	}

	// ReplaceSealed is a compare-and-swap on the old ciphertext.
	v := all[0]
	fresh, err := b.ring.Seal([]byte("replacement"), v.Ref)
	ok(t, "Seal", err)
	done, err := b.s.ReplaceSealed(ctx, v, fresh)
	ok(t, "ReplaceSealed", err)
	if !done {
		t.Fatalf("ReplaceSealed of the current value did nothing")
	}
	done, err = b.s.ReplaceSealed(ctx, v, fresh)
	ok(t, "ReplaceSealed stale", err)
	if done {
		t.Fatalf("ReplaceSealed of a stale value replaced it")
	}
	missing := driveway.SealedValue{Ref: driveway.SealedRef{Table: v.Ref.Table, Column: v.Ref.Column, Row: "prj_none/none"}, Ciphertext: fresh}
	if done, err := b.s.ReplaceSealed(ctx, missing, fresh); err != nil || done {
		t.Fatalf("ReplaceSealed of a missing row = %v, %v", done, err)
	}
	bad := driveway.SealedValue{Ref: driveway.SealedRef{Table: "projects", Column: "name", Row: "prj_a"}, Ciphertext: "x"}
	_, err = b.s.ReplaceSealed(ctx, bad, "y")
	code(t, "ReplaceSealed of a column that is not sealed", err, driveway.EINVALID)
}

// testSwappedCiphertext moves ciphertexts between rows and columns and flips
// a character: every read fails with an error, never wrong plain text.
func testSwappedCiphertext(t *testing.T, b *bundle) {
	ctx := context.Background()
	a := newWorld(t, b.s, "prj_a", "a")
	bw := newWorld(t, b.s, "prj_b", "b")
	all := listAllSealed(t, b.s, 100)
	find := func(table, column, row string) driveway.SealedValue {
		for _, v := range all {
			if v.Ref == (driveway.SealedRef{Table: table, Column: column, Row: row}) {
				return v
			}
		}
		t.Fatalf("no sealed value at %s.%s %s in %+v", table, column, row, all)
		return driveway.SealedValue{}
	}
	aAccess := find("credentials", "access_token", a.p.ID+"/"+a.c.ID)
	aRefresh := find("credentials", "refresh_token", a.p.ID+"/"+a.c.ID)
	bRefresh := find("credentials", "refresh_token", bw.p.ID+"/"+bw.c.ID)
	aSecret := find("integration_client_secrets", "value", a.p.ID+"/"+a.in.ClientSecrets[0].ID)
	bCert := find("integrations", "cert_private_key", bw.p.ID)
	aCert := find("integrations", "cert_private_key", a.p.ID)

	replace := func(v driveway.SealedValue, next string) {
		t.Helper()
		done, err := b.s.ReplaceSealed(ctx, v, next)
		if err != nil || !done {
			t.Fatalf("ReplaceSealed at %+v = %v, %v", v.Ref, done, err)
		}
	}
	mustFail := func(what string, read func() (any, error)) {
		t.Helper()
		got, err := read()
		if err == nil {
			t.Fatalf("%s: read succeeded with %+v, want an error", what, got)
		}
		if c := driveway.ErrorCode(err); c == driveway.ENOTFOUND || c == "" {
			t.Fatalf("%s: error code %q, want an internal error", what, c)
		}
	}
	getA := func() (any, error) { return b.s.GetCredential(ctx, a.p.ID, a.c.ID) }
	integA := func() (any, error) { return b.s.GetIntegration(ctx, a.p.ID) }

	replace(aRefresh, bRefresh.Ciphertext) // another project's row
	mustFail("refresh token from another row", getA)
	replace(driveway.SealedValue{Ref: aRefresh.Ref, Ciphertext: bRefresh.Ciphertext}, aAccess.Ciphertext) // another column
	mustFail("access token in the refresh column", getA)
	replace(driveway.SealedValue{Ref: aRefresh.Ref, Ciphertext: aAccess.Ciphertext}, aRefresh.Ciphertext)
	_, err := getA()
	ok(t, "GetCredential restored", err)

	replace(aCert, bCert.Ciphertext) // another project's certificate
	mustFail("certificate of another project", integA)
	replace(driveway.SealedValue{Ref: aCert.Ref, Ciphertext: bCert.Ciphertext}, aSecret.Ciphertext) // another table
	mustFail("client secret in the certificate column", integA)
	replace(driveway.SealedValue{Ref: aCert.Ref, Ciphertext: aSecret.Ciphertext}, aCert.Ciphertext)

	flipped := []byte(aAccess.Ciphertext)
	flipped[len(flipped)-5] ^= 1
	replace(aAccess, string(flipped))
	mustFail("flipped character", getA)
	mustFail("list with a flipped character", func() (any, error) { return b.s.ListCredentials(ctx, a.p.ID, "") })
	bw.check(t, b.s)
}

// testRotate seals under one key, rotates to a new one with secret.Rotate,
// and reads everything back with only the new key.
func testRotate(t *testing.T, b *bundle) {
	ctx := context.Background()
	worlds := []*world{newWorld(t, b.s, "prj_a", "a"), newWorld(t, b.s, "prj_b", "b")}
	newKey, err := secret.GenerateKey()
	ok(t, "GenerateKey", err)
	both, err := secret.ParseKeyring(newKey + "," + b.key)
	ok(t, "ParseKeyring", err)
	b.sealer.Set(both)

	// A write under the new key before rotation is already current (both
	// tokens are sealed anew).
	worlds[0].c.AccessToken = "access-fresh"
	ok(t, "UpdateCredential", b.s.UpdateCredential(ctx, worlds[0].c))

	res, err := secret.Rotate(ctx, b.s, both, 3, nil)
	ok(t, "Rotate", err)
	if res.Resealed != 2*sealedPerWorld-2 || res.Scanned != 2*sealedPerWorld {
		t.Fatalf("Rotate = %+v, want %d resealed of %d", res, 2*sealedPerWorld-2, 2*sealedPerWorld)
	}
	for _, v := range listAllSealed(t, b.s, 100) {
		if !both.Current(v.Ciphertext) {
			t.Fatalf("value at %+v not current after Rotate", v.Ref)
		}
	}
	newOnly, err := secret.ParseKeyring(newKey)
	ok(t, "ParseKeyring", err)
	b.sealer.Set(newOnly)
	for _, w := range worlds {
		w.check(t, b.s)
	}
	res, err = secret.Rotate(ctx, b.s, newOnly, 3, nil)
	if err != nil || res.Resealed != 0 {
		t.Fatalf("second Rotate = %+v, %v, want nothing to do", res, err)
	}
}
