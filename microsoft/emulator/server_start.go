package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"
)

// Server is an Emulator listening on a loopback port.
type Server struct {
	*Emulator
	// Addr is the listening address, e.g. "127.0.0.1:41234".
	Addr string
	// BaseURL is http://localhost:PORT (Graph at BaseURL+"/v1.0", login at
	// BaseURL+"/{tenant}"); PreAuthBaseURL is http://127.0.0.1:PORT.
	BaseURL, PreAuthBaseURL string
	srv                     *http.Server
}

// Start listens on addr (e.g. "127.0.0.1:0") and serves a new Emulator.
// Unless set, BaseURL becomes http://localhost:PORT and PreAuthBaseURL
// http://127.0.0.1:PORT.
func Start(addr string, opts Options) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if opts.BaseURL == "" {
		opts.BaseURL = fmt.Sprintf("http://localhost:%d", port)
	}
	if opts.PreAuthBaseURL == "" {
		opts.PreAuthBaseURL = fmt.Sprintf("http://127.0.0.1:%d", port)
	}
	e, err := NewE(opts)
	if err != nil {
		l.Close()
		return nil, err
	}
	s := &Server{Emulator: e, Addr: l.Addr().String(), BaseURL: opts.BaseURL, PreAuthBaseURL: opts.PreAuthBaseURL,
		srv: &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		if err := s.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) && opts.Logf != nil {
			opts.Logf("emulator: serve: %v", err)
		}
	}()
	return s, nil
}

// Close stops the server and the emulator.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	return errors.Join(err, s.Emulator.Close())
}

// StartTest starts an Emulator on 127.0.0.1:0 with the control API enabled
// and closes it when the test ends.
func StartTest(t testing.TB, opts Options) *Server {
	t.Helper()
	opts.ControlAPI = true
	s, err := Start("127.0.0.1:0", opts)
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
