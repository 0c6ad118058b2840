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

// CreateAPIKey makes a key for projectID ("" for an instance key that may
// manage every project) and returns its secret, which is shown only once.
func (s *Service) CreateAPIKey(ctx context.Context, projectID, name string) (*driveway.APIKey, string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "API key"
	}
	if len(name) > 200 {
		return nil, "", driveway.Invalid("name", "name is longer than 200 characters")
	}
	if projectID != "" {
		if _, err := s.Store.GetProject(ctx, projectID); err != nil {
			return nil, "", err
		}
	}
	id := ids.New("key")
	secret := ids.Random(32)
	sum := sha256.Sum256([]byte(secret))
	k := &driveway.APIKey{ID: id, ProjectID: projectID, Name: name, Hash: sum[:], CreatedAt: s.now()}
	if err := s.Store.CreateAPIKey(ctx, k); err != nil {
		return nil, "", fmt.Errorf("create api key: %w", err)
	}
	return k, apiKeyPrefix + strings.TrimPrefix(id, "key_") + "." + secret, nil
}

// AuthenticateAPIKey returns the active key that presented is the secret
// of, or EUNAUTHORIZED. It does the same work whether or not the key exists.
func (s *Service) AuthenticateAPIKey(ctx context.Context, presented string) (*driveway.APIKey, error) {
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
	if subtle.ConstantTimeCompare(sum[:], k.Hash) != 1 || !k.Active() {
		return nil, unauthorized
	}
	if now := s.now(); now.Sub(k.LastUsedAt) > touchEvery {
		if err := s.Store.TouchAPIKey(ctx, k.ID, now); err == nil {
			k.LastUsedAt = now
		}
	}
	return k, nil
}

// CanAccess reports whether key may act on projectID. Instance keys may act
// on every project.
func CanAccess(key *driveway.APIKey, projectID string) bool {
	return key.ProjectID == "" || key.ProjectID == projectID
}
