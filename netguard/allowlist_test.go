package netguard_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway/netguard"
)

func TestParseAllowlist(t *testing.T) {
	t.Parallel()
	a, err := netguard.ParseAllowlist(" 10.20.0.0/16, 192.168.1.5 ,build.corp.internal, *.svc.cluster.local,fd12::/48")
	if err != nil {
		t.Fatal(err)
	}
	if got := a.String(); got != "10.20.0.0/16, 192.168.1.5/32, fd12::/48, build.corp.internal, *.svc.cluster.local" {
		t.Fatalf("parsed %q", got)
	}
	for _, bad := range []string{"169.254.169.254", "169.254.0.0/16", "0.0.0.0/0", "127.0.0.1", "::1", "localhost",
		"api.localhost", "224.0.0.1", "not a host!", "intranet", "10.0.0.0/33"} {
		if _, err := netguard.ParseAllowlist(bad); err == nil {
			t.Errorf("ParseAllowlist(%q) accepted it", bad)
		}
	}
}

func TestAllowlistPermits(t *testing.T) {
	t.Parallel()
	a, err := netguard.ParseAllowlist("10.0.0.0/8, build.corp.internal, *.svc.cluster.local")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		host, addr string
		want       bool
	}{
		{"", "10.1.2.3", true},
		{"", "::ffff:10.1.2.3", true},
		{"", "192.168.1.1", false},
		{"build.corp.internal", "192.168.7.7", true},
		{"BUILD.corp.internal.", "192.168.7.7", true},
		{"x.build.corp.internal", "192.168.7.7", false},
		{"api.svc.cluster.local", "172.16.0.9", true},
		{"svc.cluster.local", "172.16.0.9", false},
		{"build.corp.internal", "169.254.169.254", false}, // metadata, whatever the name
	} {
		if got := a.Permits(c.host, netip.MustParseAddr(c.addr)); got != c.want {
			t.Errorf("Permits(%q, %s) = %v, want %v", c.host, c.addr, got, c.want)
		}
	}
	wide := netguard.Allowlist{Prefixes: []netip.Prefix{netip.MustParsePrefix("169.254.0.0/16")}} // built by hand: Parse refuses it
	if wide.Permits("", netip.MustParseAddr("169.254.169.254")) {
		t.Fatal("a metadata address was permitted")
	}
}

// TestAllowPrivateReachesOnlyWhatIsListed drives real requests on
// loopback (the one private destination a test may reach; the allowlist is
// built by hand because ParseAllowlist refuses loopback): a listed address
// or host name is reached, an unlisted one is refused before any dial.
func TestAllowPrivateReachesOnlyWhatIsListed(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "internal") }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	resolver := fakeResolver{"svc.corp.test": {netip.MustParseAddr("127.0.0.1")}, "other.corp.test": {netip.MustParseAddr("127.0.0.1")}}
	get := func(allow netguard.Allowlist, url string) error {
		resp, err := netguard.NewClient(netguard.Config{Resolver: resolver, AllowPrivate: allow}).Get(url)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	byAddr := netguard.Allowlist{Prefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	byName := netguard.Allowlist{Hosts: []string{"svc.corp.test"}}
	if err := get(byAddr, srv.URL); err != nil {
		t.Fatalf("listed address refused: %v", err)
	}
	if err := get(byName, "http://svc.corp.test"+port); err != nil {
		t.Fatalf("listed host refused: %v", err)
	}
	var blocked *netguard.BlockedError
	for name, c := range map[string]struct {
		allow netguard.Allowlist
		url   string
	}{"no allowlist": {netguard.Allowlist{}, srv.URL}, "unlisted host": {byName, "http://other.corp.test" + port},
		"listed name, raw address": {byName, srv.URL}} {
		if err := get(c.allow, c.url); !errors.As(err, &blocked) {
			t.Errorf("%s: %v, want a BlockedError", name, err)
		}
	}
}
