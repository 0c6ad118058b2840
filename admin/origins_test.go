package admin

import "testing"

func TestNormalizeOrigin(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"https://App.Example.com":      "https://app.example.com",
		"https://app.example.com/":     "https://app.example.com",
		"https://app.example.com:8443": "https://app.example.com:8443",
		"http://localhost:3000":        "http://localhost:3000",
		"http://127.0.0.1:5173":        "http://127.0.0.1:5173",
	}
	for in, want := range good {
		got, err := NormalizeOrigin(in)
		if err != nil || got != want {
			t.Errorf("NormalizeOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []string{
		"", "app.example.com", "https://", "http://app.example.com", "ftp://app.example.com",
		"https://app.example.com/path", "https://app.example.com?x=1", "https://app.example.com#x",
		"https://user@app.example.com", "https://*.example.com", "javascript:alert(1)",
		"https://app.example.com\\@evil.com", "//app.example.com", "data:text/html,hi", "https://app.example.com?",
	}
	for _, in := range bad {
		if got, err := NormalizeOrigin(in); err == nil {
			t.Errorf("NormalizeOrigin(%q) = %q, want an error", in, got)
		}
	}
}
