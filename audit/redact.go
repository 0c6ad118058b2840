package audit

import (
	"strings"
)

// Redacted replaces a secret in the record.
const Redacted = "[redacted]"

// secretNames are the parts of a field name (lowercased, without "_" and
// "-") that mark its value secret.
var secretNames = []string{"secret", "token", "password", "passwd", "privatekey", "hash", "authorization",
	"cookie", "apikey", "assertion", "certificate", "pfx", "code"}

// secretValues are the markers of a value that is a credential whatever its
// field is called: API keys, webhook secrets, JWTs, PEM private keys.
var secretValues = []string{"dwk_", "whsec_", "eyJ", "PRIVATE KEY", "Bearer "}

// Redact returns v (JSON-decoded: maps, slices, strings, numbers) with every
// secret replaced by Redacted. It errs toward hiding: an id whose field is
// called "tokenId" is hidden too.
func Redact(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			if secretName(k) {
				out[k] = Redacted
				continue
			}
			out[k] = Redact(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = Redact(x)
		}
		return out
	case string:
		for _, m := range secretValues {
			if strings.Contains(v, m) {
				return Redacted
			}
		}
	}
	return v
}

func secretName(k string) bool {
	k = strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(k))
	for _, n := range secretNames {
		if strings.Contains(k, n) {
			return true
		}
	}
	return false
}
