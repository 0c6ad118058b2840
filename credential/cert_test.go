package credential_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// testCertificate returns a self-signed certificate (DER), its PKCS #8 key
// in PEM, and its x5t thumbprint.
func testCertificate(t *testing.T) (der []byte, keyPEM, thumb string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "driveway test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, err)
	p8, err := x509.MarshalPKCS8PrivateKey(key)
	must(t, err)
	sum := sha1.Sum(der)
	return der, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8})), base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestCertificateRefresh(t *testing.T) {
	t.Parallel()
	der, keyPEM, thumb := testCertificate(t)
	e := newEnv(t, openSQLite(t), func(s *emulator.AppSpec) { s.Certificates = [][]byte{der} })
	ctx := context.Background()
	in, err := e.store.GetIntegration(ctx, e.project)
	must(t, err)
	in.ClientSecrets = nil
	in.Certificate = &driveway.Certificate{PrivateKey: keyPEM, Thumbprint: thumb, ExpiresAt: time.Now().Add(time.Hour)}
	must(t, e.store.PutIntegration(ctx, in))
	e.expire(-time.Minute)
	tok, _, err := e.manager(nil).AccessToken(ctx, e.project, e.cred.ID)
	must(t, err)
	if tok == e.cred.AccessToken || e.refreshCalls() != 1 {
		t.Fatalf("certificate refresh: new token %v, %d calls", tok != e.cred.AccessToken, e.refreshCalls())
	}

	// An unreadable key raises the alarm without calling Microsoft.
	in.Certificate.PrivateKey = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
	must(t, e.store.PutIntegration(ctx, in))
	e.expire(-time.Minute)
	_, _, err = e.manager(nil).AccessToken(ctx, e.project, e.cred.ID)
	wantCode(t, "AccessToken with an unreadable certificate key", err, driveway.EUNAVAILABLE)
	in, err = e.store.GetIntegration(ctx, e.project)
	must(t, err)
	if in.Alarm == nil || in.Alarm.Reason != driveway.ReasonAppCredentialsInvalid || e.refreshCalls() != 1 {
		t.Fatalf("alarm %+v, %d calls; want the alarm and no further call", in.Alarm, e.refreshCalls())
	}
	if c := e.get(); c.Status != driveway.CredentialValid {
		t.Fatalf("credential %s, want VALID", c.Status)
	}
}
