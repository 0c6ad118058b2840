package connect

import (
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/drivewayhq/driveway"
)

// maxReturnTo bounds a post-connect redirect URL.
const maxReturnTo = 2048

// validReturnTo returns raw if it is a safe place to send the user after
// connecting: an absolute http(s) URL whose origin is byte-for-byte one of
// the project's allowed origins, written in printable ASCII only (no
// spaces, backslashes, control or look-alike characters), without user
// info, and whose path is empty or absolute ("/x", never "//x"). Anything
// else is refused ("", false): there is no "best effort" repair.
func validReturnTo(p *driveway.Project, raw string) (string, bool) {
	if raw == "" || len(raw) > maxReturnTo {
		return "", false
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= 0x20 || c >= 0x7f || c == '\\' {
			return "", false
		}
	}
	if !strings.HasPrefix(raw, "https://") && !strings.HasPrefix(raw, "http://") {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil || u.Host == "" {
		return "", false
	}
	if u.Path != "" && (!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//")) {
		return "", false
	}
	if !slices.Contains(p.AllowedOrigins, u.Scheme+"://"+u.Host) {
		return "", false
	}
	return raw, true
}

// cspOrigin is what a project origin must look like to enter a CSP
// header; NormalizeOrigin already guarantees it, this is belt and braces.
var cspOrigin = regexp.MustCompile(`^https?://[a-z0-9.\-]+(:[0-9]{1,5})?$|^https?://\[[0-9a-f:.]+\](:[0-9]{1,5})?$`)

// frameAncestors is the CSP frame-ancestors source list for the project:
// its allowed origins, or 'none'.
func frameAncestors(p *driveway.Project) string {
	var list []string
	for _, o := range p.AllowedOrigins {
		if cspOrigin.MatchString(o) {
			list = append(list, o)
		}
	}
	if len(list) == 0 {
		return "'none'"
	}
	return strings.Join(list, " ")
}
