package microsoft_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/drivewayhq/driveway/microsoft"
)

// graphStub answers each path with a fixed status and body, and records the
// Authorization header it saw.
func graphStub(t *testing.T, answers map[string]struct {
	status int
	body   string
}) (*microsoft.Graph, *string) {
	t.Helper()
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		a, ok := answers[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("request-id", "rid-1")
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	t.Cleanup(srv.Close)
	return &microsoft.Graph{Endpoints: microsoft.Endpoints{Login: srv.URL, Graph: srv.URL}}, &auth
}

func TestGraphMeAndDrive(t *testing.T) {
	t.Parallel()
	g, auth := graphStub(t, map[string]struct {
		status int
		body   string
	}{
		"/v1.0/me":       {200, `{"id":"oid-1","userPrincipalName":"adele@contoso.com","displayName":"Adele","mail":"adele@contoso.com"}`},
		"/v1.0/me/drive": {200, `{"id":"b!drive","driveType":"business","name":"OneDrive","webUrl":"https://contoso-my.sharepoint.com/personal/adele"}`},
	})
	me, err := g.Me(t.Context(), "tok-1")
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	if *auth != "Bearer tok-1" {
		t.Fatalf("Authorization = %q, want the bearer token", *auth)
	}
	want := &microsoft.Me{ID: "oid-1", UserPrincipalName: "adele@contoso.com", DisplayName: "Adele", Mail: "adele@contoso.com"}
	if d := cmp.Diff(want, me); d != "" {
		t.Fatalf("Me (-want +got):\n%s", d)
	}
	d, err := g.MyDrive(t.Context(), "tok-1")
	if err != nil {
		t.Fatalf("MyDrive: %v", err)
	}
	if d.ID != "b!drive" || d.DriveType != "business" {
		t.Fatalf("drive = %+v", d)
	}
}

func TestGraphErrorEnvelope(t *testing.T) {
	t.Parallel()
	g, _ := graphStub(t, map[string]struct {
		status int
		body   string
	}{
		"/v1.0/me":       {401, `{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired or is not yet valid.","innerError":{"date":"2026-01-01T00:00:00","request-id":"inner-rid","code":"expired"}}}`},
		"/v1.0/me/drive": {404, `{"error":{"code":"itemNotFound","message":"x","innererror":{"code":"lvl1","innererror":{"code":"lvl2"}}}}`},
	})
	_, err := g.Me(t.Context(), "tok")
	var ge *microsoft.GraphError
	if !asGraphError(err, &ge) {
		t.Fatalf("Me error = %v, want a *GraphError", err)
	}
	if ge.Status != 401 || ge.Code != "InvalidAuthenticationToken" || !ge.HasCode("invalidauthenticationtoken") || !ge.HasCode("EXPIRED") {
		t.Fatalf("GraphError = %+v", ge)
	}
	if ge.RequestID != "rid-1" {
		t.Fatalf("RequestID = %q, want the header's", ge.RequestID)
	}
	_, err = g.MyDrive(t.Context(), "tok")
	if !asGraphError(err, &ge) {
		t.Fatalf("MyDrive error = %v, want a *GraphError", err)
	}
	if d := cmp.Diff([]string{"lvl1", "lvl2"}, ge.InnerCodes); d != "" || ge.Status != 404 {
		t.Fatalf("inner codes (-want +got):\n%s (status %d)", d, ge.Status)
	}
	if ge.HasCode("accessDenied") {
		t.Fatal("HasCode matched a code that is absent")
	}
}

func TestGraphErrorWithoutEnvelope(t *testing.T) {
	t.Parallel()
	g, _ := graphStub(t, map[string]struct {
		status int
		body   string
	}{"/v1.0/me": {503, `<html>down</html>`}})
	_, err := g.Me(t.Context(), "tok")
	var ge *microsoft.GraphError
	if !asGraphError(err, &ge) || ge.Status != 503 {
		t.Fatalf("error = %v, want a 503 *GraphError", err)
	}
}

func asGraphError(err error, target **microsoft.GraphError) bool {
	return errors.As(err, target)
}
