package proxy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/proxy"
)

func TestListChildrenAndCreateFolderWithContentTypeAuto(t *testing.T) {
	t.Parallel()
	b := newBundle(t, bundleOpts{})
	resp, body := b.do(t, "POST", "/me/drive/root/children", []byte(` {"name":"Reports","folder":{}}`), "Content-Type", "auto")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create folder: %d %s", resp.StatusCode, body)
	}
	resp, body = b.do(t, "GET", "/me/drive/root/children", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	var list struct {
		Value []struct{ Name string } `json:"value"`
		// output must not wrap the answer
		Output any `json:"output"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(list.Value) != 1 || list.Value[0].Name != "Reports" || list.Output != nil {
		t.Fatalf("children = %s", body)
	}
	if resp.Header.Get("request-id") == "" {
		t.Fatalf("Graph's request-id header was not passed on")
	}
}

func TestContentTypeAutoBinaryUpload(t *testing.T) {
	t.Parallel()
	b := newBundle(t, bundleOpts{})
	data := []byte("plain bytes, not JSON")
	resp, body := b.do(t, "PUT", "/me/drive/root:/notes.txt:/content", data, "Content-Type", "auto")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	got, err := b.emu.ReadFile(b.emuUser.ID, "/notes.txt")
	mustDo(t, "read file", err)
	if !bytes.Equal(got, data) {
		t.Fatalf("stored %q, want %q", got, data)
	}
}

func TestDownloadFollowsRedirectWithoutToken(t *testing.T) {
	t.Parallel()
	b := newBundle(t, bundleOpts{emu: emulator.Options{RejectPreAuthAuthorization: true}})
	data := bytes.Repeat([]byte("0123456789"), 100_000)
	it, err := b.emu.WriteFile(b.emuUser.ID, "/big.bin", data)
	mustDo(t, "write file", err)

	resp, body := b.do(t, "GET", "/me/drive/items/"+it.ID+"/content", nil)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("download: %d, %d bytes, equal=%v", resp.StatusCode, len(body), bytes.Equal(body, data))
	}
	resp, body = b.do(t, "GET", "/me/drive/root:/big.bin:/content", nil, "Range", "bytes=10-29")
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, data[10:30]) {
		t.Fatalf("range: %d %q", resp.StatusCode, body)
	}
	if got, want := resp.Header.Get("Content-Range"), "bytes 10-29/1000000"; got != want {
		t.Fatalf("Content-Range = %q, want %q", got, want)
	}
	resp, _ = b.do(t, "GET", "/me/drive/items/"+it.ID+"/content", nil, proxy.HeaderRedirect, "manual")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), b.emu.PreAuthBaseURL) {
		t.Fatalf("manual redirect: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	c := b.emu.Counters()
	if c.PreAuthWithAuthorization != 0 || c.Routes["preauth.download"] != 2 {
		t.Fatalf("pre-authenticated host: %d with Authorization, %d downloads (want 0, 2)", c.PreAuthWithAuthorization, c.Routes["preauth.download"])
	}
}

func TestUploadSessionThroughTheProxy(t *testing.T) {
	t.Parallel()
	b := newBundle(t, bundleOpts{})
	resp, body := b.do(t, "POST", "/me/drive/root:/session.bin:/createUploadSession",
		[]byte(`{"item":{"@microsoft.graph.conflictBehavior":"replace"}}`), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create session: %d %s", resp.StatusCode, body)
	}
	var s struct{ UploadURL string }
	mustDo(t, "decode session", json.Unmarshal(body, &s))
	if !strings.HasPrefix(s.UploadURL, b.emu.PreAuthBaseURL) {
		t.Fatalf("uploadUrl %q is not on the pre-authenticated host", s.UploadURL)
	}
	data := bytes.Repeat([]byte{7}, 2*327680+100)
	for start := 0; start < len(data); start += 327680 {
		end := min(start+327680, len(data))
		req, _ := http.NewRequestWithContext(t.Context(), "PUT", s.UploadURL, bytes.NewReader(data[start:end]))
		req.Header.Set("Content-Range", "bytes "+itoa(start)+"-"+itoa(end-1)+"/"+itoa(len(data)))
		r, err := http.DefaultClient.Do(req)
		mustDo(t, "upload fragment", err)
		r.Body.Close()
		if r.StatusCode/100 != 2 {
			t.Fatalf("fragment at %d: %d", start, r.StatusCode)
		}
	}
	resp, body = b.do(t, "GET", "/me/drive/root:/session.bin:/content", nil)
	if resp.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Fatalf("download after session: %d, %d bytes", resp.StatusCode, len(body))
	}
}

func TestRefreshOnceAfter401ThenRetry(t *testing.T) {
	t.Parallel()
	b := newBundle(t, bundleOpts{proxy: func(p *proxy.Proxy) { p.MaxReplay = 64 << 10 }})
	b.emu.ExpireAccessTokens(b.emuUser.ID)
	resp, body := b.do(t, "PUT", "/me/drive/root:/small.txt:/content", []byte("replayed body"), "Content-Type", "text/plain")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("put after expiry: %d %s", resp.StatusCode, body)
	}
	if got := b.tokens.refreshes.Load(); got != 1 {
		t.Fatalf("refreshes = %d, want 1", got)
	}
	got, err := b.emu.ReadFile(b.emuUser.ID, "/small.txt")
	mustDo(t, "read", err)
	if string(got) != "replayed body" {
		t.Fatalf("stored %q after the replay", got)
	}
	// A body larger than MaxReplay is not retried: Graph's 401 passes on.
	b.emu.ExpireAccessTokens(b.emuUser.ID)
	resp, _ = b.do(t, "PUT", "/me/drive/root:/large.txt:/content", bytes.Repeat([]byte("x"), 100<<10), "Content-Type", "text/plain")
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != "" {
		t.Fatalf("large body after expiry: %d (want Graph's 401, without WWW-Authenticate)", resp.StatusCode)
	}
	// The next GET refreshes and succeeds.
	resp, _ = b.do(t, "GET", "/me/drive", nil)
	if resp.StatusCode != 200 || b.tokens.refreshes.Load() != 2 {
		t.Fatalf("get after expiry: %d, refreshes %d (want 200, 2)", resp.StatusCode, b.tokens.refreshes.Load())
	}
}

func TestDeadCredentialAnswers401WithStatusAndReason(t *testing.T) {
	t.Parallel()
	b := newBundle(t, bundleOpts{})
	b.tokens.failRefresh.Store(driveway.ReasonNeedsReauth)
	b.emu.ExpireAccessTokens(b.emuUser.ID)
	resp, body := b.do(t, "GET", "/me/drive", nil)
	want := `"credential":{"id":"` + b.cred.ID + `","status":"INVALID","reason":"needs_reauth"}`
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), want) {
		t.Fatalf("refresh refused: %d %s", resp.StatusCode, body)
	}
	// Later calls see the stored INVALID status without calling Graph.
	before := b.emu.Counters().Routes["graph.item"]
	resp, body = b.do(t, "GET", "/me/drive", nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), want) {
		t.Fatalf("dead credential: %d %s", resp.StatusCode, body)
	}
	if after := b.emu.Counters().Routes["graph.item"]; after != before {
		t.Fatalf("graph calls for a dead credential: %d", after-before)
	}
}

func TestCredentialSelection(t *testing.T) {
	t.Parallel()
	b := newBundle(t, bundleOpts{})
	ctx := t.Context()
	mustDo(t, "bob", b.store.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: projectID, ID: "bob"}))
	bobs := b.addCredential(t, "bob", driveway.CredentialValid, "")
	mustDo(t, "carol", b.store.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: projectID, ID: "carol"}))
	mustDo(t, "dave", b.store.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: projectID, ID: "dave"}))
	b.addCredential(t, "dave", driveway.CredentialInvalid, driveway.ReasonNeedsConsent)
	second := b.addCredential(t, userID, driveway.CredentialValid, "")

	cases := []struct {
		name, user string
		hdr        []string
		status     int
		contains   string
	}{
		{"several valid, none named", userID, nil, 400, proxy.HeaderCredential},
		{"named with the Driveway header", userID, []string{proxy.HeaderCredential, second.ID}, 200, `"driveType"`},
		{"named with the Paragon header", userID, []string{proxy.HeaderParagonCredential, b.cred.ID}, 200, `"driveType"`},
		{"another user's credential", userID, []string{proxy.HeaderCredential, bobs.ID}, 404, "no such OneDrive credential"},
		{"unknown credential", userID, []string{proxy.HeaderCredential, "cred_nope"}, 404, "no such OneDrive credential"},
		{"no credential", "carol", nil, 404, "not connected OneDrive"},
		{"only an invalid one", "dave", nil, 401, `"reason":"needs_consent"`},
		{"no principal", "", nil, 401, "user token is required"},
	}
	for _, tc := range cases {
		req, _ := http.NewRequestWithContext(ctx, "GET", b.proxyURL("/me/drive"), nil)
		if tc.user != "" {
			req.Header.Set("Authorization", "Bearer user-token-"+tc.user)
		}
		for i := 0; i+1 < len(tc.hdr); i += 2 {
			req.Header.Set(tc.hdr[i], tc.hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		mustDo(t, tc.name, err)
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(buf.String(), tc.contains) {
			t.Errorf("%s: %d %s (want %d containing %q)", tc.name, resp.StatusCode, buf.String(), tc.status, tc.contains)
		}
	}
	// Another project's path with Alice's token.
	req, _ := http.NewRequestWithContext(ctx, "GET", strings.Replace(b.proxyURL("/me/drive"), projectID, "prj_other", 1), nil)
	req.Header.Set("Authorization", "Bearer "+userToken)
	resp, err := http.DefaultClient.Do(req)
	mustDo(t, "other project", err)
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("other project: %d, want 401", resp.StatusCode)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestMatches(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]bool{
		"/projects/prj_1/sdk/proxy/onedrive/me/drive":                      true,
		"/projects/prj_1/sdk/proxy/onedrive/https://graph.microsoft.com/x": true,
		"/projects/prj_1/sdk/proxy/onedrive":                               true,
		"/projects/prj_1/sdk/proxy/dropbox/x":                              false,
		"/projects/prj_1/sdk/me":                                           false,
		"/x/projects/prj_1/sdk/proxy/onedrive/me":                          false,
	} {
		if got := proxy.Matches(path); got != want {
			t.Errorf("Matches(%q) = %v, want %v", path, got, want)
		}
	}
}

// throttledTokens fails as the credential Manager does when the token
// endpoint asked to wait.
type throttledTokens struct{}

func (throttledTokens) AccessToken(context.Context, string, string) (string, *driveway.Credential, error) {
	return "", nil, driveway.Errorf(driveway.ETHROTTLED, "Microsoft asked to wait")
}

func (throttledTokens) Invalidate(context.Context, string, string, string) (string, *driveway.Credential, error) {
	return "", nil, driveway.Errorf(driveway.ETHROTTLED, "Microsoft asked to wait")
}

func TestTokenEndpointThrottleAnswers429(t *testing.T) {
	t.Parallel()
	b := newBundle(t, bundleOpts{proxy: func(p *proxy.Proxy) {
		p.Tokens = throttledTokens{}
		p.TokenRetryAfter = func(error) time.Duration { return 7 * time.Second }
	}})
	resp, body := b.do(t, "GET", "me/drive", nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
		t.Fatalf("throttled refresh: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

// TestConcurrent401sShareOneRefresh: 40 calls in parallel hit Graph with
// an expired token; one refresh serves them all, and a 600 KiB body is
// replayed intact.
func TestConcurrent401sShareOneRefresh(t *testing.T) {
	t.Parallel()
	b := newBundle(t, bundleOpts{})
	b.emu.ExpireAccessTokens(b.emuUser.ID)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, body := b.do(t, "GET", "me/drive/root/children?i="+strconv.Itoa(i), nil); resp.StatusCode != 200 {
				t.Errorf("call %d: %d %s", i, resp.StatusCode, body)
			}
		}()
	}
	wg.Wait()
	if got := b.tokens.refreshes.Load(); got != 1 {
		t.Fatalf("refreshes = %d, want 1", got)
	}
	b.emu.ExpireAccessTokens(b.emuUser.ID)
	data := bytes.Repeat([]byte("0123456789abcdef"), 600<<10/16)
	resp, body := b.do(t, "PUT", "me/drive/root:/replayed.bin:/content", data, "Content-Type", "application/octet-stream")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("put: %d %s", resp.StatusCode, body)
	}
	got, err := b.emu.ReadFile(b.emuUser.ID, "/replayed.bin")
	mustDo(t, "read", err)
	if !bytes.Equal(got, data) || b.tokens.refreshes.Load() != 2 {
		t.Fatalf("replayed %d bytes (want %d equal), refreshes %d (want 2)", len(got), len(data), b.tokens.refreshes.Load())
	}
}

func TestFrontRoutesUncleanedPathsToTheProxy(t *testing.T) {
	t.Parallel()
	var gotPath, gotPID, rest string
	h := proxy.Front(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotPID = r.URL.EscapedPath(), r.PathValue("pid")
	}), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { rest = r.URL.Path }))
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, p := range []string{"/projects/prj_1/sdk/proxy/onedrive//evil/../x", "/projects/prj_1/sdk/me"} {
		resp, err := noRedirect.Get(srv.URL + p)
		mustDo(t, "get", err)
		resp.Body.Close()
	}
	if gotPath != "/projects/prj_1/sdk/proxy/onedrive//evil/../x" || gotPID != "prj_1" || rest != "/projects/prj_1/sdk/me" {
		t.Fatalf("proxy saw %q (pid %q), rest saw %q", gotPath, gotPID, rest)
	}
}
