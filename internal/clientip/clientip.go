// Package clientip finds who sent a request, for per-client limits: the
// connection's remote address, or, when that address is one of the
// configured proxies (DRIVEWAY_TRUSTED_PROXIES), the nearest address in
// X-Forwarded-For that is not. A header from anyone else is ignored: anyone
// can send one.
//
// Limits key on Key: an IPv4 address, or the /64 network of an IPv6
// address, since one host commonly holds a whole /64 and can rotate
// through it.
package clientip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver finds client addresses. The zero Resolver trusts no proxy. It
// is safe for concurrent use.
type Resolver struct {
	// Trusted are the proxies whose X-Forwarded-For is believed.
	Trusted []netip.Prefix
}

// ParsePrefixes reads a comma-separated list of addresses and CIDR
// networks ("10.0.0.0/8, 2001:db8::1"); an address is its own /32 or /128.
func ParsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or a CIDR network", s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Addr returns the client address of r; the zero Addr when the remote
// address does not parse (never for a request from net/http's server).
func (res *Resolver) Addr(r *http.Request) netip.Addr {
	addr := remote(r.RemoteAddr)
	if res == nil || !res.trusted(addr) {
		return addr
	}
	hops := forwarded(r.Header.Values("X-Forwarded-For"))
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			return addr // a trusted proxy passed garbage: stop at that proxy
		}
		addr = a.Unmap()
		if !res.trusted(addr) {
			return addr
		}
	}
	return addr
}

// Key is the limiter key of r's client address.
func (res *Resolver) Key(r *http.Request) string { return Key(res.Addr(r)) }

// Key is an IPv4 address as is, an IPv6 address as its /64 network.
func Key(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

func (res *Resolver) trusted(a netip.Addr) bool {
	for _, p := range res.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func remote(hostport string) netip.Addr {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

// forwarded splits X-Forwarded-For headers into hops, leftmost first.
func forwarded(values []string) []string {
	var hops []string
	for _, v := range values {
		for _, h := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	return hops
}

// Trusts reports whether a is one of the trusted proxies.
func (res *Resolver) Trusts(a netip.Addr) bool { return res != nil && res.trusted(a) }
