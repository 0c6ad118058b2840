package secret_test

import (
	"bytes"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/secret"
)

// FuzzOpen checks that Open never panics and never returns plain text other
// than what was sealed. The seeds are sealed in each process (random nonces),
// so any input that opens must open to the one sealed value.
func FuzzOpen(f *testing.F) {
	r, at, plain := fuzzRing(f)
	ct, err := r.Seal(plain, at)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ct)
	f.Add(ct[:len(ct)-1])
	f.Add("v1.k1..")
	f.Add("v1.k0.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := r.Open(s, at)
		if err == nil && !bytes.Equal(got, plain) {
			t.Fatalf("Open(%q) = %q, want an error", s, got)
		}
		_ = r.Current(s)
	})
}

// FuzzOpenMutated seals a value, changes it at one place, and checks that
// the changed text never opens.
func FuzzOpenMutated(f *testing.F) {
	r, at, plain := fuzzRing(f)
	f.Add(uint(0), byte(1), uint(0), "")
	f.Add(uint(40), byte(0x20), uint(0), "")
	f.Add(uint(3), byte(0), uint(2), "")
	f.Add(uint(60), byte(0), uint(0), "A")
	f.Fuzz(func(t *testing.T, pos uint, xor byte, cut uint, insert string) {
		ct, err := r.Seal(plain, at)
		if err != nil {
			t.Fatal(err)
		}
		i := int(pos % uint(len(ct)))
		b := []byte(ct)
		b[i] ^= xor
		end := min(len(b), i+int(cut%8))
		mut := string(b[:i]) + insert + string(b[end:])
		if mut == ct {
			return
		}
		if got, err := r.Open(mut, at); err == nil {
			t.Fatalf("Open(%q), changed from %q, = %q, want an error", mut, ct, got)
		}
	})
}

func fuzzRing(f *testing.F) (*secret.Keyring, driveway.SealedRef, []byte) {
	r := mustRing(f, "k1:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE,k0:AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI")
	return r, driveway.SealedRef{Table: "credentials", Column: "access_token", Row: "cred_1"}, []byte("fuzzed secret")
}

func BenchmarkSeal1KB(b *testing.B) {
	r := mustRing(b, newKey(b))
	at := driveway.SealedRef{Table: "credentials", Column: "access_token", Row: "cred_1"}
	plain := bytes.Repeat([]byte("x"), 1024)
	b.SetBytes(1024)
	for b.Loop() {
		if _, err := r.Seal(plain, at); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen1KB(b *testing.B) {
	r := mustRing(b, newKey(b))
	at := driveway.SealedRef{Table: "credentials", Column: "access_token", Row: "cred_1"}
	ct, _ := r.Seal(bytes.Repeat([]byte("x"), 1024), at)
	b.SetBytes(1024)
	for b.Loop() {
		if _, err := r.Open(ct, at); err != nil {
			b.Fatal(err)
		}
	}
}
