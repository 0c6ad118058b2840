package connect

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"

	"github.com/drivewayhq/driveway"
)

// Bounds on what one end user can make Driveway keep. A user token is all
// it takes to call these routes, so each is refused with a clear error
// once reached, and nothing is stored.
const (
	// MaxPendingSignIns is how many sign-ins (started, or answered and
	// waiting for their completion) one user may have unexpired at once.
	MaxPendingSignIns = 10
	// MaxInstallSessions is how many unexpired install sessions (the
	// SDK's oauthMetaKeyId) one user may have; expired ones are purged.
	MaxInstallSessions = 30
	// MaxMetadataBytes bounds a user's stored metadata (PATCH /sdk/me and
	// the User Settings of PATCH /sdk/credentials/{id}), as JSON: it is
	// loaded into every workflow run of the user.
	MaxMetadataBytes = 64 << 10
)

// checkSignInLimits refuses a new sign-in when the user already has
// MaxPendingSignIns pending, or a new install session when they have
// MaxInstallSessions.
func (h *Handler) checkSignInLimits(r *http.Request, c *caller, newSession bool) error {
	now := h.now()
	n, err := h.Store.CountOAuthStates(r.Context(), c.Project.ID, c.User.ID, now)
	if err != nil {
		return fmt.Errorf("count pending sign-ins: %w", err)
	}
	if n >= MaxPendingSignIns {
		return driveway.Errorf(driveway.ETHROTTLED, "this user already has %d sign-ins in progress, the most allowed: "+
			"finish one, or wait up to %v for them to expire", n, StateLifetime)
	}
	if !newSession {
		return nil
	}
	if n, err = h.Store.CountInstallSessions(r.Context(), c.Project.ID, c.User.ID, now); err != nil {
		return fmt.Errorf("count install sessions: %w", err)
	}
	if n >= MaxInstallSessions {
		return driveway.Errorf(driveway.ETHROTTLED, "this user already has %d install sessions, the most allowed: "+
			"delete finished ones (DELETE .../sdk/actions/session-id/{id}), or wait up to %v for them to expire", n, sessionLifetime)
	}
	return nil
}

// mergeMeta returns the user's metadata with in merged over it, or
// EINVALID when the result would exceed MaxMetadataBytes; old is not
// changed.
func mergeMeta(old, in map[string]any) (map[string]any, error) {
	out := maps.Clone(old)
	if out == nil {
		out = map[string]any{}
	}
	maps.Copy(out, normalizeMeta(in))
	return out, checkMetaSize(out)
}

// checkMetaSize refuses metadata whose JSON exceeds MaxMetadataBytes.
func checkMetaSize(m map[string]any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return driveway.Invalid("meta", "the metadata cannot be stored as JSON")
	}
	if len(b) > MaxMetadataBytes {
		return driveway.Invalid("meta", "the user's metadata would take %d bytes of JSON, over the %d-byte limit: "+
			"store less (setting a key to null shrinks it)", len(b), MaxMetadataBytes)
	}
	return nil
}
