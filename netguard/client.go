package netguard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Resolver looks up a host's addresses; *net.Resolver implements it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Config configures a guarded client. The zero value is usable.
type Config struct {
	// AllowHosts, when not empty, are the only host names that may be
	// fetched: exact names ("files.example.com") or suffixes
	// ("*.example.com", which does not match example.com itself). The
	// address check applies to them too.
	AllowHosts []string
	// AllowAddrPorts permits exactly these address:port pairs despite
	// Check. It exists for tests (an httptest server on 127.0.0.1) and for
	// operators who must reach one named internal service; never fill it
	// from customer input.
	AllowAddrPorts []netip.AddrPort
	// AllowPrivate are the operator's private destinations
	// (DRIVEWAY_ALLOW_PRIVATE_DESTINATIONS): a refused address in it is
	// permitted, except cloud metadata.
	AllowPrivate Allowlist
	// Resolver resolves host names (default net.DefaultResolver).
	Resolver Resolver
	// MaxRedirects bounds redirects followed (default 5; each hop is
	// checked like the first).
	MaxRedirects int
	// MaxResponseBytes bounds a response body (default 100 MiB); reading
	// beyond it fails with ErrResponseTooLarge.
	MaxResponseBytes int64
	// Timeout bounds a whole request including the body (default 60 s).
	// DialTimeout (10 s), TLSHandshakeTimeout (10 s) and
	// ResponseHeaderTimeout (30 s) bound the steps.
	Timeout, DialTimeout, TLSHandshakeTimeout, ResponseHeaderTimeout time.Duration
}

// Errors of a guarded client, besides *BlockedError.
var (
	ErrHostNotAllowed   = errors.New("netguard: host is not in the allowlist")
	ErrScheme           = errors.New("netguard: only http and https URLs may be fetched")
	ErrTooManyRedirects = errors.New("netguard: too many redirects")
	ErrResponseTooLarge = errors.New("netguard: response body too large")
)

func (c Config) withDefaults() Config {
	if c.Resolver == nil {
		c.Resolver = net.DefaultResolver
	}
	if c.MaxRedirects <= 0 {
		c.MaxRedirects = 5
	}
	if c.MaxResponseBytes <= 0 {
		c.MaxResponseBytes = 100 << 20
	}
	setDur(&c.Timeout, 60*time.Second)
	setDur(&c.DialTimeout, 10*time.Second)
	setDur(&c.TLSHandshakeTimeout, 10*time.Second)
	setDur(&c.ResponseHeaderTimeout, 30*time.Second)
	return c
}

func setDur(p *time.Duration, d time.Duration) {
	if *p <= 0 {
		*p = d
	}
}

// NewClient returns an *http.Client that only connects to permitted
// addresses, follows at most MaxRedirects redirects (each checked), and
// limits the response size. Errors wrap *BlockedError, ErrHostNotAllowed,
// ErrScheme, ErrTooManyRedirects or ErrResponseTooLarge.
func NewClient(cfg Config) *http.Client {
	cfg = cfg.withDefaults()
	g := &guard{cfg: cfg}
	return &http.Client{
		Transport:     &limitTransport{base: NewTransport(cfg), max: cfg.MaxResponseBytes, g: g},
		CheckRedirect: g.checkRedirect,
		Timeout:       cfg.Timeout,
	}
}

// NewTransport returns the guarded transport alone: no proxy from the
// environment, and a dialer that checks every address (without the
// redirect and size limits of NewClient).
func NewTransport(cfg Config) *http.Transport {
	cfg = cfg.withDefaults()
	g := &guard{cfg: cfg}
	g.dialer = &net.Dialer{Timeout: cfg.DialTimeout, ControlContext: g.control}
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           g.dialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   cfg.TLSHandshakeTimeout,
		ResponseHeaderTimeout: cfg.ResponseHeaderTimeout,
		MaxIdleConns:          32,
		IdleConnTimeout:       90 * time.Second,
	}
}

type guard struct {
	cfg    Config
	dialer *net.Dialer
}

// permit decides on one address:port.
func (g *guard) permit(host string, ap netip.AddrPort) error {
	for _, a := range g.cfg.AllowAddrPorts {
		if a.Addr().Unmap() == ap.Addr().Unmap() && a.Port() == ap.Port() {
			return nil
		}
	}
	if err := Check(ap.Addr()); err != nil {
		if g.cfg.AllowPrivate.Permits(host, ap.Addr()) {
			return nil
		}
		be := err.(*BlockedError)
		be.Host = host
		return be
	}
	return nil
}

// allowedHost applies AllowHosts to a host name (or address literal).
func (g *guard) allowedHost(host string) error {
	if len(g.cfg.AllowHosts) == 0 {
		return nil
	}
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	for _, a := range g.cfg.AllowHosts {
		a = strings.ToLower(a)
		if suffix, ok := strings.CutPrefix(a, "*."); ok {
			if strings.HasSuffix(h, "."+suffix) {
				return nil
			}
		} else if h == a {
			return nil
		}
	}
	return fmt.Errorf("%w: %s", ErrHostNotAllowed, host)
}

// dialContext resolves addr, checks every address and dials a permitted one.
func (g *guard) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("netguard: %w", err)
	}
	if err := g.allowedHost(host); err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("netguard: bad port %q", portStr)
	}
	addrs, err := g.resolve(ctx, network, host)
	if err != nil {
		return nil, err
	}
	var firstErr error
	for _, a := range addrs {
		ap := netip.AddrPortFrom(a, uint16(port))
		if err := g.permit(host, ap); err != nil {
			firstErr = cmpErr(firstErr, err)
			continue
		}
		conn, err := g.dialer.DialContext(withDialHost(ctx, host), network, ap.String())
		if err == nil {
			return conn, nil
		}
		firstErr = cmpErr(firstErr, err)
	}
	return nil, firstErr
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

func (g *guard) resolve(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	ipNet := "ip"
	switch network {
	case "tcp4":
		ipNet = "ip4"
	case "tcp6":
		ipNet = "ip6"
	}
	addrs, err := g.cfg.Resolver.LookupNetIP(ctx, ipNet, host)
	if err != nil {
		return nil, fmt.Errorf("netguard: resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("netguard: resolve %s: no addresses", host)
	}
	return addrs, nil
}

// control runs just before the socket connects and checks the address
// once more (for the host name being dialled, which an allowlisted name
// needs): nothing can reach a refused address through this dialer.
func (g *guard) control(ctx context.Context, network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("netguard: unexpected address %q", address)
	}
	return g.permit(dialHost(ctx), ap)
}

// checkRedirect applies the scheme, allowlist and count rules to a hop.
func (g *guard) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > g.cfg.MaxRedirects {
		return ErrTooManyRedirects
	}
	return g.checkURL(req)
}

func (g *guard) checkURL(req *http.Request) error {
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return ErrScheme
	}
	return g.allowedHost(req.URL.Hostname())
}

// limitTransport checks the first request's URL and caps response bodies.
type limitTransport struct {
	base http.RoundTripper
	max  int64
	g    *guard
}

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.g.checkURL(req); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.max {
		resp.Body.Close()
		return nil, ErrResponseTooLarge
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.max}
	return resp, nil
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// Read one more byte to tell "exactly the limit" from "beyond it".
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, ErrResponseTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
