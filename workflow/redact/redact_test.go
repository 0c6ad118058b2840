package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unicode"
)

// forms are the encodings of s a test embeds, computed with the standard
// library (the oracle), each as a whole encoded value.
func forms(s string) map[string]string {
	j, _ := json.Marshal(s)
	var nohtml bytes.Buffer
	enc := json.NewEncoder(&nohtml)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	q, _ := json.Marshal(url.QueryEscape(s))
	return map[string]string{
		"raw":              s,
		"query":            url.QueryEscape(s),
		"path":             url.PathEscape(s),
		"query lower hex":  lowerHex(url.QueryEscape(s)),
		"json":             string(j),
		"json no html":     strings.TrimSpace(nohtml.String()),
		"go quoted":        strconv.Quote(s),
		"json of query":    string(q),
		"base64":           base64.StdEncoding.EncodeToString([]byte(s)),
		"base64url":        base64.RawURLEncoding.EncodeToString([]byte(s)),
		"basic auth":       base64.StdEncoding.EncodeToString([]byte("user:" + s)),
		"base64 offset 1":  base64.URLEncoding.EncodeToString([]byte("x" + s + "yz")),
		"query of base64":  url.QueryEscape(base64.StdEncoding.EncodeToString([]byte(s))),
		"double percent":   url.QueryEscape(url.PathEscape(s)),
		"percent of json":  url.QueryEscape(string(j)),
		"quoted in a text": "GET " + strconv.Quote("https://h/p?k="+url.QueryEscape(s)) + ": dial",
	}
}

// lowerHex writes the %XX escapes of s in lower case.
func lowerHex(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			b.WriteString(strings.ToLower(s[i : i+3]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// randomSecret draws from the whole printable range: printable ASCII,
// with now and then a printable non-ASCII rune.
func randomSecret(rng *rand.Rand) string {
	n := MinLen + rng.IntN(32)
	var b strings.Builder
	for b.Len() < n {
		if rng.IntN(8) == 0 {
			if r := rune(0xa1 + rng.IntN(0x2fff)); unicode.IsPrint(r) {
				b.WriteRune(r)
			}
			continue
		}
		b.WriteByte(byte(0x20 + rng.IntN(0x5f)))
	}
	return b.String()
}

// contains reports whether out gives s away: its raw form, or the core of
// one of its base64 or percent encodings.
func contains(out, s string) string {
	checks := []string{s, url.QueryEscape(s), url.PathEscape(s)}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for k := range 3 {
			checks = append(checks, core(enc, s, k))
		}
	}
	for _, c := range checks {
		if len(c) >= MinLen && strings.Contains(out, c) {
			return c
		}
	}
	return ""
}

func TestEveryFormIsMasked(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		secret := randomSecret(rng)
		r := New("unrelated-value", secret)
		for name, f := range forms(secret) {
			in := "before " + f + " after"
			out := r.String(in)
			if c := contains(out, secret); c != "" || !strings.Contains(out, Mask) {
				t.Fatalf("secret %q as %s: %q redacted to %q, still holds %q", secret, name, in, out, c)
			}
			if !strings.HasPrefix(out, "before ") {
				t.Fatalf("secret %q as %s: %q lost the text before it: %q", secret, name, in, out)
			}
		}
	}
}

func TestOrdinaryTextIsKept(t *testing.T) {
	t.Parallel()
	r := New("s3cr/t+Key==", "short")
	for _, s := range []string{"", "plain text", "short", "50% off", `a \u00e9 b`, "a+b=c", "s3cr/t"} {
		if got := r.String(s); got != s {
			t.Fatalf("String(%q) = %q, want it unchanged", s, got)
		}
	}
	if !New("short").Empty() || New("long enough").Empty() {
		t.Fatalf("a value shorter than %d bytes must be left out, and a longer one kept", MinLen)
	}
}

func TestExamples(t *testing.T) {
	t.Parallel()
	r := New("s3cr/t+Key==")
	cases := map[string]string{
		"GET http://h/x?api_key=s3cr%2Ft%2BKey%3D%3D: status 500": "GET http://h/x?api_key=[redacted]: status 500",
		`{"k":"s3cr\/t+Key=="}`:                                   `{"k":"[redacted]"}`,
		"Authorization: Basic dTpzM2NyL3QrS2V5PT0=":               "Authorization: Basic dTp[redacted]0=",
		"/drive/root:/s3cr%2ft%2bKey%3d%3d:/content":              "/drive/root:/[redacted]:/content",
		"s3cr/t+Key==s3cr/t+Key==":                                "[redacted]",
	}
	for in, want := range cases {
		if got := r.String(in); got != want {
			t.Fatalf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValueMasksKeysAndNestedStrings(t *testing.T) {
	t.Parallel()
	r := New("s3cr/t+Key==")
	in := map[string]any{"s3cr/t+Key==": 1.0, "[redacted]": 2.0, "list": []any{"x s3cr/t+Key==", true, nil}}
	got, _ := json.Marshal(r.Value(in))
	want := `{"[redacted]":2,"[redacted]'":1,"list":["x [redacted]",true,null]}`
	if string(got) != want && string(got) != `{"[redacted]":1,"[redacted]'":2,"list":["x [redacted]",true,null]}` {
		t.Fatalf("Value = %s, want %s (keys masked, none lost)", got, want)
	}
}

func TestCutQueries(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		`Get "https://api.example.com/v1/x?key=abc#frag": dial tcp: refused`: `Get "https://api.example.com/v1/x": dial tcp: refused`,
		"POST http://h:8080/p?a=1&b=2: status 502":                           "POST http://h:8080/p: status 502",
		"no url here? fine#": "no url here? fine#",
	}
	for in, want := range cases {
		if got := CutQueries(in); got != want {
			t.Fatalf("CutQueries(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkString compares redacting a 64 KiB JSON text with five
// secrets against the former strings.ReplaceAll of the raw values, on a
// text dense with escapes (three per 80 bytes: every view is built) and
// on a plain one (one escape per 8 KiB). cpu-ns/op is the process's CPU
// time per operation (getrusage), which a loaded machine inflates less
// than wall time.
func BenchmarkString(b *testing.B) {
	secrets := []string{"s3cr/t+Key==", "another-secret-value", "tok_0123456789abcdef", "p@ss w0rd!", "ZZZZZZZZZZZZ"}
	texts := map[string]string{
		"dense": strings.Repeat(`{"name":"report \u00e9.txt","url":"https://h/p?q=a%20b&r=s3cr%2Ft","n":12345},`, 900),
		"plain": strings.Repeat(strings.Repeat(`{"name":"report-2026.txt","id":"01BSUQW3Z","size":12345},`, 140)+
			`{"url":"https://h/p?q=a%20b"},`, 9),
	}
	r := New(secrets...)
	for _, kind := range []string{"dense", "plain"} {
		text := texts[kind]
		b.Run(kind+"/redact", func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			cpu := cpuTime()
			for b.Loop() {
				_ = r.String(text)
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
		b.Run(kind+"/replaceall-raw", func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			cpu := cpuTime()
			for b.Loop() {
				s := text
				for _, v := range secrets {
					s = strings.ReplaceAll(s, v, Mask)
				}
				_ = s
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime is the process's user and system CPU time so far, in ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
