// Package ids makes record ids: a short type prefix and 128 random bits,
// for example "prj_4kq2m7x9c1v8b3n5z6h0j2w4ra". Ids are opaque, URL-safe, and
// unguessable, so an id alone never grants access but also never leaks how
// many records exist.
package ids

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"
)

var enc = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// New returns prefix + "_" + 26 random base32 characters.
func New(prefix string) string {
	return prefix + "_" + Random(16)
}

// UUID returns a random (version 4) UUID in its canonical lowercase form.
// Credentials use it: the Paragon SDK takes a selectedCredentialId that
// is not a UUID for an externalId, and then finds no credential.
func UUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Random returns n random bytes as lowercase base32 (no padding).
func Random(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand panics on a broken source)
	return enc.EncodeToString(b)
}

// Valid reports whether id has the given prefix and a well-formed body.
func Valid(prefix, id string) bool {
	body, ok := strings.CutPrefix(id, prefix+"_")
	if !ok || len(body) == 0 || len(body) > 64 {
		return false
	}
	for _, r := range body {
		if !strings.ContainsRune("0123456789abcdefghjkmnpqrstvwxyz", r) {
			return false
		}
	}
	return true
}
