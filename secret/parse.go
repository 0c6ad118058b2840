package secret

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// ParseKeyring parses the value of DRIVEWAY_SECRET_KEYS (or the contents of
// DRIVEWAY_SECRET_KEYS_FILE): "kid:base64key" entries separated by commas or
// newlines, newest first, each key 32 bytes in standard or URL-safe base64,
// padded or not. Spaces around entries are ignored. Errors name the entry by
// position and key id, never its key material.
func ParseKeyring(spec string) (*Keyring, error) {
	var ids []string
	keys := map[string][]byte{}
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, errors.New("secret keys: empty; want kid:base64key[,kid:base64key...]")
	}
	for i, entry := range strings.Split(strings.ReplaceAll(spec, "\n", ","), ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			return nil, fmt.Errorf("secret keys: entry %d is empty", i+1)
		}
		kid, enc, ok := strings.Cut(entry, ":")
		if !ok {
			return nil, fmt.Errorf("secret keys: entry %d has no \"kid:\" prefix", i+1)
		}
		if err := checkKeyID(kid); err != nil {
			return nil, fmt.Errorf("secret keys: entry %d: %w", i+1, err)
		}
		if _, dup := keys[kid]; dup {
			return nil, fmt.Errorf("secret keys: entry %d: key id %q appears twice", i+1, kid)
		}
		key, err := decodeKey(strings.TrimSpace(enc))
		if err != nil {
			return nil, fmt.Errorf("secret keys: entry %d (key id %q): %w", i+1, kid, err)
		}
		ids = append(ids, kid)
		keys[kid] = key
	}
	return NewKeyring(ids, keys)
}

// decodeKey accepts standard or URL-safe base64, with or without padding.
// Its error never holds the input.
func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		key, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("key is %d bytes, want %d", len(key), KeySize)
		}
		return key, nil
	}
	return nil, errors.New("key is not valid base64")
}

// GenerateKey returns one new "kid:base64key" entry for DRIVEWAY_SECRET_KEYS:
// a random 32-byte key (standard base64) under a random key id ("k" and 12
// hex digits). Put it first to make it the sealing key.
func GenerateKey() (string, error) {
	var b [KeySize + 6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate secret key: %w", err)
	}
	return fmt.Sprintf("k%x:%s", b[KeySize:], base64.StdEncoding.EncodeToString(b[:KeySize])), nil
}
