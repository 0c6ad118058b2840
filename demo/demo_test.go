package demo

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func newServer(t *testing.T, mint func(string) (string, error)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(Handler(Options{MintToken: mint, ProjectID: "p-1"}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func TestServesPageAndSDK(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	cases := []struct {
		path, wantType, wantBody string
	}{
		{"/demo/", "text/html", `src="app.js"`},
		{"/demo/app.js", "text/javascript", `from "./sdk/index.js"`},
		{"/demo/app.css", "text/css", "--accent"},
		{"/demo/sdk/index.js", "text/javascript", "export const driveway"},
		{"/demo/sdk/client.js", "text/javascript", "class DrivewayConnect"},
	}
	for _, c := range cases {
		res, body := get(t, srv.URL+c.path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", c.path, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, c.wantType) {
			t.Fatalf("GET %s: Content-Type %q, want %s", c.path, ct, c.wantType)
		}
		if !strings.Contains(body, c.wantBody) {
			t.Fatalf("GET %s: body lacks %q", c.path, c.wantBody)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Fatalf("GET %s: CSP %q", c.path, csp)
		}
	}
}

func TestNoListingsAndRedirect(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	for _, p := range []string{"/demo/sdk/", "/demo/sdk/missing.js", "/demo/static/"} {
		if res, _ := get(t, srv.URL+p); res.StatusCode != http.StatusNotFound {
			t.Fatalf("GET %s: status %d, want 404", p, res.StatusCode)
		}
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(srv.URL + "/demo")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/demo/" {
		t.Fatalf("GET /demo: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func postToken(t *testing.T, srv *httptest.Server, body string) (int, map[string]string) {
	t.Helper()
	res, err := http.Post(srv.URL+"/demo/token", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]string
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, out
}

func TestTokenRoute(t *testing.T) {
	t.Parallel()
	var minted []string
	srv := newServer(t, func(sub string) (string, error) {
		minted = append(minted, sub)
		if sub == "broken" {
			return "", errors.New("key file unreadable: /secret/path")
		}
		return "tok-for-" + sub, nil
	})
	status, out := postToken(t, srv, `{"sub":"demo-user"}`)
	if status != http.StatusOK || out["userToken"] != "tok-for-demo-user" || out["projectId"] != "p-1" {
		t.Fatalf("token: %d %v", status, out)
	}
	for _, bad := range []string{`{}`, `{"sub":""}`, `{"sub":"a b"}`, `{"sub":"` + strings.Repeat("x", 65) + `"}`, `not json`} {
		if status, _ := postToken(t, srv, bad); status != http.StatusBadRequest {
			t.Fatalf("token %s: status %d, want 400", bad, status)
		}
	}
	status, out = postToken(t, srv, `{"sub":"broken"}`)
	if status != http.StatusInternalServerError || strings.Contains(out["message"], "/secret/path") {
		t.Fatalf("mint failure: %d %v", status, out)
	}
	if got, want := strings.Join(minted, ","), "demo-user,broken"; got != want {
		t.Fatalf("minted for %q, want %q", got, want)
	}
}

func TestTokenWithoutProject(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(Handler(Options{}))
	defer srv.Close()
	if status, _ := postToken(t, srv, `{"sub":"u"}`); status != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", status)
	}
}
