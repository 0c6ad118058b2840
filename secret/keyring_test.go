package secret_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/secret"
)

func mustRing(t testing.TB, spec string) *secret.Keyring {
	t.Helper()
	r, err := secret.ParseKeyring(spec)
	if err != nil {
		t.Fatalf("ParseKeyring: %v", err)
	}
	return r
}

func newKey(t testing.TB) string {
	t.Helper()
	k, err := secret.GenerateKey()
	if err != nil {
		t.Fatalf("GenerateKey: %v", err)
	}
	return k
}

var ref0 = driveway.SealedRef{Table: "t", Column: "c", Row: "r"}

var ref = driveway.SealedRef{Table: "credentials", Column: "refresh_token", Row: "cred_1"}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	r := mustRing(t, newKey(t))
	for _, plain := range []string{"", "x", "a refresh token", strings.Repeat("é", 5000)} {
		ct, err := r.Seal([]byte(plain), ref)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		if len(plain) >= 8 && strings.Contains(ct, plain) {
			t.Fatalf("ciphertext holds the plain text")
		}
		got, err := r.Open(ct, ref)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if string(got) != plain {
			t.Fatalf("Open = %q, want %q", got, plain)
		}
		if !r.Current(ct) {
			t.Fatalf("Current(%q) = false", ct)
		}
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	entry := newKey(t)
	kid, _, _ := strings.Cut(entry, ":")
	r := mustRing(t, entry)
	ct, err := r.Seal([]byte("hello"), ref)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(ct, ".")
	if len(parts) != 4 || parts[0] != "v1" || parts[1] != kid {
		t.Fatalf("ciphertext %q, want v1.%s.<nonce>.<ct>", ct, kid)
	}
	if strings.ContainsAny(ct, "=+/") {
		t.Fatalf("ciphertext %q is not unpadded base64url", ct)
	}
	nonce, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(nonce) != 12 {
		t.Fatalf("nonce %q: %d bytes, %v", parts[2], len(nonce), err)
	}
	if got, _ := secret.KeyID(ct); got != kid {
		t.Fatalf("KeyID = %q, want %q", got, kid)
	}
	// Two sealings of the same value differ (random nonce).
	ct2, _ := r.Seal([]byte("hello"), ref)
	if ct == ct2 {
		t.Fatalf("two sealings are equal")
	}
}

func TestBoundToPlace(t *testing.T) {
	t.Parallel()
	r := mustRing(t, newKey(t))
	ct, err := r.Seal([]byte("token"), ref)
	if err != nil {
		t.Fatal(err)
	}
	others := []driveway.SealedRef{
		{Table: "credentials", Column: "refresh_token", Row: "cred_2"},
		{Table: "credentials", Column: "access_token", Row: "cred_1"},
		{Table: "integrations", Column: "refresh_token", Row: "cred_1"},
		// Moving characters between fields must not produce the same data.
		{Table: "credentials", Column: "refresh_tokencred_1", Row: ""},
		{Table: "credentialsrefresh_token", Column: "", Row: "cred_1"},
		{Table: "credentials|refresh_token", Column: "cred_1"},
		{},
	}
	for _, at := range others {
		if got, err := r.Open(ct, at); err == nil {
			t.Fatalf("Open at %+v = %q, want an error", at, got)
		}
	}
}

func TestTamperEveryPosition(t *testing.T) {
	t.Parallel()
	r := mustRing(t, newKey(t))
	ct, err := r.Seal([]byte("a refresh token worth stealing"), ref)
	if err != nil {
		t.Fatal(err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \r\n\t\x00\xff"
	for i := range len(ct) {
		for j := range len(alphabet) {
			if alphabet[j] == ct[i] {
				continue
			}
			b := []byte(ct)
			b[i] = alphabet[j]
			if got, err := r.Open(string(b), ref); err == nil {
				t.Fatalf("Open with byte %d set to %q = %q, want an error", i, alphabet[j], got)
			}
		}
	}
	// Flip every bit of the decoded nonce and sealed bytes too.
	parts := strings.Split(ct, ".")
	for p := 2; p <= 3; p++ {
		raw, _ := base64.RawURLEncoding.DecodeString(parts[p])
		for i := range raw {
			for bit := range 8 {
				mut := bytes.Clone(raw)
				mut[i] ^= 1 << bit
				q := append([]string(nil), parts...)
				q[p] = base64.RawURLEncoding.EncodeToString(mut)
				if got, err := r.Open(strings.Join(q, "."), ref); err == nil {
					t.Fatalf("Open with part %d byte %d bit %d flipped = %q, want an error", p, i, bit, got)
				}
			}
		}
	}
	// Truncations and extensions.
	for n := range len(ct) {
		if _, err := r.Open(ct[:n], ref); err == nil {
			t.Fatalf("Open of the first %d bytes succeeded", n)
		}
	}
	for _, s := range []string{ct + "A", ct + ".", "v2" + ct[2:], " " + ct} {
		if _, err := r.Open(s, ref); err == nil {
			t.Fatalf("Open(%q) succeeded", s)
		}
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	oldEntry, newEntry := newKey(t), newKey(t)
	oldRing := mustRing(t, oldEntry)
	both := mustRing(t, newEntry+","+oldEntry)
	newOnly := mustRing(t, newEntry)

	old, _ := oldRing.Seal([]byte("v"), ref)
	if got, err := both.Open(old, ref); err != nil || string(got) != "v" {
		t.Fatalf("both.Open(old) = %q, %v", got, err)
	}
	if both.Current(old) {
		t.Fatalf("a value sealed under the old key is Current")
	}
	fresh, _ := both.Seal([]byte("v"), ref)
	if !both.Current(fresh) || !newOnly.Current(fresh) {
		t.Fatalf("a value sealed by the keyring is not Current")
	}
	_, err := newOnly.Open(old, ref)
	if err == nil || !strings.Contains(err.Error(), "unknown key id") {
		t.Fatalf("Open under an unknown kid: err = %v, want unknown key id", err)
	}
	if _, err := oldRing.Open(fresh, ref); err == nil {
		t.Fatalf("oldRing opened a value sealed by a newer key")
	}
	if got := both.KeyIDs(); len(got) != 2 || !strings.HasPrefix(newEntry, got[0]+":") {
		t.Fatalf("KeyIDs = %v", got)
	}
}

func TestSameKidOtherKey(t *testing.T) {
	t.Parallel()
	a := mustRing(t, "k1:"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32)))
	b := mustRing(t, "k1:"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32)))
	ct, _ := a.Seal([]byte("v"), ref)
	if got, err := b.Open(ct, ref); err == nil {
		t.Fatalf("a key with the same id but other bytes opened: %q", got)
	}
}
