package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// DeriveUserKey derives the key of end users' pseudonyms from the instance's
// secret keys (DRIVEWAY_SECRET_KEYS): a rotation of those keys starts new
// pseudonyms.
func DeriveUserKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("driveway audit end-user pseudonym v1"))
	return m.Sum(nil)
}

// Pseudonym names an end user in the trail without naming them: a keyed
// hash of the project and user id ("u_" and 22 characters). The entries of
// one user share it, so the trail still tells their actions apart, but an
// erased user leaves no row that names them (the trail is append-only and
// cannot forget an id), and the pseudonym cannot be tested against a
// guessed id without UserKey.
func (r *Recorder) Pseudonym(projectID, userID string) string {
	if userID == "" {
		return ""
	}
	m := hmac.New(sha256.New, r.UserKey)
	m.Write([]byte(projectID + "\x00" + userID))
	return "u_" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:22]
}
