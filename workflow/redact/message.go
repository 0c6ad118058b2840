package redact

import (
	"regexp"
	"strings"
)

// urlTail matches a URL's query string or fragment, up to the end of the
// URL (a space, a quote or an angle bracket).
var urlTail = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://[^\s?#"'<>]*)[?#][^\s"'<>]*`)

// CutQueries returns s with the query string and fragment of every URL in
// it removed: "GET https://h/p?key=v: status 500" becomes
// "GET https://h/p: status 500". Punctuation that ends the URL's sentence
// (":", ",", ".", ";", ")") stays.
func CutQueries(s string) string {
	return urlTail.ReplaceAllStringFunc(s, func(m string) string {
		cut := strings.IndexAny(m, "?#")
		end := len(m)
		for end > cut && strings.IndexByte(":,.;)]", m[end-1]) >= 0 {
			end--
		}
		return m[:cut] + m[end:]
	})
}

// Message redacts an error message for whoever reads it: URLs lose their
// query strings and fragments, and secrets are masked.
func (r *Redactor) Message(s string) string { return r.String(CutQueries(s)) }
