package webhook_test

import (
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/netguard"
	"github.com/drivewayhq/driveway/webhook"
)

func TestValidateURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		url      string
		loopback bool
		ok       bool
	}{
		{"https://app.example.com/hooks", false, true},
		{"https://app.example.com:8443/hooks?x=1", false, true},
		{"http://app.example.com/hooks", false, false},
		{"http://localhost:8080/hooks", false, false},
		{"https://localhost/hooks", false, false},
		{"https://127.0.0.1/hooks", false, false},
		{"https://[::1]/hooks", false, false},
		{"https://10.0.0.5/hooks", false, false},
		{"https://169.254.169.254/latest", false, false},
		{"https://user:pass@app.example.com/", false, false},
		{"https://app.example.com/#frag", false, false},
		{"ftp://app.example.com/", false, false},
		{"/relative", false, false},
		{"", false, false},
		{"http://localhost:8080/hooks", true, true},
		{"http://127.0.0.1:9/hooks", true, true},
		{"http://[::1]:9/hooks", true, true},
		{"http://10.0.0.5/hooks", true, false},
		{"http://app.example.com/hooks", true, false},
	}
	for _, c := range cases {
		err := webhook.ValidateURL(c.url, c.loopback, netguard.Allowlist{})
		if (err == nil) != c.ok {
			t.Errorf("ValidateURL(%q, loopback %v) = %v, want ok %v", c.url, c.loopback, err, c.ok)
		}
		if err != nil && driveway.ErrorCode(err) != driveway.EINVALID {
			t.Errorf("ValidateURL(%q): code %q, want invalid", c.url, driveway.ErrorCode(err))
		}
	}
}

func TestMatches(t *testing.T) {
	t.Parallel()
	cases := []struct {
		types []string
		kind  string
		want  bool
	}{
		{nil, "credential.connected", true},
		{[]string{"credential.connected"}, "credential.connected", true},
		{[]string{"credential.connected"}, "credential.reconnected", false},
		{[]string{"credential.*"}, "credential.status_changed", true},
		{[]string{"credential.*"}, "credentials.x", false},
		{[]string{"onedrive.file.*", "integration.alarm"}, "integration.alarm", true},
	}
	for _, c := range cases {
		if got := webhook.Matches(c.types, c.kind); got != c.want {
			t.Errorf("Matches(%v, %q) = %v, want %v", c.types, c.kind, got, c.want)
		}
	}
}

// TestValidateURLAllowlist: a private address is an endpoint only when the
// operator's allowlist names it.
func TestValidateURLAllowlist(t *testing.T) {
	t.Parallel()
	allow, err := netguard.ParseAllowlist("10.20.0.0/16")
	if err != nil {
		t.Fatal(err)
	}
	if err := webhook.ValidateURL("https://10.20.1.2/hooks", false, netguard.Allowlist{}); err == nil {
		t.Fatal("a private address was accepted without an allowlist")
	}
	if err := webhook.ValidateURL("https://10.20.1.2/hooks", false, allow); err != nil {
		t.Fatalf("an allowlisted address was refused: %v", err)
	}
	if err := webhook.ValidateURL("https://10.21.1.2/hooks", false, allow); err == nil {
		t.Fatal("an address outside the allowlist was accepted")
	}
}
