package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDevTLS: `driveway dev --tls` serves https on its one listener with a
// certificate kept in the data directory, for localhost and the service
// hosts the published Paragon SDK derives from configureGlobal({host}); the
// certificate survives a restart (a browser trusts it once) and its key is
// sealed at rest.
func TestDevTLS(t *testing.T) {
	dir := t.TempDir()
	r := start(t, nil, "dev", "--tls", "--addr", "127.0.0.1:0", "--data-dir", dir, "--emulator-auto-consent")
	if !strings.HasPrefix(r.base, "https://") {
		t.Fatalf("ready at %s, want https", r.base)
	}
	certFile := filepath.Join(dir, devCertFile)
	port := r.base[strings.LastIndex(r.base, ":")+1:]
	for _, want := range []string{"TLS certificate: " + certFile, `configureGlobal({host: "localhost:` + port + `"})`,
		"https://localhost:" + port + "/_ms"} {
		if !strings.Contains(r.stdout.String(), want) {
			t.Fatalf("the banner does not say %q:\n%s", want, r.stdout.String())
		}
	}
	client := trustingClient(t, certFile, strings.TrimPrefix(r.base, "https://"))
	first := servedCert(t, client, "https://connect.localhost:"+port+"/ui", "<html")
	servedCert(t, client, "https://localhost:"+port+"/dashboard/login", "<html")
	if _, err := client.Get("http://localhost:" + port + "/dashboard/login"); err == nil {
		t.Fatal("plain http answered on the https listener")
	}
	checkKeySealed(t, dir)

	r.stop(t)
	r = start(t, nil, "dev", "--tls", "--addr", "127.0.0.1:"+port, "--data-dir", dir, "--emulator-auto-consent")
	again := servedCert(t, trustingClient(t, certFile, strings.TrimPrefix(r.base, "https://")),
		"https://passport.localhost:"+port+"/projects/nosuch/sdk/me", "")
	if again != first {
		t.Fatal("the restarted dev server serves another certificate: a browser trusting the first must trust again")
	}
}

// trustingClient trusts only certFile and dials addr for every host name
// (connect.localhost and the rest resolve to loopback without DNS).
func trustingClient(t *testing.T, certFile, addr string) *http.Client {
	t.Helper()
	pemBytes, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("%s holds no certificate", certFile)
	}
	var d net.Dialer
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		}}}
}

// servedCert GETs u (verifying the certificate for u's host) and returns
// the served certificate's fingerprint; the body must contain want.
func servedCert(t *testing.T, client *http.Client, u, want string) [32]byte {
	t.Helper()
	resp, err := client.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 || !strings.Contains(string(body), want) {
		t.Fatalf("GET %s: %d %.300s", u, resp.StatusCode, body)
	}
	if h, _ := url.Parse(u); resp.TLS == nil || resp.TLS.ServerName != h.Hostname() {
		t.Fatalf("GET %s: not verified for its host name", u)
	}
	return sha256.Sum256(resp.TLS.PeerCertificates[0].Raw)
}

// checkKeySealed: the key file holds the private key in no encoding.
func checkKeySealed(t *testing.T, dir string) {
	t.Helper()
	spec, err := devSecretKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keyringFrom(spec)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := loadDevCert(dir, ring)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := os.ReadFile(filepath.Join(dir, devKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	for name, enc := range map[string][]byte{"raw": der, "hex": []byte(hex.EncodeToString(der)),
		"base64": []byte(base64.StdEncoding.EncodeToString(der)), "base64url": []byte(base64.RawURLEncoding.EncodeToString(der)),
		"PEM": []byte("PRIVATE KEY")} {
		if bytes.Contains(sealed, enc) {
			t.Fatalf("%s holds the private key (%s)", devKeyFile, name)
		}
	}
	if info, err := os.Stat(filepath.Join(dir, devKeyFile)); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("%s: mode %v, %v; want 0600", devKeyFile, info.Mode(), err)
	}
}
