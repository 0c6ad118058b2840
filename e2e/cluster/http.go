package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// noRedirect follows no redirect: the install flow reads each Location.
var noRedirect = &http.Client{Timeout: 30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// Do sends a request with the bearer token (none when "") and header
// pairs, and returns the status, headers and body.
func Do(ctx context.Context, method, u, token string, body []byte, hdr ...string) (int, http.Header, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return 0, nil, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, raw, err
}

// AddUser creates a personal account in the emulator and returns its id.
func (c *Cluster) AddUser(ctx context.Context, upn string) (string, error) {
	var u struct{ ID string }
	err := postJSON(ctx, c.Emulator+"/_emulator/users", map[string]string{"UPN": upn}, &u)
	return u.ID, err
}

// PostJSON posts in as JSON to u and decodes the answer into out (when
// not nil); an answer other than 2xx is an error.
func PostJSON(ctx context.Context, u string, in, out any) error { return postJSON(ctx, u, in, out) }

// Connect connects the OneDrive account upn for the user of token through
// node, the way the SDK does: build-oauth, the emulator's authorize (signing
// upn in without a page), the /oauth callback.
func (c *Cluster) Connect(ctx context.Context, node, token, upn string) error {
	q := url.Values{"action": {"onedrive"}, "userToken": {token}, "oauthMetaKeyId": {fmt.Sprint(time.Now().UnixNano())},
		"originForPostMessage": {node}}
	status, _, body, err := Do(ctx, "GET", node+"/v2/projects/"+c.ProjectID+"/sdk/actions/build-oauth?"+q.Encode(), token, nil)
	var built struct{ RedirectURL string }
	if err != nil || status != 200 || json.Unmarshal(body, &built) != nil || built.RedirectURL == "" {
		return fmt.Errorf("build-oauth: %d %s %v", status, body, err)
	}
	status, hdr, body, err := Do(ctx, "GET", built.RedirectURL+"&login_hint="+url.QueryEscape(upn), "", nil)
	if err != nil || status != http.StatusFound {
		return fmt.Errorf("authorize: %d %s %v", status, body, err)
	}
	status, _, body, err = Do(ctx, "GET", hdr.Get("Location"), "", nil)
	if err != nil || status != 200 || !strings.Contains(string(body), "oauth_success_callback") {
		return fmt.Errorf("callback: %d %s %v", status, body, err)
	}
	return nil
}

func postJSON(ctx context.Context, u string, in, out any) error {
	b, _ := json.Marshal(in)
	status, _, raw, err := Do(ctx, "POST", u, "", b)
	if err != nil {
		return err
	}
	if status/100 != 2 {
		return fmt.Errorf("POST %s: %d %s", u, status, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// waitOK polls u until it answers 200, for at most a minute.
func waitOK(ctx context.Context, u string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		if status, _, _, err := Do(ctx, "GET", u, "", nil); err == nil && status == 200 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %w", u, errNotReady)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
