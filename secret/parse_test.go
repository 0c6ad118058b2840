package secret_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway/secret"
)

func TestParseKeyringEncodings(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{0xfb, 0xff, 0xfe}, 11)[:32] // has '+' '/' in std and '-' '_' in url
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		r, err := secret.ParseKeyring(" k1:" + enc.EncodeToString(key) + " , k_0-2:" + enc.EncodeToString(bytes.Repeat([]byte{7}, 32)))
		if err != nil {
			t.Fatalf("ParseKeyring: %v", err)
		}
		if got := r.KeyIDs(); len(got) != 2 || got[0] != "k1" || got[1] != "k_0-2" {
			t.Fatalf("KeyIDs = %v", got)
		}
		// The same key parsed from any encoding opens the same ciphertext.
		ref := mustRing(t, "k1:"+base64.StdEncoding.EncodeToString(key))
		ct, _ := ref.Seal([]byte("x"), ref0)
		if got, err := r.Open(ct, ref0); err != nil || string(got) != "x" {
			t.Fatalf("Open = %q, %v", got, err)
		}
	}
}

func TestParseKeyringLines(t *testing.T) {
	t.Parallel()
	a, b := newKey(t), newKey(t)
	r, err := secret.ParseKeyring(a + "\r\n" + b + "\n")
	if err != nil {
		t.Fatalf("ParseKeyring of lines: %v", err)
	}
	if got := r.KeyIDs(); len(got) != 2 || !strings.HasPrefix(a, got[0]+":") || !strings.HasPrefix(b, got[1]+":") {
		t.Fatalf("KeyIDs = %v", got)
	}
}

func TestParseKeyringErrors(t *testing.T) {
	t.Parallel()
	const material = "c2VjcmV0LWtleS1tYXRlcmlhbC10aGF0LWlzLXRvby1zaG9ydA" // 37 bytes
	good := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	short := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 16))
	tests := []struct {
		spec, want string
	}{
		{"", "empty"},
		{"   ", "empty"},
		{"k1:" + good + ",", "entry 2 is empty"},
		{"k1:" + good + ",,k2:" + good, "entry 2 is empty"},
		{good, "no \"kid:\" prefix"},
		{":" + good, "key id must be"},
		{"k.1:" + good, "may hold only"},
		{"k1:" + good + ",k1:" + good, "appears twice"},
		{"k1:" + short, "16 bytes, want 32"},
		{"k1:" + material, "37 bytes, want 32"},
		{"k1:" + material + "!!", "not valid base64"},
		{"k1:", "0 bytes"},
	}
	for _, tt := range tests {
		_, err := secret.ParseKeyring(tt.spec)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Fatalf("ParseKeyring(%q) = %v, want an error holding %q", tt.spec, err, tt.want)
		}
		if strings.Contains(err.Error(), material[:12]) || strings.Contains(err.Error(), good[:12]) {
			t.Fatalf("error %q echoes key material", err)
		}
	}
}

func TestGenerateKey(t *testing.T) {
	t.Parallel()
	a, b := newKey(t), newKey(t)
	if a == b {
		t.Fatalf("two generated keys are equal")
	}
	kid, enc, ok := strings.Cut(a, ":")
	if !ok || len(kid) != 13 || kid[0] != 'k' {
		t.Fatalf("GenerateKey = kid %q", kid)
	}
	if raw, err := base64.StdEncoding.DecodeString(enc); err != nil || len(raw) != 32 {
		t.Fatalf("key: %d bytes, %v", len(raw), err)
	}
	mustRing(t, a+","+b)
}
