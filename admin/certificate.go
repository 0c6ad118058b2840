package admin

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
)

// CertificateInput sets the app certificate: the certificate uploaded to
// the Azure app registration and its private key, both PEM.
type CertificateInput struct {
	Certificate string `json:"certificate"`
	PrivateKey  string `json:"privateKey"`
}

func mergeCertificate(next *driveway.Integration, in IntegrationInput, now time.Time) error {
	if in.RemoveCertificate {
		next.Certificate = nil
		return nil
	}
	if in.Certificate == nil {
		return nil
	}
	c, err := parseAppCertificate(*in.Certificate, now)
	if err != nil {
		return err
	}
	next.Certificate = c
	return nil
}

func parseAppCertificate(in CertificateInput, now time.Time) (*driveway.Certificate, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(in.Certificate)))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, driveway.Invalid("certificate.certificate", "want a PEM CERTIFICATE block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, driveway.Invalid("certificate.certificate", "the certificate does not parse")
	}
	if !cert.NotAfter.After(now) {
		return nil, driveway.Invalid("certificate.certificate", "the certificate has expired")
	}
	key, err := parsePrivateKey(in.PrivateKey)
	if err != nil {
		return nil, driveway.Invalid("certificate.privateKey", "%v", err)
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return nil, driveway.Invalid("certificate.privateKey", "the private key does not belong to the certificate")
	}
	sum := sha1.Sum(cert.Raw) // x5t: the SHA-1 thumbprint the Azure portal shows
	return &driveway.Certificate{
		PrivateKey: strings.TrimSpace(in.PrivateKey) + "\n",
		Thumbprint: base64.RawURLEncoding.EncodeToString(sum[:]),
		ExpiresAt:  cert.NotAfter.UTC(),
	}, nil
}

// parsePrivateKey reads an RSA or ECDSA private key from PKCS#8, PKCS#1 or
// SEC 1 PEM. Its errors never quote the key.
func parsePrivateKey(pemText string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(pemText)))
	if block == nil {
		return nil, errString("want a PEM private key")
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, errString("the PKCS#8 private key does not parse")
		}
		switch k := k.(type) {
		case *rsa.PrivateKey:
			return k, nil
		case *ecdsa.PrivateKey:
			return k, nil
		}
		return nil, errString("only RSA and ECDSA keys are supported")
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, errString("the RSA private key does not parse")
		}
		return k, nil
	case "EC PRIVATE KEY":
		k, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return nil, errString("the EC private key does not parse")
		}
		return k, nil
	}
	return nil, errString("unsupported PEM block " + block.Type)
}

type errString string

func (e errString) Error() string { return string(e) }
