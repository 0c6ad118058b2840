package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// emulator serves the Microsoft Graph and identity emulator alone, with
// its control API, until a signal.
func (m *Main) emulator(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("driveway emulator", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	addr := fs.String("addr", "127.0.0.1:9090", "listen address")
	state := fs.String("state", "", "file to keep the emulator's state in across restarts")
	autoConsent := fs.Bool("auto-consent", false, "sign in without the account picker and consent page")
	tokenTTL := fs.Duration("token-lifetime", 0, "access token lifetime (default: 60 to 90 minutes, like Microsoft)")
	useTLS := fs.Bool("tls", false, "serve https with a self-signed certificate (written next to --state, or to a temporary file) for clients that send tokens only over https")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	ln, err := listen(*addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	scheme, certFile := "http", ""
	if *useTLS {
		if ln, certFile, err = tlsListener(ln, *state); err != nil {
			return err
		}
		scheme = "https"
	}
	emu, err := emulator.NewE(emulator.Options{
		BaseURL: scheme + "://localhost:" + port, PreAuthBaseURL: scheme + "://127.0.0.1:" + port,
		ControlAPI: true, StateFile: *state, AutoConsent: *autoConsent, AccessTokenLifetime: *tokenTTL,
	})
	if err != nil {
		return err
	}
	defer emu.Close()
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprint(m.Stdout, emu.Summary())
	if certFile != "" {
		fmt.Fprintf(m.Stdout, "  TLS certificate:    %s (trust it in your client, e.g. NODE_EXTRA_CA_CERTS=%s)\n", certFile, certFile)
	}
	fmt.Fprintf(m.Stdout, "\nPoint Driveway at it with DRIVEWAY_MICROSOFT_LOGIN_URL=%s DRIVEWAY_MICROSOFT_GRAPH_URL=%s DRIVEWAY_MICROSOFT_DOWNLOAD_HOSTS=127.0.0.1:%s\n",
		emu.LoginURL(), emu.LoginURL(), port)
	if m.Ready != nil {
		m.Ready(scheme + "://" + loopbackAddr(ln.Addr()))
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// tlsListener wraps ln in TLS with a fresh self-signed certificate for the
// loopback names and writes the certificate (public part only) beside the
// state file, or to a temporary file.
func tlsListener(ln net.Listener, state string) (net.Listener, string, error) {
	cert, certPEM, err := emulator.SelfSignedCertificate()
	if err != nil {
		ln.Close()
		return nil, "", err
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("driveway-emulator-%d.pem", os.Getpid()))
	if state != "" {
		path = state + ".cert.pem"
	}
	if err := writeFileAtomic(path, []byte(certPEM), 0o644); err != nil {
		ln.Close()
		return nil, "", fmt.Errorf("write certificate: %w", err)
	}
	return tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}), path, nil
}
