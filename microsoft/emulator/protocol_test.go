package emulator

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
	"time"
)

func TestMustHave14_ErrorEnvelope(t *testing.T) {
	t.Parallel()
	for _, lower := range []bool{false, true} {
		f := newFixture(t, Options{InnerErrorLowercase: lower})
		code, m := f.call("GET", "/me/drive/root:/missing.txt", f.tokB, nil, "client-request-id", "abc-123")
		want(t, "status", code, 404)
		errObj := m["error"].(map[string]any)
		want(t, "code", errObj["code"].(string), "itemNotFound")
		key := "innerError"
		if lower {
			key = "innererror"
		}
		inner, ok := errObj[key].(map[string]any)
		if !ok {
			t.Fatalf("no %s in %v", key, errObj)
		}
		want(t, "client-request-id", inner["client-request-id"].(string), "abc-123")
		if inner["request-id"] == "" || inner["date"] == "" {
			t.Fatalf("inner error lacks request-id/date: %v", inner)
		}
		code, m = f.call("GET", "/me/drive", "bogus", nil)
		want(t, "bad token status", code, 401)
		want(t, "gateway code", errCode(m), "InvalidAuthenticationToken")
	}
}

func TestMustHave15_HeadersAndContentType(t *testing.T) {
	f := setup(t, Options{})
	resp := f.req("GET", "/me/drive/root", f.tokB, nil, "client-request-id", "my-id")
	resp.Body.Close()
	want(t, "client-request-id echo", resp.Header.Get("client-request-id"), "my-id")
	if resp.Header.Get("request-id") == "" {
		t.Fatal("no request-id")
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json;odata.metadata=minimal") {
		t.Fatalf("content type %q", ct)
	}
	resp = f.req("GET", "/me/drive/root", f.tokB, nil)
	resp.Body.Close()
	want(t, "client-request-id defaults to request-id", resp.Header.Get("client-request-id"), resp.Header.Get("request-id"))
}

func TestMustHave16_FaultInjection(t *testing.T) {
	f := setup(t, Options{})
	f.s.AddFault(Fault{Route: "graph", Status: 429, RetryAfter: 7, Count: 1})
	resp := f.req("GET", "/me/drive/root", f.tokB, nil)
	body := readAll(resp.Body)
	resp.Body.Close()
	want(t, "429", resp.StatusCode, 429)
	want(t, "Retry-After", resp.Header.Get("Retry-After"), "7")
	if !strings.Contains(body, `"activityLimitReached"`) || !strings.Contains(body, `"throttledRequest"`) {
		t.Fatalf("429 body %s", body)
	}
	code, _ := f.call("GET", "/me/drive/root", f.tokB, nil)
	want(t, "after count", code, 200)
	f.s.AddFault(Fault{Route: "graph.children", Status: 503, Every: 2})
	codes := ""
	for range 4 {
		c, _ := f.call("GET", "/me/drive/root/children", f.tokB, nil)
		codes += " " + itoa(c)
	}
	want(t, "every second children call fails", codes, " 200 503 200 503")
	f.s.ClearFaults()
	for _, st := range []int{500, 502, 504, 507, 509} {
		f.s.AddFault(Fault{Status: st, Count: 1})
		c, m := f.call("GET", "/me/drive/root", f.tokB, nil)
		want(t, "status", c, st)
		if errCode(m) == "" {
			t.Fatalf("%d without error code", st)
		}
	}
	f.s.AddFault(Fault{Route: "graph", Delay: 30 * time.Millisecond, Count: 1})
	start := time.Now()
	c, _ := f.call("GET", "/me/drive/root", f.tokB, nil)
	want(t, "slow status", c, 200)
	if time.Since(start) < 30*time.Millisecond {
		t.Fatal("slow fault did not delay")
	}
	want(t, "counted route", f.s.Counters().Routes["graph.children"], 4)
}

func TestMustHave17_GzipRequestBodies(t *testing.T) {
	f := setup(t, Options{})
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(`{"name":"Zipped","folder":{}}`))
	_ = zw.Close()
	code, m := f.call("POST", "/me/drive/root/children", f.tokB, buf.Bytes(), "Content-Encoding", "gzip", "Content-Type", "application/json")
	want(t, "status", code, 201)
	want(t, "name", str(m, "name"), "Zipped")
}

func TestMustHave18_AccessTokenExpiry(t *testing.T) {
	f := setup(t, Options{AccessTokenLifetime: 30 * time.Second})
	tok, _ := f.s.IssueAccessToken(f.biz.ID, f.app.ClientID, "Files.ReadWrite.All")
	code, _ := f.call("GET", "/me/drive", tok, nil)
	want(t, "fresh", code, 200)
	f.clock.Advance(31 * time.Second)
	code, m := f.call("GET", "/me/drive", tok, nil)
	want(t, "expired", code, 401)
	want(t, "expired code", errCode(m), "InvalidAuthenticationToken")
	want(t, "expired message", str(m, "error", "message"), "Access token has expired or is not yet valid.")
}

func TestMustHave25_CloudBoundTokens(t *testing.T) {
	f := setup(t, Options{CloudHosts: map[string]string{"127.0.0.1": "usgov"}})
	code, _ := f.call("GET", "/me/drive", f.tokB, nil)
	want(t, "global host", code, 200)
	code, m := f.call("GET", f.s.PreAuthBaseURL+"/v1.0/me/drive", f.tokB, nil)
	want(t, "usgov host with a global token", code, 401)
	want(t, "code", errCode(m), "InvalidAuthenticationToken")
}

func TestMustHave16_RetryAfterWindow(t *testing.T) {
	f := setup(t, Options{})
	f.s.AddFault(Fault{Route: "graph", Status: 429, RetryAfter: 60, Count: 1, Hold: true})
	code, _ := f.call("GET", "/me/drive/root", f.tokB, nil)
	want(t, "first", code, 429)
	resp := f.req("GET", "/me/drive/root/children", f.tokB, nil)
	resp.Body.Close()
	want(t, "held throttle", resp.StatusCode, 429)
	if ra := resp.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("held Retry-After %q", ra)
	}
	want(t, "requests during Retry-After", f.s.Counters().RequestsDuringRetryAfter, 1)
	f.s.ClearFaults()
	code, _ = f.call("GET", "/me/drive/root", f.tokB, nil)
	want(t, "after clearing", code, 200)
}

func TestScopesAreEnforced(t *testing.T) {
	f := setup(t, Options{})
	ro, _ := f.s.IssueAccessToken(f.biz.ID, f.app.ClientID, "https://graph.microsoft.com/Files.Read", "User.Read")
	code, _ := f.call("GET", "/me/drive/root/children", ro, nil)
	want(t, "read with Files.Read", code, 200)
	code, m := f.call("POST", "/me/drive/root/children", ro, map[string]any{"name": "x", "folder": map[string]any{}})
	want(t, "write with Files.Read", code, 403)
	want(t, "code", errCode(m), "accessDenied")
	none, _ := f.s.IssueAccessToken(f.biz.ID, f.app.ClientID, "User.Read")
	code, _ = f.call("GET", "/me/drive/root", none, nil)
	want(t, "read with User.Read only", code, 403)
}

func TestTokenEndpointFault(t *testing.T) {
	f := setup(t, Options{})
	f.s.AddFault(Fault{Route: "identity.token", Status: 503, RetryAfter: 1, Count: 1})
	code, _ := f.call("GET", "/me/drive", f.tokB, nil)
	want(t, "graph unaffected", code, 200)
	cc := f.clientCredentials(f.tenant.ID, f.app.Secrets[0].Value)
	want(t, "error", cc["error"], any("temporarily_unavailable"))
	cc = f.clientCredentials(f.tenant.ID, f.app.Secrets[0].Value)
	if cc["access_token"] == nil {
		t.Fatalf("second call %v", cc)
	}
}
