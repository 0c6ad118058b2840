package admin

import (
	"slices"
	"strings"

	"github.com/drivewayhq/driveway"
)

// A key's power is three things: its scope (the instance, or one project),
// its role (read < operate < admin) and its surfaces (admin API areas; none
// listed means all, including areas added later), bounded by its expiry.
// A key may mint only keys whose power it covers on all four (Covers).

var roleRank = map[string]int{driveway.KeyRead: 1, driveway.KeyOperate: 2, driveway.KeyAdmin: 3}

// Allows reports whether key may do what needs role on surface.
func Allows(key *driveway.APIKey, surface, role string) bool {
	if roleRank[key.Role] < roleRank[role] {
		return false
	}
	return key.Surfaces == nil || slices.Contains(key.Surfaces, surface)
}

// Covers returns nil when parent's power includes all of child's, and
// EFORBIDDEN naming the first way it does not otherwise.
func Covers(parent, child *driveway.APIKey) error {
	deny := func(msg string) error { return driveway.Errorf(driveway.EFORBIDDEN, "%s", msg) }
	switch {
	case parent.ProjectID != "" && parent.ProjectID != child.ProjectID:
		return deny("a project key can create keys only for its own project")
	case roleRank[child.Role] > roleRank[parent.Role]:
		return deny("a key cannot create a key with a stronger role than its own")
	case parent.Surfaces != nil && child.Surfaces == nil:
		return deny("a key limited to some surfaces cannot create a key for every surface")
	case parent.Surfaces != nil && !subset(child.Surfaces, parent.Surfaces):
		return deny("a key cannot create a key for a surface it cannot reach itself")
	case !parent.ExpiresAt.IsZero() && (child.ExpiresAt.IsZero() || child.ExpiresAt.After(parent.ExpiresAt)):
		return deny("a key cannot create a key that outlives it")
	}
	return nil
}

func subset(a, b []string) bool {
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	return true
}

// normalizeScope checks a new key's role and surfaces and puts them in
// stored form: role admin when empty, surfaces sorted and deduplicated, nil
// for every surface ("*" or none named).
func normalizeScope(k *driveway.APIKey) error {
	if k.Role == "" {
		k.Role = driveway.KeyAdmin
	}
	if roleRank[k.Role] == 0 {
		return driveway.Invalid("role", "role must be read, operate or admin")
	}
	var out []string
	for _, s := range k.Surfaces {
		s = strings.TrimSpace(s)
		if s == "*" {
			k.Surfaces = nil
			return nil
		}
		if !slices.Contains(driveway.KeySurfaces, s) {
			return driveway.Invalid("surfaces", "unknown surface %q; known: %s", s, strings.Join(driveway.KeySurfaces, ", "))
		}
		out = append(out, s)
	}
	slices.Sort(out)
	k.Surfaces = slices.Compact(out)
	return nil
}
