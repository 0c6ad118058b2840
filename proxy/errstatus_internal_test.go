package proxy

import "testing"

// TestWithStatus: the status joins a JSON object; anything else, or an
// object that already has one, is left byte for byte.
func TestWithStatus(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"error":{"code":"itemNotFound"}}`, `{"error":{"code":"itemNotFound"},"statusCode":404}`},
		{`{"error":{},"statusCode":"x"}`, `{"error":{},"statusCode":"x"}`},
		{`["error"]`, `["error"]`},
		{`not json`, `not json`},
		{`null`, `null`},
	} {
		if got := string(withStatus([]byte(c.in), 404)); got != c.want {
			t.Errorf("withStatus(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}
