package redact

import (
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// view is a decoding of a text. Its bytes map to the original text through
// its parent's: the raw text has no parent; between escapes, a decoded
// text's bytes are its parent's one for one, shifted; each escape is a unit.
type view struct {
	text   string
	units  []unit // in order of out
	parent *view
}

// unit is one decoded escape: the view's bytes [out, out+outLen) came from
// the parent's [in, in+inLen).
type unit struct{ out, outLen, in, inLen int }

// find appends the original spans of every occurrence of p in v
// (overlapping ones too). In a decoded view, only occurrences that overlap
// a decoded escape are new (the others are its parent's too), so when
// escapes are sparse only the text around them is searched.
func (v *view) find(p string, spans []span) []span {
	if v.parent == nil || len(v.units)*2*len(p) > len(v.text) {
		return v.findIn(p, 0, len(v.text)-len(p), spans)
	}
	next := 0 // the first start not searched yet
	for _, u := range v.units {
		lo, hi := max(u.out-len(p)+1, next, 0), min(u.out+u.outLen-1, len(v.text)-len(p))
		if lo <= hi {
			spans = v.findIn(p, lo, hi, spans)
			next = hi + 1
		}
	}
	return spans
}

// findIn appends the spans of the occurrences of p that start in [lo, hi].
func (v *view) findIn(p string, lo, hi int, spans []span) []span {
	for i := lo; i <= hi; {
		j := strings.Index(v.text[i:hi+len(p)], p)
		if j < 0 {
			break
		}
		a := i + j
		spans = append(spans, v.orig(a, a+len(p)))
		i = a + 1
	}
	return spans
}

// orig maps the view's byte range [a, b) to the original text's.
func (v *view) orig(a, b int) span {
	for ; v.parent != nil; v = v.parent {
		a, b = v.parentFrom(a), v.parentTo(b-1)
	}
	return span{a, b}
}

// parentFrom is where byte i of the view starts in the parent.
func (v *view) parentFrom(i int) int {
	u, ok := v.unitAt(i)
	switch {
	case !ok:
		return i
	case i < u.out+u.outLen:
		return u.in
	}
	return u.in + u.inLen + i - (u.out + u.outLen)
}

// parentTo is where byte i of the view ends in the parent.
func (v *view) parentTo(i int) int {
	u, ok := v.unitAt(i)
	switch {
	case !ok:
		return i + 1
	case i < u.out+u.outLen:
		return u.in + u.inLen
	}
	return u.in + u.inLen + i - (u.out + u.outLen) + 1
}

// unitAt is the last unit that starts at or before byte i of the view.
func (v *view) unitAt(i int) (unit, bool) {
	k := sort.Search(len(v.units), func(k int) bool { return v.units[k].out > i })
	if k == 0 {
		return unit{}, false
	}
	return v.units[k-1], true
}

// decoding builds a decoded text and its units.
type decoding struct {
	b     []byte
	units []unit
}

// escaped appends the bytes an escape at [in, in+inLen) decodes to.
func (d *decoding) escaped(in, inLen int, out ...byte) {
	d.units = append(d.units, unit{out: len(d.b), outLen: len(out), in: in, inLen: inLen})
	d.b = append(d.b, out...)
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
func views(s string) []*view {
	out := []*view{{text: s}}
	seen := map[string]bool{s: true}
	level := out
	for range maxDepth {
		var next []*view
		for _, v := range level {
			for _, dec := range decoders {
				d, ok := dec(v.text)
				if !ok {
					continue
				}
				text := string(d.b)
				if seen[text] {
					continue
				}
				seen[text] = true
				next = append(next, &view{text: text, units: d.units, parent: v})
			}
		}
		out = append(out, next...)
		level = next
	}
	return out
}

// percent decodes %XX escapes (either case); with plus, "+" is a space
// (query strings and forms).
func percent(s string, plus bool) (*decoding, bool) {
	special := "%"
	if plus {
		special = "%+"
	}
	if strings.IndexAny(s, special) < 0 {
		return nil, false
	}
	d := &decoding{b: make([]byte, 0, len(s))}
	for i := 0; i < len(s); {
		k := strings.IndexAny(s[i:], special)
		if k < 0 {
			d.b = append(d.b, s[i:]...)
			break
		}
		d.b = append(d.b, s[i:i+k]...)
		i += k
		switch {
		case s[i] == '+':
			d.escaped(i, 1, ' ')
			i++
		case i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			d.escaped(i, 3, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 3
		default:
			d.b = append(d.b, s[i])
			i++
		}
	}
	return d, len(d.units) > 0
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
	d := &decoding{b: make([]byte, 0, len(s))}
	for i := 0; i < len(s); {
		k := strings.IndexByte(s[i:], '\\')
		if k < 0 {
			d.b = append(d.b, s[i:]...)
			break
		}
		d.b = append(d.b, s[i:i+k]...)
		i += k
		n := 0
		if i+1 < len(s) {
			n = d.escape(s, i)
		}
		if n == 0 {
			d.b = append(d.b, s[i])
			n = 1
		}
		i += n
	}
	return d, len(d.units) > 0
}

// escape decodes the escape at s[i] (a backslash) and returns its length,
// or 0 when it is not one.
func (d *decoding) escape(s string, i int) int {
	c := s[i+1]
	if r, ok := simpleEscapes[c]; ok {
		d.escaped(i, 2, r)
		return 2
	}
	switch {
	case c == 'x' && i+3 < len(s) && isHex(s[i+2]) && isHex(s[i+3]):
		d.escaped(i, 4, unhex(s[i+2])<<4|unhex(s[i+3]))
		return 4
	case c == 'u':
		r, n := unicodeEscape(s[i:])
		if n == 0 {
			return 0
		}
		var buf [utf8.UTFMax]byte
		d.escaped(i, n, buf[:utf8.EncodeRune(buf[:], r)]...)
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
