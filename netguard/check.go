// Package netguard fetches URLs that customers supply (Save File from a
// URL, HTTP Request workflow steps, outgoing webhooks) without letting
// them reach Driveway's own network: loopback, private and link-local
// addresses (the cloud metadata service at 169.254.169.254), CGNAT, and
// the other special-purpose ranges.
//
// Map of the flow:
//
//	NewClient(Config) → *http.Client
//	 ├─ CheckRedirect      scheme http(s), host allowlist, redirect count (check.go, client.go)
//	 ├─ Transport (no proxy from the environment)
//	 │   └─ DialContext    host allowlist → resolve (Config.Resolver) → Check every
//	 │                     resolved IP → dial only a permitted one; net.Dialer.Control
//	 │                     checks the address actually connected to once more, so DNS
//	 │                     rebinding and every redirect hop are covered
//	 └─ body limit         a response larger than MaxResponseBytes fails the read
//
// Check (this file) is the address rule itself: a pure function over
// netip.Addr that dials nothing.
package netguard

import (
	"fmt"
	"net/netip"
)

// BlockedError is a connection refused because of where it would go.
type BlockedError struct {
	// Host is the name asked for ("" when the URL held an address).
	Host string
	// Addr is the address refused.
	Addr netip.Addr
	// Range names the special-purpose range, e.g. "loopback".
	Range string
}

func (e *BlockedError) Error() string {
	if e.Host != "" && e.Host != e.Addr.String() {
		return fmt.Sprintf("netguard: refusing to connect to %s (%s resolves to %s)", e.Range, e.Host, e.Addr)
	}
	return fmt.Sprintf("netguard: refusing to connect to %s (%s)", e.Range, e.Addr)
}

type blockedRange struct {
	prefix netip.Prefix
	name   string
}

// blocked lists the ranges no customer URL may reach, from the IANA IPv4
// and IPv6 special-purpose address registries.
var blocked = func() []blockedRange {
	var out []blockedRange
	for _, r := range [][2]string{
		{"0.0.0.0/8", "this network"},
		{"10.0.0.0/8", "private network"},
		{"100.64.0.0/10", "carrier-grade NAT"},
		{"127.0.0.0/8", "loopback"},
		{"169.254.0.0/16", "link-local"},
		{"172.16.0.0/12", "private network"},
		{"192.0.0.0/24", "IETF protocol assignments"},
		{"192.0.2.0/24", "documentation"},
		{"192.88.99.0/24", "6to4 relay"},
		{"192.168.0.0/16", "private network"},
		{"198.18.0.0/15", "benchmarking"},
		{"198.51.100.0/24", "documentation"},
		{"203.0.113.0/24", "documentation"},
		{"224.0.0.0/4", "multicast"},
		{"255.255.255.255/32", "broadcast"},
		{"240.0.0.0/4", "reserved"},
		{"::/128", "unspecified"},
		{"::1/128", "loopback"},
		{"::/96", "IPv4-compatible"},
		{"::ffff:0:0:0/96", "IPv4-translated"},
		{"64:ff9b::/96", "NAT64"},
		{"64:ff9b:1::/48", "NAT64 local use"},
		{"100::/64", "discard-only"},
		{"2001::/23", "IETF protocol assignments"},
		{"2001:db8::/32", "documentation"},
		{"2002::/16", "6to4"},
		{"3fff::/20", "documentation"},
		{"5f00::/16", "segment routing"},
		{"fc00::/7", "unique local"},
		{"fe80::/10", "link-local"},
		{"fec0::/10", "site-local"},
		{"ff00::/8", "multicast"},
	} {
		out = append(out, blockedRange{netip.MustParsePrefix(r[0]), r[1]})
	}
	return out
}()

// Check reports whether a connection to addr is allowed: nil, or a
// *BlockedError naming the range. IPv4-mapped IPv6 addresses
// (::ffff:a.b.c.d) are judged as the IPv4 address they carry; zones are
// ignored; an invalid address is refused. Check dials nothing.
func Check(addr netip.Addr) error {
	if !addr.IsValid() {
		return &BlockedError{Addr: addr, Range: "invalid address"}
	}
	a := addr.WithZone("")
	if a.Is4In6() {
		a = a.Unmap()
	}
	for _, r := range blocked {
		if r.prefix.Contains(a) {
			return &BlockedError{Addr: addr, Range: r.name}
		}
	}
	return nil
}
