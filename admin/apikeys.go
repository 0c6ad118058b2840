package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/ids"
)

// An API key secret reads "dwk_<key id body>.<secret>": the part before the
// dot finds the record, the part after it is checked against the stored
// SHA-256 in constant time. The secret is 256 random bits, so a plain hash
// (not a slow password hash) is the right tool.
const apiKeyPrefix = "dwk_"

// touchEvery bounds how often a key's last-used time is written.
const touchEvery = time.Minute

// KeySpec describes a key to make.
type KeySpec struct {
	ProjectID string // "" for an instance key
	Name      string
	Role      string   // driveway.KeyRead, KeyOperate or KeyAdmin; "" is admin
	Surfaces  []string // driveway.KeySurfaces; nil or "*" for every surface
	ExpiresAt time.Time
}

// CreateAPIKey makes an admin key for every surface of projectID ("" for an
// instance key that may manage every project) and returns its secret, which
// is shown only once. It is for callers that hold the whole instance (the
// dashboard operator, `driveway dev`, the CLI with the database); a key
// making a key goes through MintAPIKey.
func (s *Service) CreateAPIKey(ctx context.Context, projectID, name string) (*driveway.APIKey, string, error) {
	return s.MintAPIKey(ctx, nil, KeySpec{ProjectID: projectID, Name: name})
}

// MintAPIKey makes the key spec describes on behalf of creator (nil: a
// caller with the whole instance's power) and returns it with its secret.
// The new key is creator's child: revoking creator revokes it.
// EFORBIDDEN when creator's power does not cover the new key's (Covers);
// EINVALID for a bad name, role, surface or an expiry in the past.
func (s *Service) MintAPIKey(ctx context.Context, creator *driveway.APIKey, spec KeySpec) (*driveway.APIKey, string, error) {
	k, err := s.newKey(ctx, spec)
	if err != nil {
		return nil, "", err
	}
	if creator != nil {
		if err := Covers(creator, k); err != nil {
			return nil, "", err
		}
		k.ParentID = creator.ID
	}
	secret := ids.Random(32)
	sum := sha256.Sum256([]byte(secret))
	k.Hash = sum[:]
	if err := s.Store.CreateAPIKey(ctx, k); err != nil {
		return nil, "", fmt.Errorf("create api key: %w", err)
	}
	return k, apiKeyPrefix + strings.TrimPrefix(k.ID, "key_") + "." + secret, nil
}

// newKey validates spec into a key without a hash.
func (s *Service) newKey(ctx context.Context, spec KeySpec) (*driveway.APIKey, error) {
	name := strings.TrimSpace(spec.Name)
	if name == "" {
		name = "API key"
	}
	if len(name) > 200 {
		return nil, driveway.Invalid("name", "name is longer than 200 characters")
	}
	now := s.now()
	if !spec.ExpiresAt.IsZero() && !spec.ExpiresAt.After(now) {
		return nil, driveway.Invalid("expiresAt", "expiresAt must be in the future")
	}
	if spec.ProjectID != "" {
		if _, err := s.Store.GetProject(ctx, spec.ProjectID); err != nil {
			return nil, err
		}
	}
	k := &driveway.APIKey{ID: ids.New("key"), ProjectID: spec.ProjectID, Name: name, Role: spec.Role,
		Surfaces: spec.Surfaces, CreatedAt: now, ExpiresAt: spec.ExpiresAt.UTC().Truncate(time.Microsecond)}
	if spec.ExpiresAt.IsZero() {
		k.ExpiresAt = time.Time{}
	}
	return k, normalizeScope(k)
}

// AuthenticateAPIKey returns the active key that presented is the secret
// of, or EUNAUTHORIZED (revoked, expired or no such key). It does the same
// work whether or not the key exists. addr, the client's address, is
// recorded as the key's last use (at most once a minute per key).
func (s *Service) AuthenticateAPIKey(ctx context.Context, presented, addr string) (*driveway.APIKey, error) {
	unauthorized := driveway.Errorf(driveway.EUNAUTHORIZED, "invalid API key")
	body, ok := strings.CutPrefix(presented, apiKeyPrefix)
	idBody, secret, ok2 := strings.Cut(body, ".")
	id := "key_" + idBody
	if !ok || !ok2 || !ids.Valid("key", id) || len(secret) > 128 {
		return nil, unauthorized
	}
	k, err := s.Store.GetAPIKey(ctx, id)
	sum := sha256.Sum256([]byte(secret))
	if err != nil {
		if driveway.ErrorCode(err) == driveway.ENOTFOUND {
			subtle.ConstantTimeCompare(sum[:], sum[:]) // keep timing alike
			return nil, unauthorized
		}
		return nil, err
	}
	now := s.now()
	if subtle.ConstantTimeCompare(sum[:], k.Hash) != 1 || !k.RevokedAt.IsZero() {
		return nil, unauthorized
	}
	if !k.Active(now) {
		return nil, driveway.Errorf(driveway.EUNAUTHORIZED, "API key expired")
	}
	if now.Sub(k.LastUsedAt) > touchEvery {
		if err := s.Store.TouchAPIKey(ctx, k.ID, now, addr); err == nil {
			k.LastUsedAt, k.LastUsedAddr = now, addr
		}
	}
	return k, nil
}

// CanAccess reports whether key may act on projectID. Instance keys may act
// on every project.
func CanAccess(key *driveway.APIKey, projectID string) bool {
	return key.ProjectID == "" || key.ProjectID == projectID
}
