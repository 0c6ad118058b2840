package proxy

import (
	"net/url"
	"strings"

	"github.com/drivewayhq/driveway"
)

// allowedRoots are the first path segments a proxied Graph path may start
// with: the drive-addressing roots of reference §2, $batch, search/query,
// and the subscriptions and directory roots an app built on OneDrive or
// SharePoint uses.
var allowedRoots = map[string]bool{
	"me": true, "drives": true, "drive": true, "users": true, "groups": true,
	"sites": true, "shares": true, "$batch": true, "subscriptions": true, "search": true,
}

// graphVersions are the Graph versions a path may name; a path without one
// goes to v1.0.
var graphVersions = map[string]bool{"v1.0": true, "beta": true}

// defaultVersion is the version of a path that names none.
const defaultVersion = "v1.0"

// graphPath checks the escaped Graph path a client sent (what follows
// /sdk/proxy/onedrive/ and the version) and returns it with its decoded
// form. It never resolves the path against a base: the caller appends it
// to the fixed Graph base, so any character a OneDrive name may hold ("@",
// "#" and "%" percent-encoded, "+", spaces, non-ASCII) passes as sent.
//
// Refused (EINVALID) because they change the path's structure, never
// because a name holds them: an empty path; "//"; a backslash or a control
// character, raw or decoded (OneDrive names hold neither); a raw "#" (a
// fragment, never sent by a client that meant a name); a "." or ".."
// segment after one decode (so "%2F..%2F" is caught too); a bad escape; a
// first segment outside allowedRoots. A percent-encoded "/" passes: Kiota
// SDKs send path addressing as one item id, items/root%3A%2Fa%2Fb.txt%3A.
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
	dec, uerr := url.PathUnescape(escaped)
	if uerr != nil {
		return "", "", invalidPath("the Graph path holds a bad percent escape")
	}
	if bad := forbiddenRune(dec, false); bad != "" {
		return "", "", invalidPath("the Graph path holds " + bad + " (percent-encoded)")
	}
	if strings.HasPrefix(dec, "/") {
		return "", "", invalidPath("the Graph path holds an empty segment (//)")
	}
	for _, seg := range strings.Split(dec, "/") {
		if seg == "." || seg == ".." {
			return "", "", invalidPath("the Graph path holds a dot segment")
		}
	}
	root, _, _ := strings.Cut(dec, "/")
	root, _, _ = strings.Cut(root, "(")
	if !allowedRoots[strings.ToLower(root)] {
		return "", "", invalidPath("the Graph path must start with one of me, drives, users, groups, sites, shares, search, subscriptions or $batch")
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
		case c == '#' && raw:
			return "a #"
		}
	}
	return ""
}

// splitVersion splits the escaped rest of a proxy path into the Graph
// version and the path after it: a full Graph URL (see fullGraphPath), a
// path starting with "v1.0/" or "beta/" (Microsoft's Graph SDKs append the
// version to their base URL), or a path without a version (v1.0).
func splitVersion(rest string, base *url.URL) (version, path string, err error) {
	version, path, full, err := fullGraphPath(rest, base)
	if full || err != nil {
		return version, path, err
	}
	rest = strings.TrimPrefix(rest, "/")
	if v, p, ok := strings.Cut(rest, "/"); ok && graphVersions[v] {
		return v, p, nil
	}
	if graphVersions[rest] {
		return "", "", invalidPath("the Graph path is empty")
	}
	return defaultVersion, rest, nil
}

// fullGraphPath accepts a full Graph URL sent as the path
// ("https://graph.microsoft.com/v1.0/me/drive", or "https:/graph..." after a
// router cleaned the double slash) only when its scheme and host are those
// of base and its version is v1.0 or beta, and returns the version and the
// escaped path after it. full is false when rest is not a URL.
func fullGraphPath(escaped string, base *url.URL) (version, path string, full bool, err error) {
	lower := strings.ToLower(escaped)
	var rest string
	switch {
	case strings.HasPrefix(lower, "https://"), strings.HasPrefix(lower, "http://"):
		rest = escaped[strings.Index(escaped, "//")+2:]
	case strings.HasPrefix(lower, "https:/"), strings.HasPrefix(lower, "http:/"):
		rest = escaped[strings.Index(escaped, "/")+1:]
	case strings.HasPrefix(lower, "https:"), strings.HasPrefix(lower, "http:"), strings.HasPrefix(lower, "https%3a"), strings.HasPrefix(lower, "http%3a"):
		return "", "", true, invalidPath("a full URL must be https://<Graph host>/v1.0/...")
	default:
		return "", "", false, nil
	}
	scheme := strings.ToLower(escaped[:strings.Index(escaped, ":")])
	host, path, _ := strings.Cut(rest, "/")
	if scheme != base.Scheme || !strings.EqualFold(host, base.Host) {
		return "", "", true, invalidPath("a full URL may only name this integration's Microsoft Graph host")
	}
	if bp := strings.Trim(base.Path, "/"); bp != "" {
		if path, full = strings.CutPrefix(path, bp+"/"); !full {
			return "", "", true, invalidPath("a full Graph URL must start with the Graph base")
		}
	}
	version, path, _ = strings.Cut(path, "/")
	if !graphVersions[version] {
		return "", "", true, invalidPath("a full Graph URL must use /v1.0/ or /beta/")
	}
	return version, path, true, nil
}

func invalidPath(msg string) error {
	return driveway.Invalid("path", "%s", msg)
}
