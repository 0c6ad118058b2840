package client

import (
	"crypto"
	"fmt"
	"time"

	"github.com/drivewayhq/driveway/usertoken"
)

// TokenSigner signs user tokens for a project's end users, with a private
// key whose public half is registered in Driveway. Safe for concurrent use.
type TokenSigner struct {
	Key   crypto.Signer
	KeyID string // the kid Driveway knows the public key by
	// Audience, when the key was registered with one.
	Audience string
	// TTL is how long a token is valid; one hour when zero.
	TTL time.Duration
	// Now returns the time; time.Now when nil.
	Now func() time.Time
}

// NewTokenSigner reads a PEM private key (PKCS#8, PKCS#1 or SEC 1; RSA or
// P-256) for kid.
func NewTokenSigner(privateKeyPEM []byte, kid string) (*TokenSigner, error) {
	key, err := usertoken.ParsePrivateKey(privateKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("token signer: %w", err)
	}
	return &TokenSigner{Key: key, KeyID: kid}, nil
}

// Sign returns a user token for userID (the token's sub), carrying extra
// claims (for example "email") if given.
func (s *TokenSigner) Sign(userID string, extra map[string]any) (string, error) {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	ttl := s.TTL
	if ttl <= 0 {
		ttl = time.Hour
	}
	return usertoken.Sign(s.Key, s.KeyID, usertoken.Claims{
		Subject: userID, Audience: s.Audience, IssuedAt: now, ExpiresAt: now.Add(ttl), Extra: extra,
	})
}
