package connect_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/connect"
)

// TestURLCodes: a URL code is made only with the token in a header; it
// opens the oauth-nonce page once, or is traded for the token once; it is
// refused when spent, expired, made up or used in another project; one
// user holds at most MaxURLCodes.
func TestURLCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{autoConsent: true})
	pid, tok := e.project.ID, e.token("coder")
	newCode := func() string {
		t.Helper()
		st, b, _ := e.call("POST", "/projects/"+pid+"/sdk/actions/url-code", tok, nil)
		var out struct{ Code string }
		if st != http.StatusCreated || json.Unmarshal(b, &out) != nil || len(out.Code) < 40 || strings.Contains(string(b), tok) {
			t.Fatalf("url-code: %d %s", st, b)
		}
		return out.Code
	}
	if st, _, _ := e.call("POST", "/projects/"+pid+"/sdk/actions/url-code?userToken="+url.QueryEscape(tok), "", nil); st != http.StatusUnauthorized {
		t.Fatalf("url-code with the token in the query: %d, want 401", st)
	}
	nonce := func(project, code string) int {
		q := url.Values{"action": {"onedrive"}, "originForPostMessage": {appOrigin}, "code": {code}}
		st, _, _ := e.call("GET", "/projects/"+project+"/sdk/actions/oauth-nonce?"+q.Encode(), "", nil)
		return st
	}
	redeem := func(code string) (int, string) {
		st, b, _ := e.call("POST", "/projects/"+pid+"/sdk/actions/url-code/redeem", "", map[string]string{"code": code})
		return st, string(b)
	}
	c := newCode()
	if st := nonce(pid, c); st != http.StatusOK {
		t.Fatalf("oauth-nonce with a code: %d", st)
	}
	if st := nonce(pid, c); st != http.StatusUnauthorized {
		t.Fatalf("oauth-nonce with a spent code: %d, want 401", st)
	}
	c = newCode()
	if st, b := redeem(c); st != http.StatusOK || !strings.Contains(b, tok) {
		t.Fatalf("redeem: %d %s", st, b)
	}
	if st, _ := redeem(c); st != http.StatusUnauthorized {
		t.Fatalf("redeem a spent code: %d, want 401", st)
	}
	if st, _ := redeem("made-up-code"); st != http.StatusUnauthorized {
		t.Fatalf("redeem a made-up code: %d, want 401", st)
	}
	other := e.newProject("other", []string{appOrigin}).ID
	if st := nonce(other, newCode()); st != http.StatusUnauthorized {
		t.Fatalf("a code of another project: %d, want 401", st)
	}
	c = newCode()
	e.advance(connect.URLCodeLifetime + time.Second)
	if st := nonce(pid, c); st != http.StatusUnauthorized {
		t.Fatalf("an expired code: %d, want 401", st)
	}
	for range connect.MaxURLCodes {
		newCode()
	}
	if st, b, _ := e.call("POST", "/projects/"+pid+"/sdk/actions/url-code", tok, nil); st != http.StatusTooManyRequests || !strings.Contains(string(b), "URL codes") {
		t.Fatalf("a code past the bound: %d %s, want 429", st, b)
	}
}
