package credential

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
)

// IdentityFor returns the identity platform client for the integration's
// cloud (or for Manager.Endpoints when set), with the Manager's HTTP client
// and clock. The install flow uses it for the code exchange.
func (m *Manager) IdentityFor(in *driveway.Integration) (*microsoft.Identity, error) {
	var ep microsoft.Endpoints
	if m.Endpoints != nil {
		ep = *m.Endpoints
	} else {
		cloud := in.Cloud
		if cloud == "" {
			cloud = driveway.CloudGlobal
		}
		var err error
		if ep, err = microsoft.EndpointsFor(cloud); err != nil {
			return nil, err
		}
	}
	return &microsoft.Identity{Endpoints: ep, HTTP: m.HTTP, Now: m.Now}, nil
}

// AppCredentials returns how Driveway authenticates as the integration's
// Azure app: its certificate when set, else its client secrets in order
// (those unexpired by our records first). The error is an EUNAVAILABLE
// *driveway.Error with a caller-safe message when there is no usable
// credential (no secret and no certificate, or an unreadable key).
func AppCredentials(in *driveway.Integration, now time.Time) (microsoft.App, error) {
	app, problem := appFor(in, now)
	if problem != "" {
		return app, driveway.Errorf(driveway.EUNAVAILABLE, "the project's OneDrive app credentials are not usable: %s", problem)
	}
	return app, nil
}

// appFor builds the app credentials of the integration: its certificate
// when set, else its client secrets in order, those unexpired by our
// records first. problem is a caller-safe reason when there are none.
func appFor(in *driveway.Integration, now time.Time) (app microsoft.App, problem string) {
	app.ClientID = in.ClientID
	if cert := in.Certificate; cert != nil {
		key, err := parsePrivateKey(cert.PrivateKey)
		if err != nil {
			return app, "the certificate's private key cannot be read"
		}
		app.Certificate = &microsoft.AppCertificate{Key: key, Thumbprint: cert.Thumbprint}
		return app, ""
	}
	var expired []string
	for _, s := range in.ClientSecrets {
		if !s.ExpiresAt.IsZero() && !s.ExpiresAt.After(now) {
			expired = append(expired, s.Value)
			continue
		}
		app.Secrets = append(app.Secrets, s.Value)
	}
	app.Secrets = append(app.Secrets, expired...)
	if len(app.Secrets) == 0 {
		return app, "no client secret or certificate is configured"
	}
	return app, ""
}

// parsePrivateKey reads a PEM private key: PKCS #8, PKCS #1 (RSA) or SEC 1
// (EC).
func parsePrivateKey(pemText string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, errors.New("private key: no PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, errors.New("private key: not a PKCS #8, PKCS #1 or SEC 1 key")
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, errors.New("private key: cannot sign")
	}
	return signer, nil
}
