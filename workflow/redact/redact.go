// Package redact hides secret values in text and in JSON-shaped data, in
// every form a value takes on its way through a workflow run.
//
// The flow:
//
//	New(values) ─ each value of MinLen bytes or more becomes patterns: the value,
//	              and its base64 cores (standard and URL alphabets, 3 alignments)
//	String(s)   ─ views of s: as is, percent-decoded (path: "+" kept; query: "+" is " "),
//	              backslash-unescaped (JSON, Go quoting), and these views decoded again
//	              ─ every pattern found in any view marks the span of s it came from
//	              ─ marked spans (merged) become Mask
//	Value(v)    ─ String on every string of a JSON-shaped value, map keys included
//	Error(err)  ─ String on the message, URLs' query strings and fragments cut
//
// A value shorter than MinLen bytes is not redacted: so short a text turns up
// in ordinary data by chance, and masking it there would both garble the data
// and point at the secret. The workflow engine refuses to use such a secret.
//
// A base64 form is found by its core, the characters that depend on the
// secret's bytes alone; the one or two characters at each end of the core,
// which mix the secret's first and last bits with their neighbours', stay.
package redact

import (
	"encoding/base64"
	"slices"
	"strings"
)

// Mask replaces every secret found.
const Mask = "[redacted]"

// MinLen is the shortest secret value, in bytes, that is redacted.
const MinLen = 8

// maxDepth bounds how many decodings are stacked (a JSON-escaped,
// percent-encoded value is two).
const maxDepth = 2

// Redactor hides a set of secret values. It is safe for concurrent use.
type Redactor struct {
	patterns []string
}

// New returns a redactor of values; those shorter than MinLen are left out.
func New(values ...string) *Redactor {
	r := &Redactor{}
	for _, v := range values {
		if len(v) < MinLen {
			continue
		}
		r.patterns = append(r.patterns, v)
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			for k := range 3 {
				r.patterns = append(r.patterns, core(enc, v, k))
			}
		}
	}
	slices.Sort(r.patterns)
	r.patterns = slices.Compact(r.patterns)
	return r
}

// Empty reports whether there is nothing to redact.
func (r *Redactor) Empty() bool { return r == nil || len(r.patterns) == 0 }

// core is the part of the base64 encoding of v, preceded by k other bytes,
// whose characters take all their bits from v.
func core(enc *base64.Encoding, v string, k int) string {
	full := enc.EncodeToString(append(make([]byte, k), v...))
	return full[(8*k+5)/6 : (8*(k+len(v)))/6]
}

// String returns s with every secret found, in any form, replaced by Mask.
func (r *Redactor) String(s string) string {
	if r.Empty() || s == "" {
		return s
	}
	for range 4 { // a mask next to what is left could, in theory, form a value again
		out := r.once(s)
		if out == s {
			return s
		}
		s = out
	}
	return Mask
}

// once masks the spans of s where a pattern shows in some view.
func (r *Redactor) once(s string) string {
	var spans []span
	for _, v := range views(s) {
		for _, p := range r.patterns {
			spans = v.find(p, spans)
		}
	}
	if len(spans) == 0 {
		return s
	}
	return mask(s, spans)
}

// span is a byte range [from, to) of the original text.
type span struct{ from, to int }

// mask replaces the spans (merged where they touch) of s with Mask.
func mask(s string, spans []span) string {
	slices.SortFunc(spans, func(a, b span) int { return a.from - b.from })
	var b strings.Builder
	at := 0
	for i := 0; i < len(spans); {
		cur := spans[i]
		for i++; i < len(spans) && spans[i].from <= cur.to; i++ {
			cur.to = max(cur.to, spans[i].to)
		}
		b.WriteString(s[at:cur.from])
		b.WriteString(Mask)
		at = cur.to
	}
	b.WriteString(s[at:])
	return b.String()
}

// Value returns a copy of a JSON-shaped value (maps, lists, strings,
// numbers, bools, nil) with every string redacted, map keys too. Other
// types are returned as they are: normalize values through JSON first.
func (r *Redactor) Value(v any) any {
	if r.Empty() {
		return v
	}
	switch t := v.(type) {
	case string:
		return r.String(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			k = r.String(k)
			for _, dup := out[k]; dup; _, dup = out[k] {
				k += "'"
			}
			out[k] = r.Value(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = r.Value(e)
		}
		return out
	}
	return v
}
