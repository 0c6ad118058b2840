package proxy

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// DefaultMaxLinkRewrite bounds the JSON answer read whole to rewrite its
// links when Proxy.MaxLinkRewrite is zero.
const DefaultMaxLinkRewrite = 16 << 20

// linkKeys are the JSON keys whose value is a URL the client is meant to
// follow back to Graph: paging and delta links, in Graph's spelling and in
// OData's older ones. Everything else (download and upload URLs, webUrl,
// @odata.context) stays as Graph gives it.
var linkKeys = map[string]bool{
	"@odata.nextLink": true, "@odata.deltaLink": true, "odata.nextLink": true,
	"odata.deltaLink": true, "nextLink": true, "deltaLink": true,
}

// links rewrites URLs on the Graph base of one call into URLs of the proxy
// that lead to the same Graph path and query.
type links struct {
	graph  *url.URL // the Graph base (scheme, host, optional path)
	public string   // {origin}/projects/{pid}/sdk/proxy/onedrive/ (escaped)
}

// rewrite returns s on the proxy when s is an absolute URL on the Graph
// base under a known version ("https://graph.microsoft.com/v1.0/me/drive/
// root/children?$skiptoken=x" → "{public}v1.0/me/drive/root/children?
// $skiptoken=x"), else false.
func (l *links) rewrite(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.User != nil || u.Opaque != "" || !strings.EqualFold(u.Scheme, l.graph.Scheme) || !strings.EqualFold(u.Host, l.graph.Host) {
		return "", false
	}
	rest, ok := strings.CutPrefix(u.EscapedPath(), strings.TrimSuffix(l.graph.EscapedPath(), "/")+"/")
	if v, _, _ := strings.Cut(rest, "/"); !ok || !graphVersions[v] {
		return "", false
	}
	out := l.public + rest
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out, true
}

// ownPath strips the proxy's own prefix from a full URL sent as the Graph
// path (a rewritten nextLink given back to request()), so that it is
// checked and sent like any path; other input is returned as it is.
func (l *links) ownPath(rest string) string {
	lower := strings.ToLower(rest)
	for _, scheme := range []string{"https://", "http://"} {
		if strings.HasPrefix(lower, scheme) && strings.HasPrefix(lower, strings.ToLower(l.public)) {
			return rest[len(l.public):]
		}
	}
	return rest
}

// rewriteBody returns body with the value of every linkKeys key that
// rewrite accepts replaced, and whether anything changed. It works on the
// bytes: keys, order, numbers and spacing stay as Graph wrote them, nested
// $batch bodies are covered, and a "Link\"" inside a string value cannot
// match (its quote is escaped there).
func (l *links) rewriteBody(body []byte) ([]byte, bool) {
	var out []byte
	last := 0
	for i := 0; ; {
		j := bytes.Index(body[i:], []byte(`Link"`))
		if j < 0 {
			break
		}
		keyEnd := i + j + len(`Link"`)
		i = keyEnd
		start, end, ok := linkValue(body, keyEnd)
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(body[start:end], &s) != nil {
			continue
		}
		n, ok := l.rewrite(s)
		if !ok {
			continue
		}
		out = append(out, body[last:start]...)
		out = appendJSONString(out, n)
		last, i = end, end
	}
	if out == nil {
		return body, false
	}
	return append(out, body[last:]...), true
}

// linkValue finds, for a key whose closing quote ends at keyEnd, the
// bounds of its string value when the key is one of linkKeys.
func linkValue(body []byte, keyEnd int) (start, end int, ok bool) {
	open := bytes.LastIndexByte(body[:keyEnd-1], '"')
	if open < 0 || !linkKeys[string(body[open+1:keyEnd-1])] {
		return 0, 0, false
	}
	k := skipSpace(body, keyEnd)
	if k >= len(body) || body[k] != ':' {
		return 0, 0, false
	}
	k = skipSpace(body, k+1)
	if k >= len(body) || body[k] != '"' {
		return 0, 0, false
	}
	for e := k + 1; e < len(body); e++ {
		switch body[e] {
		case '\\':
			e++
		case '"':
			return k, e + 1, true
		}
	}
	return 0, 0, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// appendJSONString appends s as a JSON string, without HTML escaping.
func appendJSONString(dst []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return append(dst, bytes.TrimRight(buf.Bytes(), "\n")...)
}

// errNotRewritten: a JSON answer too large (or a gzip stream too broken)
// to rewrite streams on as Graph sent it.
var errNotRewritten = errors.New("graph answer over MaxLinkRewrite: its links were not rewritten")

// rewriteResponse rewrites the links of an answer of Graph itself (not of
// a download host) to lead back through the proxy: its Location header,
// and its body when it is JSON (plain or gzip) of at most max bytes and
// not a file's content. Any other body streams as it came.
func (l *links) rewriteResponse(resp *http.Response, max int64) error {
	if loc := resp.Header.Get("Location"); loc != "" {
		if n, ok := l.rewrite(loc); ok {
			resp.Header.Set("Location", n)
		}
	}
	if max < 0 || !rewritableBody(resp) {
		return nil
	}
	if resp.ContentLength > max {
		return errNotRewritten
	}
	raw, err := readBounded(resp, max)
	if err != nil {
		return err
	}
	if raw == nil {
		return errNotRewritten
	}
	body, _ := l.rewriteBody(raw)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	resp.Header.Del("Content-Encoding")
	return nil
}

// rewritableBody: a JSON answer of Graph, plain or gzip, not a file's
// content.
func rewritableBody(resp *http.Response) bool {
	if resp.Body == nil || resp.Body == http.NoBody || resp.Request == nil {
		return false
	}
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return false
	}
	if ce := strings.ToLower(resp.Header.Get("Content-Encoding")); ce != "" && ce != "identity" && ce != "gzip" {
		return false
	}
	p := resp.Request.URL.Path
	return !strings.HasSuffix(p, "/content") && !strings.HasSuffix(p, "/$value")
}

// readBounded reads the (decompressed) body whole. When it holds more than
// max bytes, the body is put back to stream as it came and nil returned.
func readBounded(resp *http.Response, max int64) ([]byte, error) {
	orig := resp.Body
	if strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		return readGzipBounded(resp, max)
	}
	raw, err := io.ReadAll(io.LimitReader(orig, max+1))
	if err != nil {
		return nil, fmt.Errorf("read graph answer: %w", err)
	}
	if int64(len(raw)) > max {
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(raw), orig), orig}
		return nil, nil
	}
	_ = orig.Close()
	return raw, nil
}

// readGzipBounded reads a gzip body of at most max compressed and max
// decompressed bytes; a larger one is put back as it came.
func readGzipBounded(resp *http.Response, max int64) ([]byte, error) {
	orig := resp.Body
	comp, err := io.ReadAll(io.LimitReader(orig, max+1))
	if err != nil {
		return nil, fmt.Errorf("read graph answer: %w", err)
	}
	putBack := func() { resp.Body = readCloser{io.MultiReader(bytes.NewReader(comp), orig), orig} }
	if int64(len(comp)) > max {
		putBack()
		return nil, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(comp))
	if err != nil {
		putBack()
		return nil, nil
	}
	raw, err := io.ReadAll(io.LimitReader(zr, max+1))
	if err != nil || int64(len(raw)) > max {
		putBack()
		return nil, nil
	}
	_ = orig.Close()
	return raw, nil
}
