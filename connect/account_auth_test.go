package connect_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
)

// TestAccountAuthForFilePicker: getIntegrationAccount with
// includeAccountAuth returns the credential's live access token and its
// drive's origin only when the project's OneDrive settings allow it, never
// without includeAccountAuth, and never cached by the browser.
func TestAccountAuthForFilePicker(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{autoConsent: true, proxy: true})
	tok := e.token("picker-user")
	if _, status, page := e.install(e.project, tok, "sess-picker", "", e.user.UPN); status != http.StatusOK {
		t.Fatalf("install: %d %s", status, page)
	}
	account := func(query string) (map[string]string, http.Header) {
		t.Helper()
		status, body, hdr := e.call("GET", "/projects/"+e.project.ID+"/sdk/credentials?integration=onedrive"+query, tok, nil)
		if status != http.StatusOK {
			t.Fatalf("getIntegrationAccount%s: %d %s", query, status, body)
		}
		var v struct {
			AccountAuth map[string]string `json:"accountAuth"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		return v.AccountAuth, hdr
	}
	if got, _ := account("&includeAccountAuth=true"); got != nil {
		t.Fatalf("accountAuth with the setting off: %v", got)
	}

	in, err := e.store.GetIntegration(t.Context(), e.project.ID)
	if err != nil {
		t.Fatal(err)
	}
	in.AllowAccountAuth = true
	if err := e.store.PutIntegration(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	if got, _ := account(""); got != nil {
		t.Fatalf("accountAuth without includeAccountAuth: %v", got)
	}
	got, hdr := account("&includeAccountAuth=true")
	cr := e.credentials(e.project, "picker-user")[0]
	if got["OAUTH_ACCESS_TOKEN"] == "" || got["OAUTH_ACCESS_TOKEN"] == cr.AccessToken || got["DOMAIN"] != "https://contoso-my.sharepoint.com" {
		t.Fatalf("accountAuth = {token is the Graph token: %v, DOMAIN: %q}, want a SharePoint token and https://contoso-my.sharepoint.com",
			got["OAUTH_ACCESS_TOKEN"] == cr.AccessToken, got["DOMAIN"])
	}
	if hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("Cache-Control = %q, want no-store", hdr.Get("Cache-Control"))
	}
	// The token is for the tenant's SharePoint: the picker's API takes it,
	// Graph does not.
	if st := bearerStatus(t, e.emu.BaseURL+"/_api/v2.0/me/drive/root/children", got["OAUTH_ACCESS_TOKEN"]); st != http.StatusOK {
		t.Fatalf("the picker API refused the returned token: %d", st)
	}
	if _, err := (&microsoft.Graph{Endpoints: microsoft.Endpoints{Graph: e.emu.BaseURL}}).MyDrive(t.Context(), got["OAUTH_ACCESS_TOKEN"]); err == nil {
		t.Fatal("Graph accepted the picker's SharePoint token")
	}
	if again, _ := account("&includeAccountAuth=true"); again["OAUTH_ACCESS_TOKEN"] != got["OAUTH_ACCESS_TOKEN"] {
		t.Fatal("the SharePoint token was not cached")
	}

	// A credential claiming a personal drive gets the consumer picker's
	// DOMAIN and a token for the consumer OneDrive API, which Microsoft
	// refuses a work account: no accountAuth, nothing else handed out.
	cr.DriveType = "personal"
	if err := e.store.UpdateCredential(t.Context(), cr); err != nil {
		t.Fatal(err)
	}
	if got, _ := account("&includeAccountAuth=true"); got != nil {
		t.Fatalf("accountAuth of a work account as a personal one: %v", got)
	}
	fresh := e.credentials(e.project, "picker-user")[0]

	// An INVALID credential has none.
	fresh.Status = driveway.CredentialInvalid
	if err := e.store.UpdateCredential(t.Context(), fresh); err != nil {
		t.Fatal(err)
	}
	if got, _ := account("&includeAccountAuth=true"); got != nil {
		t.Fatalf("accountAuth of an INVALID credential: %v", got)
	}
}

// bearerStatus GETs u with a bearer token and returns the status.
func bearerStatus(t *testing.T, u, tok string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestAccountAuthPickerResource: Driveway's SDK asks accountAuth for the
// resource each authenticate command names (pickerResource): the tenant's
// root SharePoint beside its -my origin is given; another tenant's
// SharePoint, or any other origin, gets no accountAuth at all.
func TestAccountAuthPickerResource(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{autoConsent: true, proxy: true})
	tok := e.token("picker-user")
	if _, status, page := e.install(e.project, tok, "sess-picker", "", e.user.UPN); status != http.StatusOK {
		t.Fatalf("install: %d %s", status, page)
	}
	in, err := e.store.GetIntegration(t.Context(), e.project.ID)
	if err != nil {
		t.Fatal(err)
	}
	in.AllowAccountAuth = true
	if err := e.store.PutIntegration(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	auth := func(resource string) map[string]string {
		t.Helper()
		status, body, _ := e.call("GET", "/projects/"+e.project.ID+"/sdk/credentials?integration=onedrive&includeAccountAuth=true&pickerResource="+resource, tok, nil)
		if status != http.StatusOK {
			t.Fatalf("getIntegrationAccount: %d %s", status, body)
		}
		var v struct {
			AccountAuth map[string]string `json:"accountAuth"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		return v.AccountAuth
	}
	my, root := auth("https://contoso-my.sharepoint.com"), auth("https://contoso.sharepoint.com")
	if my == nil || root == nil || my["OAUTH_ACCESS_TOKEN"] == root["OAUTH_ACCESS_TOKEN"] || root["DOMAIN"] != "https://contoso-my.sharepoint.com" {
		t.Fatalf("-my: %v, root: %v; want two different tokens and the -my DOMAIN", my != nil, root != nil)
	}
	for _, bad := range []string{"https://fabrikam-my.sharepoint.com", "https://evil.example", "https://api.onedrive.com", "https://graph.microsoft.com"} {
		if got := auth(bad); got != nil {
			t.Fatalf("pickerResource %s gave accountAuth", bad)
		}
	}
}
