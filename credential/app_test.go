package credential_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"slices"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/credential"
)

func TestAppCredentialsSecretOrder(t *testing.T) {
	t.Parallel()
	now := time.Now()
	in := &driveway.Integration{ClientID: "client", ClientSecrets: []driveway.ClientSecret{
		{Value: "expired", ExpiresAt: now.Add(-time.Hour)},
		{Value: "current", ExpiresAt: now.Add(time.Hour)},
		{Value: "undated"},
	}}
	app, err := credential.AppCredentials(in, now)
	must(t, err)
	if want := []string{"current", "undated", "expired"}; !slices.Equal(app.Secrets, want) || app.ClientID != "client" {
		t.Fatalf("secrets %v, want %v", app.Secrets, want)
	}
	_, err = credential.AppCredentials(&driveway.Integration{ClientID: "client"}, now)
	wantCode(t, "AppCredentials without secrets", err, driveway.EUNAVAILABLE)
}

func TestAppCredentialsKeyFormats(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	ecDER, err := x509.MarshalECPrivateKey(ecKey)
	must(t, err)
	p8, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	must(t, err)
	for _, block := range []*pem.Block{
		{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)},
		{Type: "EC PRIVATE KEY", Bytes: ecDER},
		{Type: "PRIVATE KEY", Bytes: p8},
	} {
		in := &driveway.Integration{ClientID: "c", Certificate: &driveway.Certificate{PrivateKey: string(pem.EncodeToMemory(block)), Thumbprint: "x5t"}}
		app, err := credential.AppCredentials(in, time.Now())
		if err != nil || app.Certificate == nil || app.Certificate.Thumbprint != "x5t" || len(app.Secrets) != 0 {
			t.Fatalf("%s: %+v, %v", block.Type, app, err)
		}
	}
	in := &driveway.Integration{ClientID: "c", Certificate: &driveway.Certificate{PrivateKey: "not PEM"}}
	_, err = credential.AppCredentials(in, time.Now())
	wantCode(t, "AppCredentials with an unreadable key", err, driveway.EUNAVAILABLE)
}
