package proxy

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

var testLinks = &links{graph: graphBase, public: "https://dw.example/projects/p1/sdk/proxy/onedrive/"}

func TestRewriteBody(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		// paging and delta links on Graph lead through the proxy, version kept
		`{"value":[],"@odata.nextLink":"https://graph.microsoft.com/v1.0/me/drive/root/children?$skiptoken=a&$top=2"}`: `{"value":[],"@odata.nextLink":"https://dw.example/projects/p1/sdk/proxy/onedrive/v1.0/me/drive/root/children?$skiptoken=a&$top=2"}`,
		`{"@odata.deltaLink" : "https://GRAPH.microsoft.com/beta/drives/b!x/root/delta?token=t"}`:                      `{"@odata.deltaLink" : "https://dw.example/projects/p1/sdk/proxy/onedrive/beta/drives/b!x/root/delta?token=t"}`,
		// a nested $batch body
		`{"responses":[{"id":"1","body":{"@odata.nextLink":"https:\/\/graph.microsoft.com\/v1.0\/me\/x"}}]}`: `{"responses":[{"id":"1","body":{"@odata.nextLink":"https://dw.example/projects/p1/sdk/proxy/onedrive/v1.0/me/x"}}]}`,
	}
	for in, want := range cases {
		got, changed := testLinks.rewriteBody([]byte(in))
		if string(got) != want || !changed {
			t.Errorf("%s\n got %s\nwant %s", in, got, want)
		}
	}
	same := []string{
		// other hosts, schemes, userinfo, no version, download URLs, names
		`{"@odata.nextLink":"https://evil.example/v1.0/me"}`,
		`{"@odata.nextLink":"http://graph.microsoft.com/v1.0/me"}`,
		`{"@odata.nextLink":"https://x@graph.microsoft.com/v1.0/me"}`,
		`{"@odata.nextLink":"https://graph.microsoft.com/v2.0/me"}`,
		`{"@microsoft.graph.downloadUrl":"https://graph.microsoft.com/v1.0/me","uploadUrl":"https://graph.microsoft.com/v1.0/x"}`,
		`{"name":"@odata.nextLink","description":"\"@odata.nextLink\":\"https://graph.microsoft.com/v1.0/me\""}`,
		`{"name":"odata.nextLink"}`, `{"@odata.nextLink":42}`, `{"@odata.nextLink":"unterminated`, `nextLink"`,
	}
	for _, in := range same {
		if got, changed := testLinks.rewriteBody([]byte(in)); changed || string(got) != in {
			t.Errorf("%s was changed to %s", in, got)
		}
	}
}

func TestRewriteResponseGzipAndLocation(t *testing.T) {
	t.Parallel()
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	_, _ = zw.Write([]byte(`{"@odata.nextLink":"https://graph.microsoft.com/v1.0/me/drive/root/children?$skiptoken=z"}`))
	_ = zw.Close()
	req := &http.Request{URL: &url.URL{Scheme: "https", Host: "graph.microsoft.com", Path: "/v1.0/me/drive/root/children"}}
	resp := &http.Response{StatusCode: 200, Request: req, Body: io.NopCloser(&zb), ContentLength: int64(zb.Len()),
		Header: http.Header{"Content-Type": {"application/json;odata.metadata=minimal"}, "Content-Encoding": {"gzip"},
			"Location": {"https://graph.microsoft.com/v1.0/me/drive/items/1"}}}
	if err := testLinks.rewriteResponse(resp, 1<<20); err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), `"https://dw.example/projects/p1/sdk/proxy/onedrive/v1.0/me/drive/root/children?$skiptoken=z"`) ||
		resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Fatalf("gzip answer: %s %v", body, resp.Header)
	}
	if got := resp.Header.Get("Location"); got != "https://dw.example/projects/p1/sdk/proxy/onedrive/v1.0/me/drive/items/1" {
		t.Fatalf("Location = %q", got)
	}
}

func TestOwnPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://dw.example/projects/p1/sdk/proxy/onedrive/v1.0/me/drive": "v1.0/me/drive",
		"HTTPS://DW.EXAMPLE/projects/p1/sdk/proxy/onedrive/beta/me":       "beta/me",
		"https://dw.example/projects/p2/sdk/proxy/onedrive/v1.0/me":       "https://dw.example/projects/p2/sdk/proxy/onedrive/v1.0/me",
		"https://evil.example/projects/p1/sdk/proxy/onedrive/v1.0/me":     "https://evil.example/projects/p1/sdk/proxy/onedrive/v1.0/me",
		"me/drive": "me/drive",
	} {
		if got := testLinks.ownPath(in); got != want {
			t.Errorf("ownPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecodableEncodings(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"gzip, deflate, br": "gzip", "br": "", "identity": "", "": ""} {
		h := http.Header{}
		if in != "" {
			h.Set("Accept-Encoding", in)
		}
		decodableEncodings(h)
		if got := h.Get("Accept-Encoding"); got != want {
			t.Errorf("Accept-Encoding %q → %q, want %q", in, got, want)
		}
	}
}

// FuzzRewriteLink: whatever Graph puts in a link, a rewritten link is on
// the proxy's origin under the proxy route.
func FuzzRewriteLink(f *testing.F) {
	for _, s := range []string{"https://graph.microsoft.com/v1.0/me?$skiptoken=x", "https://graph.microsoft.com/v1.0//evil.example/x",
		"https://graph.microsoft.com/beta/../../x", "https://graph.microsoft.com/v1.0/@evil.example", "https://graph.microsoft.com/v1.0/%2f%2fevil",
		"https://graph.microsoft.com/v1.0/x#@evil.example/", "https://graph.microsoft.com/v1.0/x?next=https://evil.example/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, ok := testLinks.rewrite(s)
		if !ok {
			return
		}
		u, err := url.Parse(out)
		if err != nil || u.Scheme != "https" || u.Host != "dw.example" || u.User != nil ||
			!strings.HasPrefix(out, "https://dw.example/projects/p1/sdk/proxy/onedrive/") {
			t.Fatalf("%q → %q (%v)", s, out, err)
		}
	})
}

// BenchmarkRewriteBody measures the CPU cost of rewriting one page of 50
// children (about 30 KB of JSON with an @odata.nextLink) against only
// reading the same bytes into a buffer (what a proxy that buffered without
// rewriting would pay): the ratio is CPU, insensitive to the network.
// Run: go test -run XXX -bench BenchmarkRewriteBody -count 5 ./proxy
func BenchmarkRewriteBody(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#drives('b!x')/items('01R')/children","value":[`)
	for i := range 50 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"@microsoft.graph.downloadUrl":"https://contoso-my.sharepoint.com/personal/x/_layouts/15/download.aspx?UniqueId=%d&Translate=false&tempauth=v1.eyJhdWQiOiIwMDAwMDAwMy0wMDAw","createdDateTime":"2026-03-01T12:00:00Z","eTag":"\"{A1B2C3D4-%04d},1\"","id":"01RABCDEFGHIJKLMNOPQRSTUVWX%04d","lastModifiedDateTime":"2026-03-01T12:00:00Z","name":"file %03d.txt","webUrl":"https://contoso-my.sharepoint.com/personal/x/Documents/file%%20%03d.txt","cTag":"\"c:{A1B2},1\"","size":1,"createdBy":{"user":{"email":"adele@contoso.com","id":"0f1e2d3c","displayName":"Adele Vance"}},"parentReference":{"driveType":"business","driveId":"b!x","id":"01R","path":"/drive/root:/many"},"file":{"mimeType":"text/plain","hashes":{"quickXorHash":"AAAAAAAAAAAAAAAAAAAAAAAAAAA="}},"fileSystemInfo":{"createdDateTime":"2026-03-01T12:00:00Z","lastModifiedDateTime":"2026-03-01T12:00:00Z"}}`, i, i, i, i, i)
	}
	sb.WriteString(`],"@odata.nextLink":"https://graph.microsoft.com/v1.0/drives/b!x/items/01R/children?$skiptoken=UGFnZWQ9VFJVRSZwX0lEPTUw"}`)
	page := []byte(sb.String())
	b.Logf("page: %d bytes", len(page))
	b.Run("read", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		for range b.N {
			_, _ = io.ReadAll(bytes.NewReader(page))
		}
	})
	b.Run("read+rewrite", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		for range b.N {
			raw, _ := io.ReadAll(bytes.NewReader(page))
			if _, changed := testLinks.rewriteBody(raw); !changed {
				b.Fatal("nothing rewritten")
			}
		}
	})
}
