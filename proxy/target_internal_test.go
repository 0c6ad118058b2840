package proxy

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway/microsoft"
)

var graphBase = &url.URL{Scheme: "https", Host: "graph.microsoft.com"}

func TestBuildTargetAccepts(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"me/drive/root/children":                           "https://graph.microsoft.com/v1.0/me/drive/root/children",
		"/me/drive/root:/My%20File.txt:/content":           "https://graph.microsoft.com/v1.0/me/drive/root:/My%20File.txt:/content",
		"drives/b!x1/items/01ABC":                          "https://graph.microsoft.com/v1.0/drives/b!x1/items/01ABC",
		"https://graph.microsoft.com/v1.0/me/drive":        "https://graph.microsoft.com/v1.0/me/drive",
		"https:/graph.microsoft.com/v1.0/me/drive":         "https://graph.microsoft.com/v1.0/me/drive",
		"v1.0/me/drive/root":                               "https://graph.microsoft.com/v1.0/me/drive/root",
		"$batch":                                           "https://graph.microsoft.com/v1.0/$batch",
		"me/drive/root/search(q='report')":                 "https://graph.microsoft.com/v1.0/me/drive/root/search(q='report')",
		"me/drive/items/root:/a%23b.txt:":                  "https://graph.microsoft.com/v1.0/me/drive/items/root:/a%23b.txt:",
		"users/0f1e2d3c-0000-4000-8000-000000000000/drive": "https://graph.microsoft.com/v1.0/users/0f1e2d3c-0000-4000-8000-000000000000/drive",
		// issue 12: UPNs, beta, sites by path, shares, search/query, any name
		"users/alex@contoso.com/drive":                                "https://graph.microsoft.com/v1.0/users/alex@contoso.com/drive",
		"users('alex@contoso.com')/drive":                             "https://graph.microsoft.com/v1.0/users('alex@contoso.com')/drive",
		"users/alex_fabrikam.com%23EXT%23@contoso.com":                "https://graph.microsoft.com/v1.0/users/alex_fabrikam.com%23EXT%23@contoso.com",
		"beta/me/drive/root/children":                                 "https://graph.microsoft.com/beta/me/drive/root/children",
		"https://graph.microsoft.com/beta/me/drive":                   "https://graph.microsoft.com/beta/me/drive",
		"sites/root/drive":                                            "https://graph.microsoft.com/v1.0/sites/root/drive",
		"sites/contoso.sharepoint.com:/sites/team:/drive":             "https://graph.microsoft.com/v1.0/sites/contoso.sharepoint.com:/sites/team:/drive",
		"shares/u!aHR0cHM6Ly9jb250b3NvLnNoYXJlcG9pbnQuY29t/driveItem": "https://graph.microsoft.com/v1.0/shares/u!aHR0cHM6Ly9jb250b3NvLnNoYXJlcG9pbnQuY29t/driveItem",
		"search/query": "https://graph.microsoft.com/v1.0/search/query",
		"beta/$batch":  "https://graph.microsoft.com/beta/$batch",
		"me/drive/root:/invoice@acme.pdf:/content":      "https://graph.microsoft.com/v1.0/me/drive/root:/invoice@acme.pdf:/content",
		"me/drive/root:/a%23b%25c+d%20e.txt:/content":   "https://graph.microsoft.com/v1.0/me/drive/root:/a%23b%25c+d%20e.txt:/content",
		"me/drive/root:/50%252f%252e%252e.txt:":         "https://graph.microsoft.com/v1.0/me/drive/root:/50%252f%252e%252e.txt:",
		"me/drive/root:/%C3%9Cn%C3%AF%20%E6%96%87.txt:": "https://graph.microsoft.com/v1.0/me/drive/root:/%C3%9Cn%C3%AF%20%E6%96%87.txt:",
		"me/drive/root:/a.b%2e.txt:":                    "https://graph.microsoft.com/v1.0/me/drive/root:/a.b%2e.txt:",
	}
	for in, want := range cases {
		u, err := buildTarget(in, "", graphBase)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if u.String() != want {
			t.Errorf("%q → %q, want %q", in, u.String(), want)
		}
	}
}

func TestBuildTargetRefuses(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"v2.0/me", "beta", "beta/", "https://graph.microsoft.com/v2.0/me", "https://graph.microsoft.com/me",
		"me/drive/items/root%3A%2F..%2F..%2Fx%3A", "%2fevil.example/me", "me/drive/root:/a%5cb:", "me/%2e%2e/x", "me/drive/root:/a#b:", "beta/../me", "users/a@b/../../x",
		"evil.example/v1.0/me", "beta//evil.example/me", "v1.0/https://evil.example/v1.0/me"} {
		if u, err := buildTarget(in, "", graphBase); err == nil {
			t.Errorf("%q accepted as %s", in, u)
		}
	}
}

// TestBuildTargetUnderABasePath: a Graph base with a path (the emulator
// under /_ms in dev) keeps it, and a full URL must carry it.
func TestBuildTargetUnderABasePath(t *testing.T) {
	t.Parallel()
	base := &url.URL{Scheme: "http", Host: "localhost:8080", Path: "/_ms"}
	for in, want := range map[string]string{"me/drive": "http://localhost:8080/_ms/v1.0/me/drive",
		"http://localhost:8080/_ms/beta/me": "http://localhost:8080/_ms/beta/me"} {
		u, err := buildTarget(in, "", base)
		if err != nil || u.String() != want {
			t.Errorf("%q → %v %v, want %s", in, u, err, want)
		}
	}
	if _, err := buildTarget("http://localhost:8080/v1.0/me", "", base); err == nil {
		t.Errorf("a full URL without the base path was accepted")
	}
}

func TestBuildTargetQuery(t *testing.T) {
	t.Parallel()
	u, err := buildTarget("me/drive/root/children", "$select=id,name&userToken=eyJ.secret&$top=5", graphBase)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	if got, want := u.RawQuery, "$select=id,name&$top=5"; got != want {
		t.Fatalf("query = %q, want %q", got, want)
	}
}

func TestDownloadHostAllowed(t *testing.T) {
	t.Parallel()
	p := &Proxy{}
	cases := map[string]bool{
		"https://contoso-my.sharepoint.com/personal/x/_layouts/15/download.aspx?x=1": true,
		"https://my.microsoftpersonalcontent.com/personal/abc/_layouts/15/download":  true,
		"https://public.sn.files.1drv.com/y4m":                                       true,
		"https://sharepoint.com/x":                                                   false,
		"https://evil-sharepoint.com/x":                                              false,
		"https://contoso.sharepoint.com.evil.example/x":                              false,
		"http://contoso.sharepoint.com/x":                                            false,
		"https://contoso.sharepoint.com:8443/x":                                      false,
		"https://graph.microsoft.com/v1.0/me":                                        false,
		"https://contoso.sharepoint.us/x":                                            false,
	}
	for raw, want := range cases {
		u, _ := url.Parse(raw)
		if got := p.downloadHostAllowed(u, "global"); got != want {
			t.Errorf("%s: allowed=%v, want %v", raw, got, want)
		}
	}
	emu := &Proxy{Resolver: microsoft.Resolver{Override: &microsoft.Endpoints{}}, DownloadHosts: []string{"127.0.0.1:9090"}}
	for raw, want := range map[string]bool{"http://127.0.0.1:9090/_preauth/download/x": true,
		"http://127.0.0.1:9091/x": false, "https://contoso.sharepoint.com/x": false} {
		u, _ := url.Parse(raw)
		if got := emu.downloadHostAllowed(u, "global"); got != want {
			t.Errorf("emulator %s: allowed=%v, want %v", raw, got, want)
		}
	}
}

// FuzzBuildTarget: whatever the path and query, the target is on the
// base's scheme and host, under /v1.0/, with no dot segment.
func FuzzBuildTarget(f *testing.F) {
	for _, s := range []string{"me/drive", "//evil/x", "https://graph.microsoft.com/v1.0/me", "%2e%2e/x", "me/%252f", "a\\b", "https:evil"} {
		f.Add(s, "a=b")
	}
	f.Fuzz(func(t *testing.T, path, query string) {
		u, err := buildTarget(path, query, graphBase)
		if err != nil {
			return
		}
		if u.Scheme != "https" || u.Host != "graph.microsoft.com" || !strings.HasPrefix(u.Path, "/v1.0/") {
			t.Fatalf("%q → %s", path, u)
		}
		r, err := url.Parse(u.String())
		if err != nil || r.Host != "graph.microsoft.com" {
			t.Fatalf("%q → %s re-parses to host %v (%v)", path, u, r, err)
		}
		for _, seg := range strings.Split(u.Path, "/") {
			if seg == ".." || seg == "." {
				t.Fatalf("%q → dot segment in %s", path, u.Path)
			}
		}
	})
}

func TestStripRequestHeaders(t *testing.T) {
	t.Parallel()
	h := http.Header{"Authorization": {"Bearer user"}, "authorization": {"x"}, "X_forwarded_host": {"evil"},
		"Proxy-Authorization": {"Basic x"}, "X-Forwarded-For": {"1.2.3.4"}, "Cookie": {"a=b"}, "X-Paragon-Credential": {"c"},
		"Range": {"bytes=0-1"}, "Prefer": {"respond-async"}, "If-Match": {"\"e\""}, "Content-Type": {"text/plain"}}
	stripRequestHeaders(h)
	if len(h) != 4 || h.Get("Range") == "" || h.Get("Prefer") == "" || h.Get("If-Match") == "" || h.Get("Content-Type") == "" {
		t.Fatalf("kept %v", h)
	}
}
