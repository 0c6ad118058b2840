package clientip

import (
	"net/http/httptest"
	"testing"
)

func TestAddrTrustsOnlyConfiguredProxies(t *testing.T) {
	t.Parallel()
	trusted, err := ParsePrefixes("10.0.0.0/8, 2001:db8:ffff::1")
	if err != nil {
		t.Fatal(err)
	}
	res := &Resolver{Trusted: trusted}
	for _, tc := range []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"no proxy", "203.0.113.7:5000", nil, "203.0.113.7"},
		{"header from an untrusted peer is ignored", "203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},
		{"through a trusted proxy", "10.1.2.3:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a forged hop left of the real client is ignored", "10.1.2.3:5000", []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1"},
		{"two trusted proxies", "10.1.2.3:5000", []string{"198.51.100.1", "10.9.9.9"}, "198.51.100.1"},
		{"garbage from a trusted proxy", "10.1.2.3:5000", []string{"nonsense"}, "10.1.2.3"},
		{"IPv6 through a trusted IPv6 proxy", "[2001:db8:ffff::1]:443", []string{"2001:db8:1:2:3:4:5:6"}, "2001:db8:1:2:3:4:5:6"},
		{"IPv4-mapped remote", "[::ffff:203.0.113.7]:5000", nil, "203.0.113.7"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := res.Addr(r).String(); got != tc.want {
			t.Errorf("%s: client %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestKeyGroupsAnIPv6Slash64(t *testing.T) {
	t.Parallel()
	a, b := httptest.NewRequest("GET", "/", nil), httptest.NewRequest("GET", "/", nil)
	a.RemoteAddr, b.RemoteAddr = "[2001:db8:1:2::1]:1", "[2001:db8:1:2:ffff:ffff:ffff:ffff]:1"
	var res *Resolver
	if ka, kb := res.Key(a), res.Key(b); ka != kb || ka != "2001:db8:1:2::/64" {
		t.Fatalf("keys %q and %q, want both 2001:db8:1:2::/64", ka, kb)
	}
	b.RemoteAddr = "[2001:db8:1:3::1]:1"
	if res.Key(a) == res.Key(b) {
		t.Fatal("two /64 networks share a key")
	}
}

func TestParsePrefixesRejectsGarbage(t *testing.T) {
	t.Parallel()
	if _, err := ParsePrefixes("10.0.0.0/8, proxy.example.com"); err == nil {
		t.Fatal("a host name was accepted as a trusted proxy")
	}
}
