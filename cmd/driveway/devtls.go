package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/httpapi"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/secret"
)

// The dev certificate's files in the data directory: the certificate (public,
// for browsers and clients to trust) and its private key sealed with the dev
// secret keys, never in plain text.
const (
	devCertFile = "tls-cert.pem"
	devKeyFile  = "tls-key.sealed"
)

// devCertLifetime is how long a generated dev certificate lasts; a start
// within devCertRenewBefore of its end makes a new one.
const (
	devCertLifetime    = 365 * 24 * time.Hour
	devCertRenewBefore = 7 * 24 * time.Hour
)

// devKeyRef is the sealed key's associated data: it opens only as this file.
var devKeyRef = driveway.SealedRef{Table: "dev", Column: "tls_key", Row: devKeyFile}

// devTLSListener wraps ln in TLS with the dev certificate (see devCert) and
// returns the certificate file's path.
func devTLSListener(ln net.Listener, dataDir string, ring *secret.Keyring) (net.Listener, string, error) {
	cert, err := devCert(dataDir, ring)
	if err != nil {
		ln.Close()
		return nil, "", err
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}
	return tls.NewListener(ln, cfg), filepath.Join(dataDir, devCertFile), nil
}

// devCert returns the data directory's certificate for localhost, every
// {service}.localhost host the published SDK derives, 127.0.0.1 and ::1,
// creating it on the first start (or when it nears its end or cannot be
// opened), so that a browser told to trust it once keeps trusting it.
func devCert(dataDir string, ring *secret.Keyring) (tls.Certificate, error) {
	cert, err := loadDevCert(dataDir, ring)
	if err == nil {
		return cert, nil
	}
	if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, errDevCertStale) {
		return tls.Certificate{}, fmt.Errorf("dev certificate in %s: %w (delete %s and %s to make a new one)",
			dataDir, err, devCertFile, devKeyFile)
	}
	return newDevCert(dataDir, ring)
}

var errDevCertStale = errors.New("dev certificate near its end")

func loadDevCert(dataDir string, ring *secret.Keyring) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(filepath.Join(dataDir, devCertFile))
	if err != nil {
		return tls.Certificate{}, err
	}
	sealed, err := os.ReadFile(filepath.Join(dataDir, devKeyFile))
	if err != nil {
		return tls.Certificate{}, err
	}
	keyDER, err := ring.Open(string(sealed), devKeyRef)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("open the sealed key: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		return tls.Certificate{}, err
	}
	if time.Until(cert.Leaf.NotAfter) < devCertRenewBefore {
		return tls.Certificate{}, errDevCertStale
	}
	return cert, nil
}

func newDevCert(dataDir string, ring *secret.Keyring) (tls.Certificate, error) {
	cert, certPEM, err := emulator.SelfSignedCertificateFor("driveway dev (loopback)", devCertNames(), devCertLifetime)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("encode the dev key: %w", err)
	}
	sealed, err := ring.Seal(keyDER, devKeyRef)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("seal the dev key: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dataDir, devKeyFile), []byte(sealed), 0o600); err != nil {
		return tls.Certificate{}, fmt.Errorf("write the dev key: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dataDir, devCertFile), []byte(certPEM), 0o644); err != nil {
		return tls.Certificate{}, fmt.Errorf("write the dev certificate: %w", err)
	}
	return cert, nil
}

// devCertNames are localhost, *.localhost and each service host by name
// (a client may not match a wildcard directly under "localhost").
func devCertNames() []string {
	names := []string{"localhost", "*.localhost"}
	for service := range httpapi.ServicePrefixes {
		names = append(names, service+".localhost")
	}
	sort.Strings(names[2:])
	return names
}
