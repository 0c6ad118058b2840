package netguard_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/drivewayhq/driveway/netguard"
)

// TestCheck runs the address rule over a table. It dials nothing: the
// public addresses below are only parsed.
func TestCheck(t *testing.T) {
	t.Parallel()
	cases := []struct {
		addr string
		rng  string // "" means allowed
	}{
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"10.0.0.1", "private network"},
		{"172.16.0.1", "private network"},
		{"172.31.255.255", "private network"},
		{"192.168.1.1", "private network"},
		{"::ffff:10.1.2.3", "private network"},
		{"::ffff:192.168.0.1", "private network"},
		{"fc00::1", "unique local"},
		{"fd12:3456::1", "unique local"},
		{"169.254.169.254", "link-local"},
		{"::ffff:169.254.169.254", "link-local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"100.127.255.255", "carrier-grade NAT"},
		{"::ffff:100.64.0.1", "carrier-grade NAT"},
		{"0.0.0.0", "this network"},
		{"0.1.2.3", "this network"},
		{"::", "unspecified"},
		{"::ffff:0.0.0.0", "this network"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"255.255.255.255", "broadcast"},
		{"240.0.0.1", "reserved"},
		{"192.0.2.10", "documentation"},
		{"198.51.100.7", "documentation"},
		{"203.0.113.9", "documentation"},
		{"2001:db8::1", "documentation"},
		{"198.18.0.1", "benchmarking"},
		{"198.19.255.255", "benchmarking"},
		{"64:ff9b::7f00:1", "NAT64"},
		{"64:ff9b::a9fe:a9fe", "NAT64"},
		{"2002:7f00:1::1", "6to4"},
		{"::127.0.0.1", "IPv4-compatible"},
		{"fec0::1", "site-local"},
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"100.63.255.255", ""},
		{"100.128.0.0", ""},
		{"172.32.0.1", ""},
		{"169.253.255.255", ""},
		{"::ffff:8.8.8.8", ""},
		{"2606:4700:4700::1111", ""},
		{"2a00:1450:4001::200e", ""},
	}
	for _, c := range cases {
		err := netguard.Check(netip.MustParseAddr(c.addr))
		var be *netguard.BlockedError
		switch {
		case c.rng == "" && err != nil:
			t.Errorf("Check(%s) = %v, want allowed", c.addr, err)
		case c.rng != "" && !errors.As(err, &be):
			t.Errorf("Check(%s) = %v, want refused as %s", c.addr, err, c.rng)
		case c.rng != "" && be.Range != c.rng:
			t.Errorf("Check(%s) range = %q, want %q", c.addr, be.Range, c.rng)
		}
	}
}

func TestCheckInvalid(t *testing.T) {
	t.Parallel()
	if err := netguard.Check(netip.Addr{}); err == nil {
		t.Fatal("Check(invalid) = nil, want refused")
	}
}
