package usertoken

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/authcache"
)

// Limits of what Verify accepts.
const (
	// MaxTokenBytes bounds a token's length; longer ones are refused unread.
	MaxTokenBytes = 8 << 10
	// Leeway is the clock skew allowed on exp, nbf and iat.
	Leeway = 60 * time.Second
	// maxKeysTried bounds the keys tried for a token without "kid".
	maxKeysTried = 8
)

// KeySource lists a project's registered signing keys. It is usually
// Store.ListSigningKeys.
type KeySource func(ctx context.Context, projectID string) ([]*driveway.SigningKey, error)

// Verified is what a valid token says.
type Verified struct {
	ProjectID string
	Subject   string
	KeyID     string
	ExpiresAt time.Time
	// Claims holds every claim of the payload, for metadata.
	Claims map[string]any
}

// Verifier checks user tokens against the keys a project registered.
//
// The algorithm comes from the key record, never from the token's header:
// "kid" only picks among the project's keys, and "jku", "x5u" and "jwk" are
// ignored. exp is required; exp, nbf and iat get Leeway; aud must match
// when the key has an audience. Verifier is safe for concurrent use.
type Verifier struct {
	Keys KeySource
	// Now returns the time; time.Now when nil.
	Now func() time.Time
	// Cache, when set, remembers verified tokens (see Cache).
	Cache *Cache
	// Changes, when set, lets the Verifier keep each project's keys in
	// memory, and its Cache drop a project's tokens, until the project
	// changes (a key added or deleted, the project deleted). While it is
	// not live, nothing is cached.
	Changes *authcache.Feed

	keys authcache.Cache[[]*driveway.SigningKey]
}

var errInvalid = driveway.Errorf(driveway.EUNAUTHORIZED, "invalid user token")

func reject(reason string) error {
	return &driveway.Error{Code: driveway.EUNAUTHORIZED, Message: "invalid user token: " + reason}
}

// Verify returns the token's claims if it is valid for projectID, else an
// EUNAUTHORIZED error whose message says why without quoting the token.
func (v *Verifier) Verify(ctx context.Context, projectID, token string) (*Verified, error) {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	if len(token) > MaxTokenBytes {
		return nil, reject("longer than 8 KB")
	}
	stamp := v.Changes.Stamp(projectID, "")
	useCache := v.Cache != nil && (v.Changes == nil || stamp != 0)
	if useCache {
		if got, ok := v.Cache.get(projectID, token, now, stamp); ok {
			return got, nil
		}
	}
	got, err := v.verify(ctx, projectID, token, now, stamp)
	if err != nil {
		return nil, err
	}
	if useCache {
		v.Cache.put(projectID, token, got, now, stamp)
	}
	return got, nil
}

type header struct {
	Alg  string   `json:"alg"`
	Kid  string   `json:"kid"`
	Typ  string   `json:"typ"`
	Crit []string `json:"crit"`
}

func (v *Verifier) verify(ctx context.Context, projectID, token string, now time.Time, stamp uint64) (*Verified, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, reject("not a compact JWS")
	}
	var h header
	if err := decodeSegment(parts[0], &h); err != nil {
		return nil, reject("header: " + err.Error())
	}
	if len(h.Crit) > 0 {
		return nil, reject("unsupported critical header")
	}
	sig, err := strictB64(parts[2])
	if err != nil {
		return nil, reject("signature is not base64url")
	}
	keys, err := v.candidates(ctx, projectID, h.Kid, stamp)
	if err != nil {
		return nil, err
	}
	signed := []byte(parts[0] + "." + parts[1])
	var key *driveway.SigningKey
	for _, k := range keys {
		if h.Alg == k.Alg && checkSignature(k, signed, sig) {
			key = k
			break
		}
	}
	if key == nil {
		return nil, reject("signature does not verify with a key of this project")
	}
	claims := map[string]any{}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return nil, reject("payload: " + err.Error())
	}
	return checkClaims(projectID, key, claims, now)
}

// candidates returns the keys to try: the one named by kid, or up to
// maxKeysTried keys when the token names none.
func (v *Verifier) candidates(ctx context.Context, projectID, kid string, stamp uint64) ([]*driveway.SigningKey, error) {
	all, err := v.projectKeys(ctx, projectID, kid, stamp)
	if err != nil {
		if driveway.ErrorCode(err) == driveway.ENOTFOUND {
			return nil, reject("unknown project")
		}
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	if kid == "" {
		return all[:min(len(all), maxKeysTried)], nil
	}
	for _, k := range all {
		if k.ID == kid {
			return []*driveway.SigningKey{k}, nil
		}
	}
	return nil, reject("unknown kid")
}

// projectKeys lists the project's keys, from memory when Changes allows
// it. A kid that the cached list lacks re-reads the store: a key added by
// another process (`driveway keys generate` on SQLite) works at once.
func (v *Verifier) projectKeys(ctx context.Context, projectID, kid string, stamp uint64) ([]*driveway.SigningKey, error) {
	if all, ok := v.keys.Get(projectID, stamp); ok && (kid == "" || hasKid(all, kid)) {
		return all, nil
	}
	all, err := v.Keys(ctx, projectID)
	if err == nil {
		v.keys.Put(projectID, stamp, all)
	}
	return all, err
}

func hasKid(keys []*driveway.SigningKey, kid string) bool {
	for _, k := range keys {
		if k.ID == kid {
			return true
		}
	}
	return false
}

func checkClaims(projectID string, key *driveway.SigningKey, c map[string]any, now time.Time) (*Verified, error) {
	sub, _ := c["sub"].(string)
	if sub == "" || len(sub) > 256 {
		return nil, reject("sub must be a non-empty string of at most 256 characters")
	}
	exp, ok := numericDate(c["exp"])
	if !ok {
		return nil, reject("exp is required")
	}
	if !now.Before(exp.Add(Leeway)) {
		return nil, reject("expired")
	}
	if nbf, present := c["nbf"]; present {
		t, ok := numericDate(nbf)
		if !ok || now.Add(Leeway).Before(t) {
			return nil, reject("not valid yet (nbf)")
		}
	}
	if iat, present := c["iat"]; present {
		t, ok := numericDate(iat)
		if !ok || now.Add(Leeway).Before(t) {
			return nil, reject("issued in the future (iat)")
		}
	}
	if key.Audience != "" && !hasAudience(c["aud"], key.Audience) {
		return nil, reject("aud does not match")
	}
	return &Verified{ProjectID: projectID, Subject: sub, KeyID: key.ID, ExpiresAt: exp, Claims: c}, nil
}

func numericDate(v any) (time.Time, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > 1e11 {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}

func hasAudience(v any, want string) bool {
	switch a := v.(type) {
	case string:
		return a == want
	case []any:
		for _, e := range a {
			if s, _ := e.(string); s == want {
				return true
			}
		}
	}
	return false
}

// strictB64 decodes unpadded base64url and refuses non-canonical input, so
// a token has exactly one spelling.
func strictB64(s string) ([]byte, error) {
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

func decodeSegment(seg string, v any) error {
	b, err := strictB64(seg)
	if err != nil {
		return errors.New("not base64url")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return errors.New("not a JSON object")
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}

func checkSignature(k *driveway.SigningKey, signed, sig []byte) bool {
	pub, err := parsePublicKey(k.PublicKey)
	if err != nil {
		return false
	}
	sum := sha256.Sum256(signed)
	switch k.Alg {
	case driveway.AlgRS256:
		rk, ok := pub.(*rsa.PublicKey)
		return ok && rsa.VerifyPKCS1v15(rk, crypto.SHA256, sum[:], sig) == nil
	case driveway.AlgES256:
		ek, ok := pub.(*ecdsa.PublicKey)
		if !ok || len(sig) != 64 {
			return false
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(ek, sum[:], r, s)
	}
	return false
}

func parsePublicKey(pemText string) (crypto.PublicKey, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, errors.New("not PEM")
	}
	return x509.ParsePKIXPublicKey(block.Bytes)
}
