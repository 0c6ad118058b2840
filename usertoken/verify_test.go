package usertoken_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/usertoken"
)

// bundle is a verifier over two projects' keys, with a fixed clock.
type bundle struct {
	now     time.Time
	rsaKey  *rsa.PrivateKey
	ecKey   *ecdsa.PrivateKey
	otherEC *ecdsa.PrivateKey // registered in project B only
	keys    map[string][]*driveway.SigningKey
	v       *usertoken.Verifier
}

func pubPEM(t testing.TB, k crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

var (
	sharedRSA, _ = rsa.GenerateKey(rand.Reader, 2048)
	sharedEC, _  = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sharedEC2, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
)

func newBundle(t testing.TB) *bundle {
	b := &bundle{now: time.Unix(1_800_000_000, 0), rsaKey: sharedRSA, ecKey: sharedEC, otherEC: sharedEC2}
	b.keys = map[string][]*driveway.SigningKey{
		"prj_a": {
			{ProjectID: "prj_a", ID: "rsa1", Alg: driveway.AlgRS256, PublicKey: pubPEM(t, &b.rsaKey.PublicKey)},
			{ProjectID: "prj_a", ID: "ec1", Alg: driveway.AlgES256, PublicKey: pubPEM(t, &b.ecKey.PublicKey)},
			{ProjectID: "prj_a", ID: "aud1", Alg: driveway.AlgES256, PublicKey: pubPEM(t, &b.otherEC.PublicKey), Audience: "https://app.example.com"},
		},
		"prj_b": {
			{ProjectID: "prj_b", ID: "ecb", Alg: driveway.AlgES256, PublicKey: pubPEM(t, &b.otherEC.PublicKey)},
		},
	}
	b.v = &usertoken.Verifier{
		Keys: func(ctx context.Context, pid string) ([]*driveway.SigningKey, error) {
			ks, ok := b.keys[pid]
			if !ok {
				return nil, driveway.Errorf(driveway.ENOTFOUND, "no such project")
			}
			return ks, nil
		},
		Now: func() time.Time { return b.now },
	}
	return b
}

func (b *bundle) sign(t testing.TB, key crypto.Signer, kid string, c usertoken.Claims) string {
	t.Helper()
	if c.ExpiresAt.IsZero() {
		c.ExpiresAt = b.now.Add(time.Hour)
	}
	if c.IssuedAt.IsZero() {
		c.IssuedAt = b.now
	}
	tok, err := usertoken.Sign(key, kid, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestVerifyAcceptsValidTokens(t *testing.T) {
	t.Parallel()
	b := newBundle(t)
	cases := []struct {
		name, token string
	}{
		{"RS256 with kid", b.sign(t, b.rsaKey, "rsa1", usertoken.Claims{Subject: "user-1"})},
		{"ES256 with kid", b.sign(t, b.ecKey, "ec1", usertoken.Claims{Subject: "user-1"})},
		{"ES256 without kid", b.sign(t, b.ecKey, "", usertoken.Claims{Subject: "user-1"})},
		{"audience matches", b.sign(t, b.otherEC, "aud1", usertoken.Claims{Subject: "user-1", Audience: "https://app.example.com"})},
		{"expired within leeway", b.sign(t, b.ecKey, "ec1", usertoken.Claims{Subject: "user-1", ExpiresAt: b.now.Add(-30 * time.Second), IssuedAt: b.now.Add(-time.Hour)})},
	}
	for _, c := range cases {
		got, err := b.v.Verify(context.Background(), "prj_a", c.token)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got.Subject != "user-1" || got.ProjectID != "prj_a" {
			t.Errorf("%s: got %+v", c.name, got)
		}
	}
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hostileTokens builds the negative corpus: every one must be refused for
// project A.
func hostileTokens(t *testing.T, b *bundle) map[string]string {
	valid := rawES256(t, b.ecKey, "ec1", map[string]any{"sub": "user-1", "exp": b.now.Add(time.Hour).Unix()})
	if _, err := b.v.Verify(context.Background(), "prj_a", valid); err != nil {
		t.Fatalf("the corpus's base token must be valid: %v", err)
	}
	parts := strings.Split(valid, ".")
	claims := b64(map[string]any{"sub": "user-1", "exp": b.now.Add(time.Hour).Unix()})
	rsaPub := pubPEM(t, &b.rsaKey.PublicKey)
	mac := hmac.New(sha256.New, []byte(rsaPub))
	hsHead := b64(map[string]any{"alg": "HS256", "kid": "rsa1", "typ": "JWT"})
	mac.Write([]byte(hsHead + "." + claims))
	hs256 := hsHead + "." + claims + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	tampered := parts[0] + "." + b64(map[string]any{"sub": "admin", "exp": b.now.Add(time.Hour).Unix()}) + "." + parts[2]
	flipped := []byte(valid)
	flipped[len(flipped)-5] ^= 0x01
	return map[string]string{
		"alg none":                       b64(map[string]any{"alg": "none", "kid": "ec1"}) + "." + claims + ".",
		"alg none without kid":           b64(map[string]any{"alg": "none"}) + "." + claims + ".",
		"HS256 with the RSA public key":  hs256,
		"alg swapped to RS256 on ec key": b64(map[string]any{"alg": "RS256", "kid": "ec1"}) + "." + parts[1] + "." + parts[2],
		"unknown kid":                    b.sign(t, b.ecKey, "nope", usertoken.Claims{Subject: "user-1"}),
		"injected kid":                   b.sign(t, b.ecKey, "ec1' OR '1'='1", usertoken.Claims{Subject: "user-1"}),
		"path kid":                       b.sign(t, b.ecKey, "../../etc/passwd", usertoken.Claims{Subject: "user-1"}),
		"another project's key":          b.sign(t, b.otherEC, "ecb", usertoken.Claims{Subject: "user-1"}),
		"another project's key, kid ec1": b.sign(t, b.otherEC, "ec1", usertoken.Claims{Subject: "user-1"}),
		"missing exp":                    parts[0] + "." + b64(map[string]any{"sub": "user-1"}) + "." + parts[2],
		"expired beyond leeway":          b.sign(t, b.ecKey, "ec1", usertoken.Claims{Subject: "user-1", ExpiresAt: b.now.Add(-2 * time.Minute), IssuedAt: b.now.Add(-time.Hour)}),
		"issued in the future":           b.sign(t, b.ecKey, "ec1", usertoken.Claims{Subject: "user-1", IssuedAt: b.now.Add(10 * time.Minute)}),
		"wrong aud":                      b.sign(t, b.otherEC, "aud1", usertoken.Claims{Subject: "user-1", Audience: "https://evil.example.com"}),
		"missing aud":                    b.sign(t, b.otherEC, "aud1", usertoken.Claims{Subject: "user-1"}),
		"oversized":                      b.sign(t, b.ecKey, "ec1", usertoken.Claims{Subject: "user-1", Extra: map[string]any{"pad": strings.Repeat("x", 9000)}}),
		"tampered payload":               tampered,
		"flipped signature bit":          string(flipped),
		"padded base64":                  parts[0] + "=." + parts[1] + "." + parts[2],
		"standard base64 alphabet":       strings.ReplaceAll(strings.ReplaceAll(valid, "-", "+"), "_", "/") + "+",
		"two segments":                   parts[0] + "." + parts[1],
		"four segments":                  valid + ".x",
		"empty":                          "",
		"signed, empty sub":              rawES256(t, b.ecKey, "ec1", map[string]any{"sub": "", "exp": b.now.Add(time.Hour).Unix()}),
		"signed, no sub":                 rawES256(t, b.ecKey, "ec1", map[string]any{"id": "user-1", "exp": b.now.Add(time.Hour).Unix()}),
		"signed, no exp":                 rawES256(t, b.ecKey, "ec1", map[string]any{"sub": "user-1"}),
		"signed, exp as string":          rawES256(t, b.ecKey, "ec1", map[string]any{"sub": "user-1", "exp": "9999999999"}),
		"signed, nbf in the future":      rawES256(t, b.ecKey, "ec1", map[string]any{"sub": "user-1", "exp": b.now.Add(time.Hour).Unix(), "nbf": b.now.Add(5 * time.Minute).Unix()}),
		"signed, sub is a number":        rawES256(t, b.ecKey, "ec1", map[string]any{"sub": 42, "exp": b.now.Add(time.Hour).Unix()}),
		"signed, aud list without ours":  rawES256(t, b.otherEC, "aud1", map[string]any{"sub": "user-1", "exp": b.now.Add(time.Hour).Unix(), "aud": []string{"a", "b"}}),
		"jku header pointing elsewhere":  b64(map[string]any{"alg": "ES256", "jku": "http://127.0.0.1:1/keys", "kid": "attacker"}) + "." + parts[1] + "." + parts[2],
		"embedded jwk header":            b64(map[string]any{"alg": "ES256", "jwk": map[string]any{"kty": "EC"}, "kid": "attacker"}) + "." + parts[1] + "." + parts[2],
		"exp as string":                  parts[0] + "." + b64(map[string]any{"sub": "user-1", "exp": "9999999999"}) + "." + parts[2],
		"critical header":                b64(map[string]any{"alg": "ES256", "kid": "ec1", "crit": []string{"b64"}}) + "." + parts[1] + "." + parts[2],
	}
}

// rawES256 signs arbitrary claims, so that claim checks are tested behind
// a good signature.
func rawES256(t *testing.T, key *ecdsa.PrivateKey, kid string, claims map[string]any) string {
	signed := b64(map[string]any{"alg": "ES256", "kid": kid}) + "." + b64(claims)
	sum := sha256.Sum256([]byte(signed))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestVerifyRefusesHostileTokens(t *testing.T) {
	t.Parallel()
	b := newBundle(t)
	accepted := 0
	for name, tok := range hostileTokens(t, b) {
		got, err := b.v.Verify(context.Background(), "prj_a", tok)
		if err == nil {
			accepted++
			t.Errorf("%s: accepted as %+v", name, got)
			continue
		}
		if driveway.ErrorCode(err) != driveway.EUNAUTHORIZED {
			t.Errorf("%s: code %q, want unauthorized", name, driveway.ErrorCode(err))
		}
		if tok != "" && len(tok) > 20 && strings.Contains(err.Error(), tok[len(tok)-20:]) {
			t.Errorf("%s: error quotes the token", name)
		}
	}
	if accepted != 0 {
		t.Fatalf("accepted %d hostile tokens, want 0", accepted)
	}
}

func TestVerifyIsBoundToItsProject(t *testing.T) {
	t.Parallel()
	b := newBundle(t)
	tokB := b.sign(t, b.otherEC, "ecb", usertoken.Claims{Subject: "user-1"})
	if _, err := b.v.Verify(context.Background(), "prj_b", tokB); err != nil {
		t.Fatalf("project B's own token: %v", err)
	}
	if _, err := b.v.Verify(context.Background(), "prj_a", tokB); err == nil {
		t.Fatal("project B's token accepted by project A")
	}
	if _, err := b.v.Verify(context.Background(), "prj_missing", tokB); err == nil {
		t.Fatal("token accepted for a project that does not exist")
	}
}

func TestCacheHonoursExpiryAndTTL(t *testing.T) {
	t.Parallel()
	b := newBundle(t)
	lookups := 0
	keys := b.v.Keys
	b.v.Keys = func(ctx context.Context, pid string) ([]*driveway.SigningKey, error) {
		lookups++
		return keys(ctx, pid)
	}
	b.v.Cache = &usertoken.Cache{TTL: time.Minute, Max: 4}
	tok := b.sign(t, b.ecKey, "ec1", usertoken.Claims{Subject: "user-1", ExpiresAt: b.now.Add(10 * time.Minute)})
	for range 3 {
		if _, err := b.v.Verify(context.Background(), "prj_a", tok); err != nil {
			t.Fatal(err)
		}
	}
	if lookups != 1 {
		t.Fatalf("key lookups = %d, want 1 (cached)", lookups)
	}
	if _, err := b.v.Verify(context.Background(), "prj_b", tok); err == nil {
		t.Fatal("the cache let project A's token through for project B")
	}
	b.now = b.now.Add(2 * time.Minute) // past the TTL: verified afresh
	if _, err := b.v.Verify(context.Background(), "prj_a", tok); err != nil {
		t.Fatal(err)
	}
	if lookups != 3 {
		t.Fatalf("key lookups = %d, want 3", lookups)
	}
	b.now = b.now.Add(20 * time.Minute) // past exp + leeway: refused even if cached
	if _, err := b.v.Verify(context.Background(), "prj_a", tok); err == nil {
		t.Fatal("expired token accepted from the cache")
	}
	for i := range 10 {
		tok := b.sign(t, b.ecKey, "ec1", usertoken.Claims{Subject: "u", Extra: map[string]any{"n": i}})
		if _, err := b.v.Verify(context.Background(), "prj_a", tok); err != nil {
			t.Fatal(err)
		}
	}
	if n := b.v.Cache.Len(); n > 4 {
		t.Fatalf("cache holds %d entries, want at most 4", n)
	}
}

func FuzzVerify(f *testing.F) {
	b := newBundle(f)
	f.Add(b.sign(f, b.ecKey, "ec1", usertoken.Claims{Subject: "user-1"}))
	f.Add(b.sign(f, b.rsaKey, "rsa1", usertoken.Claims{Subject: "user-1"}))
	f.Add("e30.e30.")
	f.Fuzz(func(t *testing.T, tok string) {
		got, err := b.v.Verify(context.Background(), "prj_a", tok)
		if err != nil {
			return
		}
		// Anything accepted must verify under a registered key: re-signing is
		// impossible for the fuzzer, so only the seeds' exact bytes pass.
		if got.Subject == "" || got.ExpiresAt.IsZero() {
			t.Fatalf("accepted a token without sub or exp: %q", tok)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	bb := newBundle(b)
	for _, alg := range []struct {
		name string
		key  crypto.Signer
		kid  string
	}{{"RS256", bb.rsaKey, "rsa1"}, {"ES256", bb.ecKey, "ec1"}} {
		tok := bb.sign(b, alg.key, alg.kid, usertoken.Claims{Subject: "user-1"})
		b.Run(alg.name+"/uncached", func(b *testing.B) {
			v := &usertoken.Verifier{Keys: bb.v.Keys, Now: bb.v.Now}
			for b.Loop() {
				if _, err := v.Verify(context.Background(), "prj_a", tok); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(alg.name+"/cached", func(b *testing.B) {
			v := &usertoken.Verifier{Keys: bb.v.Keys, Now: bb.v.Now, Cache: &usertoken.Cache{}}
			for b.Loop() {
				if _, err := v.Verify(context.Background(), "prj_a", tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
