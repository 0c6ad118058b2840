package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
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
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	ln, err := listen(*addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	emu, err := emulator.NewE(emulator.Options{
		BaseURL: "http://localhost:" + port, PreAuthBaseURL: "http://127.0.0.1:" + port,
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
	fmt.Fprintf(m.Stdout, "\nPoint Driveway at it with DRIVEWAY_MICROSOFT_LOGIN_URL=%s and DRIVEWAY_MICROSOFT_GRAPH_URL=%s\n",
		emu.LoginURL(), emu.LoginURL())
	if m.Ready != nil {
		m.Ready("http://" + loopbackAddr(ln.Addr()))
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
