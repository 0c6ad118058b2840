package connect_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/drivewayhq/driveway"
)

// TestAuthenticatedGivesOtherPackagesThePrincipal serves a handler of
// "another package" behind Authenticated, as the proxy and the workflow
// triggers are served.
func TestAuthenticatedGivesOtherPackagesThePrincipal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	reached := 0
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached++
		p := driveway.PrincipalFrom(r.Context())
		fmt.Fprintf(w, "%s/%s", p.ProjectID, p.UserID)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /projects/{pid}/sdk/echo", e.handler.Authenticated(echo))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(token, origin string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", srv.URL+"/projects/"+e.project.ID+"/sdk/echo", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := get(e.token("user-9"), appOrigin)
	if resp.StatusCode != 200 || body != e.project.ID+"/user-9" {
		t.Fatalf("good token: %d %q", resp.StatusCode, body)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != appOrigin {
		t.Fatalf("CORS header = %q", resp.Header.Get("Access-Control-Allow-Origin"))
	}
	for _, tok := range []string{"", "not.a.jwt", e.token("user-9") + "x"} {
		if resp, _ := get(tok, ""); resp.StatusCode != 401 {
			t.Errorf("token %q: status %d, want 401", tok, resp.StatusCode)
		}
	}
	if reached != 1 {
		t.Fatalf("the wrapped handler ran %d times, want 1 (only for the good token)", reached)
	}
	if u, err := e.store.GetConnectedUser(t.Context(), e.project.ID, "user-9"); err != nil || u.ID != "user-9" {
		t.Fatalf("the user was not recorded on first sight: %v", err)
	}
}
