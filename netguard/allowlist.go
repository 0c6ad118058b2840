package netguard

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
)

// Allowlist names private destinations an operator lets guarded clients
// reach (a customer's service on 10.x, build.corp.internal): address
// ranges, and host names (exact, or "*.suffix") whose resolved private
// addresses are allowed. Everything else Check refuses stays refused, and
// cloud metadata addresses are refused whatever the list says.
type Allowlist struct {
	Prefixes []netip.Prefix
	Hosts    []string
}

// metadata are the cloud instance-metadata services: they hand out the
// machine's credentials, so no allowlist opens them.
var metadata = []netip.Prefix{
	netip.MustParsePrefix("169.254.169.254/32"), // AWS, Azure, GCP, OpenStack
	netip.MustParsePrefix("fd00:ec2::254/128"),  // AWS over IPv6
	netip.MustParsePrefix("100.100.100.200/32"), // Alibaba Cloud
}

// ParseAllowlist reads a comma-separated list of CIDR ranges, addresses
// and host names ("10.20.0.0/16, 192.168.1.5, build.corp.internal,
// *.svc.cluster.local"). A range or host that could never be allowed (a
// metadata address, an unspecified or multicast address) is an error.
func ParseAllowlist(s string) (Allowlist, error) {
	var a Allowlist
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if err := a.add(item); err != nil {
			return Allowlist{}, err
		}
	}
	return a, nil
}

func (a *Allowlist) add(item string) error {
	p, err := netip.ParsePrefix(item)
	if err != nil {
		if addr, aerr := netip.ParseAddr(item); aerr == nil {
			p, err = addr.Prefix(addr.BitLen())
		}
	}
	if err == nil {
		p = p.Masked()
		if p.Addr().IsUnspecified() || p.Addr().IsMulticast() || p.Addr().IsLoopback() || overlapsMetadata(p) {
			return fmt.Errorf("%q: this range cannot be allowed (loopback, unspecified, multicast or a cloud metadata address)", item)
		}
		a.Prefixes = append(a.Prefixes, p)
		return nil
	}
	host := strings.ToLower(strings.TrimSuffix(item, "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return fmt.Errorf("%q: this host cannot be allowed (it is this machine)", item)
	}
	if !validHostPattern(host) {
		return fmt.Errorf("%q is not a CIDR range, an address or a host name", item)
	}
	a.Hosts = append(a.Hosts, host)
	return nil
}

func overlapsMetadata(p netip.Prefix) bool {
	for _, m := range metadata {
		if p.Overlaps(m) {
			return true
		}
	}
	return false
}

func validHostPattern(h string) bool {
	h = strings.TrimPrefix(h, "*.")
	if h == "" || len(h) > 253 || !strings.Contains(h, ".") {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || strings.Trim(label, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return false
		}
	}
	return true
}

// Permits reports whether a private addr, reached as host, is allowed.
func (a Allowlist) Permits(host string, addr netip.Addr) bool {
	addr = addr.WithZone("").Unmap()
	for _, m := range metadata {
		if m.Contains(addr) {
			return false
		}
	}
	for _, p := range a.Prefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return host != "" && a.hostListed(host)
}

func (a Allowlist) hostListed(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	for _, pat := range a.Hosts {
		if suffix, ok := strings.CutPrefix(pat, "*."); ok {
			if strings.HasSuffix(h, "."+suffix) {
				return true
			}
		} else if h == pat {
			return true
		}
	}
	return false
}

// Empty reports whether nothing is allowed.
func (a Allowlist) Empty() bool { return len(a.Prefixes) == 0 && len(a.Hosts) == 0 }

// String lists the entries, comma-separated (for logs and errors).
func (a Allowlist) String() string {
	var parts []string
	for _, p := range a.Prefixes {
		parts = append(parts, p.String())
	}
	return strings.Join(append(parts, a.Hosts...), ", ")
}

// hostKey carries the host name being dialled to the socket's last check.
type hostKey struct{}

func withDialHost(ctx context.Context, host string) context.Context {
	return context.WithValue(ctx, hostKey{}, host)
}

func dialHost(ctx context.Context) string {
	h, _ := ctx.Value(hostKey{}).(string)
	return h
}
