// Command emulatorserver starts the Microsoft emulator (microsoft/emulator)
// on loopback for the JavaScript conformance tests in conformance/js.
//
// It listens on 127.0.0.1 with a random port, over TLS with a throw-away
// self-signed certificate (the Graph JavaScript client attaches tokens only
// to https URLs). The API is https://localhost:PORT; pre-authenticated
// download, upload and monitor URLs use https://127.0.0.1:PORT, another host
// name, as Microsoft does. It seeds one app and one user, signs the user in,
// and prints one JSON line to stdout:
//
//	{"baseUrl":"https://localhost:PORT","graphUrl":".../v1.0","host":"localhost",
//	 "preAuthUrl":"https://127.0.0.1:PORT","token":"...","userId":"...",
//	 "driveId":"...","clientId":"...","controlUrl":"https://localhost:PORT/_emulator",
//	 "caPem":"-----BEGIN CERTIFICATE-----..."}
//
// The control API under /_emulator/ is enabled, so tests can inject faults.
//
// It runs until stdin closes (its parent exited or closed the pipe) or it
// gets SIGINT/SIGTERM.
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// ready is the line printed once the emulator serves.
type ready struct {
	BaseURL    string `json:"baseUrl"`
	GraphURL   string `json:"graphUrl"`
	Host       string `json:"host"`
	PreAuthURL string `json:"preAuthUrl"`
	Token      string `json:"token"`
	UserID     string `json:"userId"`
	DriveID    string `json:"driveId"`
	ClientID   string `json:"clientId"`
	ControlURL string `json:"controlUrl"`
	CAPEM      string `json:"caPem,omitempty"`
}

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "emulatorserver:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("emulatorserver", flag.ContinueOnError)
	pageSize := fs.Int("page-size", 0, "default page size of children, delta and search (0: the emulator's 200)")
	rejectAuth := fs.Bool("reject-preauth-authorization", false, "answer 401 when a pre-authenticated URL gets an Authorization header")
	business := fs.Bool("business", false, "seed a work account with a business drive instead of a personal one")
	plain := fs.Bool("http", false, "serve plain http instead of TLS")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	scheme := "https"
	var caPEM string
	if *plain {
		scheme = "http"
	} else {
		cert, pemText, err := emulator.SelfSignedCertificate()
		if err != nil {
			return err
		}
		caPEM = pemText
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	emu, err := emulator.NewE(emulator.Options{
		BaseURL:                    fmt.Sprintf("%s://localhost:%d", scheme, port),
		PreAuthBaseURL:             fmt.Sprintf("%s://127.0.0.1:%d", scheme, port),
		PageSize:                   *pageSize,
		RejectPreAuthAuthorization: *rejectAuth,
		ControlAPI:                 true,
	})
	if err != nil {
		return err
	}
	defer emu.Close()
	out, err := seed(emu, *business)
	if err != nil {
		return err
	}
	out.BaseURL, out.GraphURL, out.Host = emu.LoginURL(), emu.GraphURL(), "localhost"
	out.PreAuthURL, out.CAPEM, out.ControlURL = emu.PreAuthURL(), caPEM, emu.LoginURL()+"/_emulator"

	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
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
