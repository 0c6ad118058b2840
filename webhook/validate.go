package webhook

import (
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/netguard"
)

// Limits on endpoint input.
const (
	maxURLLength      = 2048
	maxDescription    = 500
	maxEventTypes     = 50
	maxEventTypeBytes = 100
)

// ValidateURL checks an endpoint URL: absolute https with a host, no user
// name or password, no fragment, and not an address the delivery client
// would refuse (a private address in allow is not refused). With
// allowLoopback (development only) http on a loopback host is accepted
// too. Errors are EINVALID on field "url".
func ValidateURL(raw string, allowLoopback bool, allow netguard.Allowlist) error {
	if len(raw) > maxURLLength {
		return driveway.Invalid("url", "is longer than %d characters", maxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Hostname() == "" {
		return driveway.Invalid("url", "must be an absolute https URL")
	}
	if u.User != nil {
		return driveway.Invalid("url", "must not contain a user name or password")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return driveway.Invalid("url", "must not contain a fragment")
	}
	loop := isLoopbackHost(u.Hostname())
	switch {
	case loop && allowLoopback && (u.Scheme == "http" || u.Scheme == "https"):
		return nil
	case u.Scheme != "https":
		return driveway.Invalid("url", "must use https")
	case loop:
		return driveway.Invalid("url", "must not point at this host")
	}
	if a, err := netip.ParseAddr(u.Hostname()); err == nil {
		if netguard.Check(a) != nil && !allow.Permits("", a) {
			return driveway.Invalid("url", "must not point at a private or reserved address")
		}
	}
	return nil
}

// isLoopbackHost reports whether host names the local machine.
func isLoopbackHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// validateEventTypes checks the filter: exact kinds or prefixes ending in
// ".*", lowercase letters, digits, "_" and ".".
func validateEventTypes(types []string) error {
	if len(types) > maxEventTypes {
		return driveway.Invalid("eventTypes", "at most %d entries", maxEventTypes)
	}
	for _, t := range types {
		base := strings.TrimSuffix(t, ".*")
		if t == "" || len(t) > maxEventTypeBytes || base == "" || !validKind(base) {
			return driveway.Invalid("eventTypes", "%q is not an event type (like credential.status_changed or onedrive.file.*)", truncate(t, 40))
		}
	}
	return nil
}

func validKind(s string) bool {
	for _, part := range strings.Split(s, ".") {
		if part == "" {
			return false
		}
		for _, r := range part {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
				return false
			}
		}
	}
	return true
}

// Matches reports whether an endpoint with the filter types wants events of
// kind: every kind for an empty filter, else an exact entry or a ".*"
// prefix.
func Matches(types []string, kind string) bool {
	if len(types) == 0 {
		return true
	}
	for _, t := range types {
		if t == kind {
			return true
		}
		if p, ok := strings.CutSuffix(t, "*"); ok && strings.HasPrefix(kind, p) {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
