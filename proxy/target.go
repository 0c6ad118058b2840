package proxy

import (
	"net/url"
	"strings"

	"github.com/drivewayhq/driveway"
)

// allowedRoots are the first path segments a proxied Graph path may start
// with: the drive-addressing roots of reference §2, $batch, and the
// subscriptions and directory roots an app built on OneDrive uses.
var allowedRoots = map[string]bool{
	"me": true, "drives": true, "drive": true, "users": true, "groups": true,
	"sites": true, "shares": true, "$batch": true, "subscriptions": true,
}

// graphPath checks the escaped Graph path a client sent (what follows
// /sdk/proxy/onedrive/, or the path of a full Graph URL after /v1.0/) and
// returns it with its decoded form. It never resolves the path against a
// base: the caller appends it to the fixed Graph base.
//
// Refused (EINVALID): an empty path; "//"; a backslash, "@", or a control
// character, raw or decoded; a "." or ".." segment; a percent-encoded "/",
// "\" or "." (after one decode too, which catches double encoding); a bad
// escape; a first segment outside allowedRoots.
func graphPath(escaped string) (esc, dec string, err error) {
	escaped = strings.TrimPrefix(escaped, "/")
	if escaped == "" {
		return "", "", invalidPath("the Graph path is empty")
	}
	if strings.Contains(escaped, "//") {
		return "", "", invalidPath("the Graph path holds an empty segment (//)")
	}
	if bad := forbiddenRune(escaped, true); bad != "" {
		return "", "", invalidPath("the Graph path holds " + bad)
	}
	if hasEncodedSeparator(escaped) {
		return "", "", invalidPath("the Graph path holds an encoded /, \\ or .")
	}
	dec, uerr := url.PathUnescape(escaped)
	if uerr != nil {
		return "", "", invalidPath("the Graph path holds a bad percent escape")
	}
	if bad := forbiddenRune(dec, false); bad != "" {
		return "", "", invalidPath("the Graph path holds " + bad + " (percent-encoded)")
	}
	if hasEncodedSeparator(dec) || strings.Contains(strings.ToLower(dec), "%40") {
		return "", "", invalidPath("the Graph path is encoded twice")
	}
	for _, seg := range strings.Split(dec, "/") {
		if seg == "." || seg == ".." {
			return "", "", invalidPath("the Graph path holds a dot segment")
		}
	}
	root, _, _ := strings.Cut(dec, "/")
	root, _, _ = strings.Cut(root, "(")
	if !allowedRoots[strings.ToLower(root)] {
		return "", "", invalidPath("the Graph path must start with one of me, drives, users, groups, sites, shares, subscriptions or $batch")
	}
	return escaped, dec, nil
}

// forbiddenRune names the first forbidden character of s, or "". A "#"
// is refused only raw: encoded, it is part of a file name.
func forbiddenRune(s string, raw bool) string {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c == 0x7f:
			return "a control character"
		case c == '\\':
			return "a backslash"
		case c == '@':
			return "an @"
		case c == '#' && raw:
			return "a #"
		}
	}
	return ""
}

// hasEncodedSeparator reports whether s holds %2f, %5c or %2e (any case).
func hasEncodedSeparator(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		switch strings.ToLower(s[i+1 : i+3]) {
		case "2f", "5c", "2e":
			return true
		}
	}
	return false
}

// fullGraphPath accepts a full Graph URL sent as the path
// ("https://graph.microsoft.com/v1.0/me/drive", or "https:/graph..." after a
// router cleaned the double slash) only when its scheme and host are those
// of base, and returns the escaped path after the version.
func fullGraphPath(escaped string, base *url.URL) (string, bool, error) {
	lower := strings.ToLower(escaped)
	var rest string
	switch {
	case strings.HasPrefix(lower, "https://"), strings.HasPrefix(lower, "http://"):
		rest = escaped[strings.Index(escaped, "//")+2:]
	case strings.HasPrefix(lower, "https:/"), strings.HasPrefix(lower, "http:/"):
		rest = escaped[strings.Index(escaped, "/")+1:]
	case strings.HasPrefix(lower, "https:"), strings.HasPrefix(lower, "http:"), strings.HasPrefix(lower, "https%3a"), strings.HasPrefix(lower, "http%3a"):
		return "", true, invalidPath("a full URL must be https://<Graph host>/v1.0/...")
	default:
		return "", false, nil
	}
	scheme := strings.ToLower(escaped[:strings.Index(escaped, ":")])
	host, path, _ := strings.Cut(rest, "/")
	if scheme != base.Scheme || !strings.EqualFold(host, base.Host) {
		return "", true, invalidPath("a full URL may only name this integration's Microsoft Graph host")
	}
	version, path, _ := strings.Cut(path, "/")
	if version != "v1.0" {
		return "", true, invalidPath("a full Graph URL must use /v1.0/")
	}
	return path, true, nil
}

func invalidPath(msg string) error {
	return driveway.Invalid("path", "%s", msg)
}
