// Command proxyserver starts the Microsoft emulator and a Driveway Graph
// proxy (package proxy) on loopback, for tests that drive the proxy from
// outside Go: e2e/graphclient runs Microsoft's @microsoft/microsoft-graph-client
// against it, and the proxy's 1 GiB benchmarks use its emulator in a
// separate process.
//
// Both serve https with one throw-away self-signed certificate for
// localhost and 127.0.0.1 (the Graph JavaScript client attaches a token
// only to https URLs, and parses only https upload URLs): the emulator on
// its own port (API host localhost, pre-authenticated host 127.0.0.1, as
// Microsoft uses two hosts), the proxy at
// https://localhost:PORT/projects/{pid}/sdk/proxy/onedrive/. It seeds a
// project, its OneDrive integration, a signing key, one end user with one
// VALID credential holding an emulator token, and prints one JSON line:
//
//	{"proxyUrl":"https://localhost:P/projects/prj_e2e/sdk/proxy/onedrive/","host":"localhost",
//	 "projectId":"prj_e2e","userToken":"eyJ...","caPem":"-----BEGIN CERTIFICATE-----...",
//	 "emulatorUrl":"http://localhost:E","preAuthUrl":"http://127.0.0.1:E",
//	 "graphToken":"EwA...","emulatorUserId":"...","driveId":"..."}
//
// The user token is a real ES256 user token verified by package usertoken.
// Tokens come from a small in-process source (tokens.go) that reads the
// stored credential and, after a Graph 401, issues a new emulator token: the
// seeded credential has no refresh token the identity platform would take.
//
// It runs until stdin closes or it gets SIGINT/SIGTERM.
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// ready is the line printed once both servers serve.
type ready struct {
	ProxyURL       string `json:"proxyUrl"`
	Host           string `json:"host"`
	ProjectID      string `json:"projectId"`
	UserToken      string `json:"userToken"`
	CAPEM          string `json:"caPem"`
	EmulatorURL    string `json:"emulatorUrl"`
	PreAuthURL     string `json:"preAuthUrl"`
	GraphToken     string `json:"graphToken"`
	EmulatorUserID string `json:"emulatorUserId"`
	DriveID        string `json:"driveId"`
	ClientID       string `json:"clientId"`
}

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "proxyserver:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("proxyserver", flag.ContinueOnError)
	uploadMax := fs.Int64("simple-upload-max", 0, "largest simple PUT upload the emulator takes, in bytes (0: its 250 MB default)")
	verbose := fs.Bool("v", false, "log proxy events to stderr")
	work := fs.Bool("work", false, "seed a work account whose tenant has SharePoint sites, instead of a personal account")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "proxyserver-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cert, caPEM, err := emulator.SelfSignedCertificate()
	if err != nil {
		return err
	}
	tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	emu, err := startEmulator(tlsConf, *uploadMax)
	if err != nil {
		return err
	}
	defer emu.close()
	logLevel := slog.LevelWarn
	if *verbose {
		logLevel = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel}))
	w, err := seed(context.Background(), emu, filepath.Join(dir, "driveway.db"), logger, caPEM, *work)
	if err != nil {
		return err
	}
	defer w.store.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ln = tls.NewListener(ln, tlsConf)
	port := ln.Addr().(*net.TCPAddr).Port
	srv := &http.Server{Handler: w.handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	out := w.ready
	out.ProxyURL = fmt.Sprintf("https://localhost:%d/projects/%s/sdk/proxy/onedrive/", port, projectID)
	out.Host, out.CAPEM = "localhost", caPEM
	out.EmulatorURL, out.PreAuthURL = emu.LoginURL(), emu.PreAuthURL()
	if err := json.NewEncoder(stdout).Encode(out); err != nil {
		return fmt.Errorf("print address: %w", err)
	}
	waitForExit(stdin, served)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// waitForExit returns when stdin reaches EOF, a signal arrives, or the
// server stops.
func waitForExit(stdin io.Reader, served <-chan error) {
	eof := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		close(eof)
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case <-eof:
	case <-sig:
	case <-served:
	}
}

// emulatorServer is the emulator served over TLS on a loopback port.
type emulatorServer struct {
	*emulator.Emulator
	srv *http.Server
}

func startEmulator(conf *tls.Config, uploadMax int64) (*emulatorServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	emu, err := emulator.NewE(emulator.Options{
		BaseURL:         fmt.Sprintf("https://localhost:%d", port),
		PreAuthBaseURL:  fmt.Sprintf("https://127.0.0.1:%d", port),
		SimpleUploadMax: uploadMax,
		ControlAPI:      true,
	})
	if err != nil {
		ln.Close()
		return nil, err
	}
	s := &emulatorServer{Emulator: emu, srv: &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = s.srv.Serve(tls.NewListener(ln, conf)) }()
	return s, nil
}

func (s *emulatorServer) close() {
	_ = s.srv.Close()
	_ = s.Emulator.Close()
}
