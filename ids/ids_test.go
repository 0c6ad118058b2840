package ids

import (
	"regexp"
	"testing"
)

// TestUUID: canonical form, version 4, RFC 9562 variant, and no repeats.
func TestUUID(t *testing.T) {
	form := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		u := UUID()
		if !form.MatchString(u) || seen[u] {
			t.Fatalf("UUID() = %q (seen before: %v)", u, seen[u])
		}
		seen[u] = true
	}
}
