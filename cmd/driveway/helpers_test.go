package main

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/secret"
)

func pubPEM(t *testing.T, key crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func mustKey(t *testing.T) string {
	t.Helper()
	k, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustRing(t *testing.T, spec string) *secret.Keyring {
	t.Helper()
	r, err := secret.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func newAdmin(db *database) *admin.Service { return &admin.Service{Store: db} }

func projectInput(name string) admin.ProjectInput { return admin.ProjectInput{Name: name} }
