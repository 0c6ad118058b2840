// Package secret seals secrets at rest with AES-256-GCM under named keys.
//
// The flow:
//
//	DRIVEWAY_SECRET_KEYS ──ParseKeyring──▶ Keyring (first key seals, every key opens)
//	store ──Seal(plain, SealedRef)──▶ "v1.<kid>.<nonce>.<ciphertext+tag>" ──▶ database
//	database ──Open(text, SealedRef)──▶ plain text, or an error (tampered, moved, unknown key)
//	Rotate: ListSealed pages ──▶ values not Current ──▶ Open + Seal ──▶ ReplaceSealed (compare-and-swap)
//
// The associated data of every ciphertext is a length-prefixed encoding of
// its SealedRef (table, column, row) and of its key id, so a ciphertext
// copied to another row, column or table does not open. A Keyring never
// puts key material or plain text into an error message.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/drivewayhq/driveway"
)

// KeySize is the size of every key: AES-256.
const KeySize = 32

// formatVersion is the first field of every ciphertext.
const formatVersion = "v1"

// maxKeyIDLen bounds a key id.
const maxKeyIDLen = 64

// b64 is the encoding of the nonce and the sealed bytes. Strict rejects
// non-zero trailing bits, so every encoded form maps to exactly one byte
// string and a changed character never opens.
var b64 = base64.RawURLEncoding.Strict()

// Keyring seals with its newest key and opens with any of its keys. It is
// safe for concurrent use and implements driveway.Sealer.
type Keyring struct {
	newest string
	aeads  map[string]cipher.AEAD
	ids    []string
}

var _ driveway.Sealer = (*Keyring)(nil)

// NewKeyring returns a keyring over keys, which map key ids to 32-byte keys;
// ids[0] is the newest and seals. Every id must be valid (1 to 64 characters
// among A-Z a-z 0-9 _ -) and appear once in ids and in keys.
func NewKeyring(ids []string, keys map[string][]byte) (*Keyring, error) {
	if len(ids) == 0 {
		return nil, errors.New("secret keyring: no keys")
	}
	if len(ids) != len(keys) {
		return nil, errors.New("secret keyring: ids and keys differ")
	}
	r := &Keyring{newest: ids[0], aeads: make(map[string]cipher.AEAD, len(ids))}
	for _, id := range ids {
		if err := checkKeyID(id); err != nil {
			return nil, fmt.Errorf("secret keyring: %w", err)
		}
		if _, dup := r.aeads[id]; dup {
			return nil, fmt.Errorf("secret keyring: key id %q appears twice", id)
		}
		key, ok := keys[id]
		if !ok || len(key) != KeySize {
			return nil, fmt.Errorf("secret keyring: key %q must be %d bytes", id, KeySize)
		}
		aead, err := newAEAD(key)
		if err != nil {
			return nil, fmt.Errorf("secret keyring: key %q: %w", id, err)
		}
		r.aeads[id] = aead
		r.ids = append(r.ids, id)
	}
	return r, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// checkKeyID reports whether id can appear in the ciphertext format and in
// DRIVEWAY_SECRET_KEYS: it cannot hold '.', ':' or ','.
func checkKeyID(id string) error {
	if id == "" || len(id) > maxKeyIDLen {
		return fmt.Errorf("key id must be 1 to %d characters", maxKeyIDLen)
	}
	for _, c := range id {
		ok := c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		if !ok {
			return fmt.Errorf("key id %q may hold only A-Z a-z 0-9 _ -", id)
		}
	}
	return nil
}

// KeyIDs returns the key ids, newest first.
func (r *Keyring) KeyIDs() []string { return append([]string(nil), r.ids...) }

// Seal encrypts plaintext under the newest key, bound to at.
func (r *Keyring) Seal(plaintext []byte, at driveway.SealedRef) (string, error) {
	aead := r.aeads[r.newest]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: nonce: %w", err)
	}
	sealed := aead.Seal(nil, nonce, plaintext, associatedData(r.newest, at))
	return formatVersion + "." + r.newest + "." + b64.EncodeToString(nonce) + "." + b64.EncodeToString(sealed), nil
}

// Open decrypts ciphertext sealed at at. It returns an error, never wrong
// plain text, when the ciphertext is malformed, tampered with, was sealed for
// another place, or names a key the keyring does not hold.
func (r *Keyring) Open(ciphertext string, at driveway.SealedRef) ([]byte, error) {
	kid, nonce, sealed, err := parse(ciphertext)
	if err != nil {
		return nil, fmt.Errorf("open secret: %w", err)
	}
	aead, ok := r.aeads[kid]
	if !ok {
		return nil, fmt.Errorf("open secret: unknown key id %q", kid)
	}
	if len(nonce) != aead.NonceSize() {
		return nil, errors.New("open secret: malformed ciphertext")
	}
	plain, err := aead.Open(nil, nonce, sealed, associatedData(kid, at))
	if err != nil {
		return nil, fmt.Errorf("open secret: authentication failed (tampered, moved, or wrong key) at %s.%s", at.Table, at.Column)
	}
	return plain, nil
}

// Current reports whether ciphertext is well formed and sealed under the
// newest key.
func (r *Keyring) Current(ciphertext string) bool {
	kid, _, _, err := parse(ciphertext)
	return err == nil && kid == r.newest
}

// KeyID returns the key id a ciphertext names, without opening it.
func KeyID(ciphertext string) (string, error) {
	kid, _, _, err := parse(ciphertext)
	return kid, err
}

// parse splits "v1.<kid>.<nonce>.<sealed>".
func parse(s string) (kid string, nonce, sealed []byte, err error) {
	parts := strings.Split(s, ".")
	if len(parts) != 4 || parts[0] != formatVersion {
		return "", nil, nil, errors.New("malformed ciphertext")
	}
	if checkKeyID(parts[1]) != nil {
		return "", nil, nil, errors.New("malformed ciphertext")
	}
	// The decoder skips '\r' and '\n'; only the exact alphabet is accepted,
	// so that one ciphertext has one spelling.
	if !isBase64URL(parts[2]) || !isBase64URL(parts[3]) {
		return "", nil, nil, errors.New("malformed ciphertext")
	}
	nonce, err1 := b64.DecodeString(parts[2])
	sealed, err2 := b64.DecodeString(parts[3])
	if err1 != nil || err2 != nil {
		return "", nil, nil, errors.New("malformed ciphertext")
	}
	return parts[1], nonce, sealed, nil
}

func isBase64URL(s string) bool {
	for _, c := range s {
		ok := c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// associatedData encodes the format version, the key id and where the value
// lives, each field prefixed with its length, so that no two different
// places share an encoding.
func associatedData(kid string, at driveway.SealedRef) []byte {
	fields := []string{"driveway-secret", formatVersion, kid, at.Table, at.Column, at.Row}
	var b []byte
	for _, f := range fields {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}
