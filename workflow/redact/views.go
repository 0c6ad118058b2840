package redact

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// view is a decoding of a text: each of its bytes comes from a byte range
// of the original text.
type view struct {
	text     string
	from, to []int // byte i of text comes from original [from[i], to[i]); nil: the original itself
}

// find appends the original spans of every occurrence of p in v
// (overlapping ones too).
func (v view) find(p string, spans []span) []span {
	for i := 0; i <= len(v.text)-len(p); {
		j := strings.Index(v.text[i:], p)
		if j < 0 {
			break
		}
		a := i + j
		spans = append(spans, span{v.origFrom(a), v.origTo(a + len(p) - 1)})
		i = a + 1
	}
	return spans
}

func (v view) origFrom(i int) int {
	if v.from == nil {
		return i
	}
	return v.from[i]
}

func (v view) origTo(i int) int {
	if v.to == nil {
		return i + 1
	}
	return v.to[i]
}

// decoding is one decoder's output: text, and for each of its bytes the
// range [from, to) of its input it came from.
type decoding struct {
	b        []byte
	from, to []int
}

func (d *decoding) add(c byte, from, to int) {
	d.b = append(d.b, c)
	d.from = append(d.from, from)
	d.to = append(d.to, to)
}

// decoders turn a text into a decoded one, or report that they change
// nothing in it.
var decoders = []func(s string) (*decoding, bool){
	func(s string) (*decoding, bool) { return percent(s, false) },
	func(s string) (*decoding, bool) { return percent(s, true) },
	unescape,
}

// views returns s and its decodings, stacked up to maxDepth, without
// duplicates.
func views(s string) []view {
	out := []view{{text: s}}
	seen := map[string]bool{s: true}
	level := out
	for range maxDepth {
		var next []view
		for _, v := range level {
			for _, dec := range decoders {
				d, ok := dec(v.text)
				if !ok || seen[string(d.b)] {
					continue
				}
				seen[string(d.b)] = true
				next = append(next, v.compose(d))
			}
		}
		out = append(out, next...)
		level = next
	}
	return out
}

// compose maps a decoding of v's text back to the original text.
func (v view) compose(d *decoding) view {
	n := view{text: string(d.b), from: make([]int, len(d.b)), to: make([]int, len(d.b))}
	for i := range d.b {
		n.from[i] = v.origFrom(d.from[i])
		n.to[i] = v.origTo(d.to[i] - 1)
	}
	return n
}

// percent decodes %XX escapes (either case); with plus, "+" is a space
// (query strings and forms).
func percent(s string, plus bool) (*decoding, bool) {
	if strings.IndexByte(s, '%') < 0 && (!plus || strings.IndexByte(s, '+') < 0) {
		return nil, false
	}
	d := &decoding{}
	changed := false
	for i := 0; i < len(s); {
		switch {
		case s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			d.add(unhex(s[i+1])<<4|unhex(s[i+2]), i, i+3)
			i, changed = i+3, true
		case plus && s[i] == '+':
			d.add(' ', i, i+1)
			i, changed = i+1, true
		default:
			d.add(s[i], i, i+1)
			i++
		}
	}
	return d, changed
}

// simpleEscapes are the one-letter backslash escapes of JSON and Go.
var simpleEscapes = map[byte]byte{'"': '"', '\\': '\\', '/': '/', '\'': '\'', 'b': '\b', 'f': '\f', 'n': '\n',
	'r': '\r', 't': '\t', 'a': '\a', 'v': '\v'}

// unescape decodes backslash escapes: JSON's (\" \\ \/ \n … \uXXXX, with
// surrogate pairs) and Go's quoting (\xXX, \a, \v).
func unescape(s string) (*decoding, bool) {
	if strings.IndexByte(s, '\\') < 0 {
		return nil, false
	}
	d := &decoding{}
	changed := false
	for i := 0; i < len(s); {
		n := 0
		if s[i] == '\\' && i+1 < len(s) {
			n = d.escape(s, i)
		}
		if n == 0 {
			d.add(s[i], i, i+1)
			i++
			continue
		}
		i, changed = i+n, true
	}
	return d, changed
}

// escape decodes the escape at s[i] (a backslash) and returns its length,
// or 0 when it is not one.
func (d *decoding) escape(s string, i int) int {
	c := s[i+1]
	if r, ok := simpleEscapes[c]; ok {
		d.add(r, i, i+2)
		return 2
	}
	switch {
	case c == 'x' && i+3 < len(s) && isHex(s[i+2]) && isHex(s[i+3]):
		d.add(unhex(s[i+2])<<4|unhex(s[i+3]), i, i+4)
		return 4
	case c == 'u':
		r, n := unicodeEscape(s[i:])
		if n == 0 {
			return 0
		}
		var buf [utf8.UTFMax]byte
		for _, b := range buf[:utf8.EncodeRune(buf[:], r)] {
			d.add(b, i, i+n)
		}
		return n
	}
	return 0
}

// unicodeEscape decodes \uXXXX at the start of s, or a surrogate pair of
// two, and returns the rune and the escape's length (0 when none).
func unicodeEscape(s string) (rune, int) {
	r1, ok := hex4(s)
	if !ok {
		return 0, 0
	}
	if utf16.IsSurrogate(r1) {
		if r2, ok := hex4(s[6:]); ok {
			if r := utf16.DecodeRune(r1, r2); r != utf8.RuneError {
				return r, 12
			}
		}
	}
	return r1, 6
}

// hex4 reads "\uXXXX" at the start of s.
func hex4(s string) (rune, bool) {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[2:6]) {
		if !isHex(c) {
			return 0, false
		}
		r = r<<4 | rune(unhex(c))
	}
	return r, true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
