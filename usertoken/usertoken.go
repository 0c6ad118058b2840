// Package usertoken mints the user tokens a customer's back end signs for
// its end users: a JWT whose "sub" is the end user's id, signed RS256 or
// ES256 with a private key whose public half is registered in the project.
// `driveway token` and tests use it; a customer's Go back end can too.
package usertoken

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are what a user token says.
type Claims struct {
	Subject   string    // the end user's id in the customer's app; required
	Audience  string    // optional; must match the key's audience when that is set
	IssuedAt  time.Time // default now
	ExpiresAt time.Time // required
	// Extra claims, for example "email". They cannot replace sub, aud,
	// iat or exp.
	Extra map[string]any
}

// Sign returns the compact JWT for c, signed with key (RSA → RS256,
// P-256 ECDSA → ES256) and carrying kid in its header.
func Sign(key crypto.Signer, kid string, c Claims) (string, error) {
	if c.Subject == "" {
		return "", errors.New("sign user token: subject is required")
	}
	if c.ExpiresAt.IsZero() {
		return "", errors.New("sign user token: expiry is required")
	}
	if c.IssuedAt.IsZero() {
		c.IssuedAt = time.Now()
	}
	method, err := methodFor(key)
	if err != nil {
		return "", err
	}
	claims := jwt.MapClaims{}
	maps.Copy(claims, c.Extra)
	claims["sub"] = c.Subject
	claims["iat"] = c.IssuedAt.Unix()
	claims["exp"] = c.ExpiresAt.Unix()
	if c.Audience != "" {
		claims["aud"] = c.Audience
	} else {
		delete(claims, "aud")
	}
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		return "", fmt.Errorf("sign user token: %w", err)
	}
	return s, nil
}

func methodFor(key crypto.Signer) (jwt.SigningMethod, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return jwt.SigningMethodRS256, nil
	case *ecdsa.PrivateKey:
		if k.Curve.Params().Name != "P-256" {
			return nil, errors.New("sign user token: ECDSA keys must be P-256")
		}
		return jwt.SigningMethodES256, nil
	}
	return nil, errors.New("sign user token: want an RSA or P-256 ECDSA key")
}

// ParsePrivateKey reads a PEM private key (PKCS#8, PKCS#1 or SEC 1). Its
// errors never quote the key.
func ParsePrivateKey(pemBytes []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("parse private key: not PEM")
	}
	var k any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("parse private key: unsupported PEM block %q", block.Type)
	}
	if err != nil {
		return nil, errors.New("parse private key: the key does not parse")
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("parse private key: not a signing key")
	}
	return signer, nil
}
