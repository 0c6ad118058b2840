package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"
)

// healthcheck asks the server on this machine for /healthz and fails unless
// it answers 200. Container images have no shell or curl, so the image's
// HEALTHCHECK runs the binary itself. It reads the same DRIVEWAY_ADDR as
// serve and dials loopback when the server listens on every address.
func (m *Main) healthcheck(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("driveway healthcheck", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	addr := fs.String("addr", "", "address of the server (default DRIVEWAY_ADDR, or 127.0.0.1:8080)")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *addr == "" {
		*addr = defaultConfig().Addr
		if v := m.Getenv("DRIVEWAY_ADDR"); v != "" {
			*addr = v
		}
	}
	target, err := loopbackURL(*addr)
	if err != nil {
		return err
	}
	return probe(ctx, target+"/healthz", *timeout)
}

// loopbackURL turns a listen address into a URL this machine can dial.
func loopbackURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", badConfig("DRIVEWAY_ADDR", "%q is not host:port", addr)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

func probe(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", url, resp.Status)
	}
	return nil
}
