package admin

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"regexp"
	"strings"

	"github.com/drivewayhq/driveway"
)

// SigningKeyInput registers a public key. Exactly one of PEM and JWK is set.
// Alg is optional: it is derived from the key (RSA → RS256, P-256 → ES256)
// and, when given, must agree with it. ID (the "kid") defaults to the key's
// RFC 7638 thumbprint.
type SigningKeyInput struct {
	ID       string          `json:"id"`
	Alg      string          `json:"alg"`
	PEM      string          `json:"pem"`
	JWK      json.RawMessage `json:"jwk"`
	Audience string          `json:"audience"`
}

// MinRSABits is the smallest RSA modulus accepted for a signing key.
const MinRSABits = 2048

var kidPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// AddSigningKey validates and registers a public key for user tokens.
func (s *Service) AddSigningKey(ctx context.Context, projectID string, in SigningKeyInput) (*driveway.SigningKey, error) {
	if _, err := s.Store.GetProject(ctx, projectID); err != nil {
		return nil, err
	}
	var pub crypto.PublicKey
	var err error
	switch {
	case strings.TrimSpace(in.PEM) != "" && len(in.JWK) > 0:
		return nil, driveway.Invalid("pem", "send either pem or jwk, not both")
	case strings.TrimSpace(in.PEM) != "":
		if pub, err = parsePublicPEM(in.PEM); err != nil {
			return nil, driveway.Invalid("pem", "%v", err)
		}
	case len(in.JWK) > 0:
		var kid string
		if pub, kid, err = parseJWK(in.JWK); err != nil {
			return nil, driveway.Invalid("jwk", "%v", err)
		}
		if in.ID == "" {
			in.ID = kid
		}
	default:
		return nil, driveway.Invalid("pem", "a public key is required (pem or jwk)")
	}
	alg, err := algFor(pub, in.Alg)
	if err != nil {
		return nil, err
	}
	if in.ID == "" {
		in.ID = thumbprint(pub)
	}
	if !kidPattern.MatchString(in.ID) {
		return nil, driveway.Invalid("id", "kid must be 1 to 128 letters, digits or . _ : -")
	}
	if len(in.Audience) > 512 {
		return nil, driveway.Invalid("audience", "audience is longer than 512 characters")
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("marshal public key: %w", err)
	}
	k := &driveway.SigningKey{
		ProjectID: projectID, ID: in.ID, Alg: alg, Audience: strings.TrimSpace(in.Audience), CreatedAt: s.now(),
		PublicKey: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
	}
	if err := s.Store.CreateSigningKey(ctx, k); err != nil {
		if driveway.ErrorCode(err) == driveway.ECONFLICT {
			return nil, driveway.Invalid("id", "the project already has a key with kid %q", k.ID)
		}
		return nil, fmt.Errorf("create signing key: %w", err)
	}
	return k, nil
}

// GenerateSigningKey makes a key pair, registers its public half, and
// returns the private half as PKCS#8 PEM. Driveway keeps no copy of it.
func (s *Service) GenerateSigningKey(ctx context.Context, projectID, alg, audience string) (*driveway.SigningKey, string, error) {
	priv, err := GenerateKeyPair(alg)
	if err != nil {
		return nil, "", err
	}
	der, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return nil, "", fmt.Errorf("marshal public key: %w", err)
	}
	k, err := s.AddSigningKey(ctx, projectID, SigningKeyInput{Alg: alg, Audience: audience,
		PEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))})
	if err != nil {
		return nil, "", err
	}
	p8, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, "", fmt.Errorf("marshal private key: %w", err)
	}
	return k, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8})), nil
}

// GenerateKeyPair makes an RS256 (RSA 3072) or ES256 (P-256) key pair;
// alg "" means ES256.
func GenerateKeyPair(alg string) (crypto.Signer, error) {
	switch alg {
	case driveway.AlgES256, "":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case driveway.AlgRS256:
		return rsa.GenerateKey(rand.Reader, 3072)
	}
	return nil, driveway.Invalid("alg", "alg must be RS256 or ES256")
}

func algFor(pub crypto.PublicKey, want string) (string, error) {
	var alg string
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < MinRSABits {
			return "", driveway.Invalid("pem", "RSA keys must have at least %d bits", MinRSABits)
		}
		alg = driveway.AlgRS256
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return "", driveway.Invalid("pem", "ECDSA keys must be on P-256 (ES256)")
		}
		alg = driveway.AlgES256
	default:
		return "", driveway.Invalid("pem", "only RSA (RS256) and P-256 ECDSA (ES256) keys are supported")
	}
	if want != "" && want != alg {
		return "", driveway.Invalid("alg", "alg %q does not match the key, which is %s", truncate(want, 20), alg)
	}
	return alg, nil
}

func parsePublicPEM(text string) (crypto.PublicKey, error) {
	block, rest := pem.Decode([]byte(strings.TrimSpace(text)))
	if block == nil {
		return nil, errString("not PEM: want a PUBLIC KEY block")
	}
	if len(strings.TrimSpace(string(rest))) > 0 {
		return nil, errString("more than one PEM block")
	}
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, errString("the PUBLIC KEY block does not parse")
		}
		return k, nil
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, errString("the RSA PUBLIC KEY block does not parse")
		}
		return k, nil
	case "CERTIFICATE":
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, errString("the CERTIFICATE block does not parse")
		}
		return c.PublicKey, nil
	}
	if strings.Contains(block.Type, "PRIVATE") {
		return nil, errString("this is a private key: register only the public key")
	}
	return nil, errString("unsupported PEM block " + block.Type)
}

type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	D   string `json:"d"`
}

func parseJWK(raw json.RawMessage) (crypto.PublicKey, string, error) {
	var j jwk
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, "", errString("not a JSON Web Key object")
	}
	if j.D != "" {
		return nil, "", errString("this JWK holds a private key: register only the public key")
	}
	switch j.Kty {
	case "RSA":
		n, err1 := b64int(j.N)
		e, err2 := b64int(j.E)
		if err1 != nil || err2 != nil || !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 {
			return nil, "", errString("RSA JWK needs base64url n and e")
		}
		return &rsa.PublicKey{N: n, E: int(e.Int64())}, j.Kid, nil
	case "EC":
		if j.Crv != "P-256" {
			return nil, "", errString("EC JWK must use crv P-256")
		}
		x, err1 := b64int(j.X)
		y, err2 := b64int(j.Y)
		if err1 != nil || err2 != nil {
			return nil, "", errString("EC JWK needs base64url x and y")
		}
		pub, err := ecdsaPublic(x, y)
		if err != nil {
			return nil, "", err
		}
		return pub, j.Kid, nil
	}
	return nil, "", errString("kty must be RSA or EC")
}

func ecdsaPublic(x, y *big.Int) (*ecdsa.PublicKey, error) {
	buf := make([]byte, 65)
	buf[0] = 4
	if len(x.Bytes()) > 32 || len(y.Bytes()) > 32 {
		return nil, errString("EC JWK coordinates are too long for P-256")
	}
	x.FillBytes(buf[1:33])
	y.FillBytes(buf[33:])
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), buf)
	if err != nil {
		return nil, errString("the EC point is not on P-256")
	}
	return pub, nil
}

func b64int(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, errString("bad base64url")
	}
	return new(big.Int).SetBytes(b), nil
}

// thumbprint is the RFC 7638 JWK thumbprint of pub, base64url.
func thumbprint(pub crypto.PublicKey) string {
	var canon string
	enc := base64.RawURLEncoding
	switch k := pub.(type) {
	case *rsa.PublicKey:
		canon = fmt.Sprintf(`{"e":%q,"kty":"RSA","n":%q}`, enc.EncodeToString(big.NewInt(int64(k.E)).Bytes()), enc.EncodeToString(k.N.Bytes()))
	case *ecdsa.PublicKey:
		b, _ := k.Bytes()
		canon = fmt.Sprintf(`{"crv":"P-256","kty":"EC","x":%q,"y":%q}`, enc.EncodeToString(b[1:33]), enc.EncodeToString(b[33:]))
	}
	sum := sha256.Sum256([]byte(canon))
	return enc.EncodeToString(sum[:])
}
