package proxy

import (
	"bytes"
	"compress/gzip"
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
