package connect_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/connect"
)

func TestInstallSQLite(t *testing.T) {
	t.Parallel()
	testInstall(t, newEnv(t, envOptions{autoConsent: true}))
}

func TestInstallPostgres(t *testing.T) {
	t.Parallel()
	testInstall(t, newEnv(t, envOptions{autoConsent: true, postgres: true}))
}

// testInstall: a scripted install creates a VALID credential with the
// right account and drive; the SDK routes see it; reconnect keeps its id
// and replaces its tokens; disconnect leaves no tokens.
func testInstall(t *testing.T, e *env) {
	tok := e.token("user-1")
	cb, status, page := e.install(e.project, tok, "sess1", "", e.user.UPN)
	if status != http.StatusOK || !strings.Contains(page, `"type":"oauth_success_callback"`) {
		t.Fatalf("callback = %d\n%s", status, page)
	}
	if !strings.Contains(page, `window.opener.postMessage(msg, "https://app.example.com")`) {
		t.Fatalf("callback page does not post to the validated origin only:\n%s", page)
	}
	creds := e.credentials(e.project, "user-1")
	if len(creds) != 1 {
		t.Fatalf("credentials = %d, want 1", len(creds))
	}
	c := creds[0]
	wantAcct := driveway.Account{TenantID: e.tenant.ID, ObjectID: e.user.ID, UserPrincipalName: e.user.UPN,
		DisplayName: e.user.DisplayName, Email: e.user.Mail}
	if d := cmp.Diff(wantAcct, c.Account); d != "" {
		t.Fatalf("account (-want +got):\n%s", d)
	}
	if c.Status != driveway.CredentialValid || c.DriveID != e.user.DriveID || c.DriveType != driveway.DriveBusiness {
		t.Fatalf("credential = status %s drive %s/%s, want VALID %s/business", c.Status, c.DriveID, c.DriveType, e.user.DriveID)
	}
	if c.AccessToken == "" || c.RefreshToken == "" {
		t.Fatal("the credential holds no tokens")
	}
	checkSDKViews(t, e, tok, c.ID)

	// The callback URL cannot be replayed.
	grants := e.grants()
	if st, body, _ := e.call("GET", cb, "", nil); st != http.StatusBadRequest || strings.Contains(string(body), `"type":"oauth_success_callback"`) {
		t.Fatalf("replayed callback = %d", st)
	}
	if e.grants() != grants {
		t.Fatal("a replayed callback attempted a token exchange")
	}

	// Reconnect with the selected credential keeps the id, replaces tokens.
	if _, st, page := e.install(e.project, tok, "sess2", c.ID, e.user.UPN); st != 200 || !strings.Contains(page, `"type":"oauth_success_callback"`) {
		t.Fatalf("reconnect = %d\n%s", st, page)
	}
	after := e.credentials(e.project, "user-1")
	if len(after) != 1 || after[0].ID != c.ID {
		t.Fatalf("after reconnect: %d credentials, first %s; want only %s", len(after), after[0].ID, c.ID)
	}
	if after[0].AccessToken == c.AccessToken || after[0].RefreshToken == c.RefreshToken {
		t.Fatal("reconnect kept the old tokens")
	}
	// Reconnecting the same account without selecting keeps the id too.
	e.install(e.project, tok, "sess3", "", e.user.UPN)
	if again := e.credentials(e.project, "user-1"); len(again) != 1 || again[0].ID != c.ID {
		t.Fatalf("same-account connect made %d credentials", len(again))
	}
	// A second account is a second credential, chosen by header.
	e.install(e.project, tok, "sess4", "", e.user2.UPN)
	two := e.credentials(e.project, "user-1")
	if len(two) != 2 {
		t.Fatalf("credentials = %d, want 2", len(two))
	}
	second := two[1].ID
	var got struct {
		ID           string `json:"id"`
		ProviderData struct {
			UserPrincipalName string `json:"userPrincipalName"`
		} `json:"providerData"`
	}
	e.callJSON("GET", "/projects/"+e.project.ID+"/sdk/credentials?integration=onedrive&includeAccountAuth=true", tok, nil, &got,
		"X-Driveway-Credential", second)
	if got.ID != second || got.ProviderData.UserPrincipalName != e.user2.UPN {
		t.Fatalf("selected credential = %+v, want %s", got, second)
	}
	checkDisconnect(t, e, tok, c.ID, second)
}

// checkSDKViews reads the credential through the SDK routes.
func checkSDKViews(t *testing.T, e *env, tok, credID string) {
	pid := e.project.ID
	var sess map[string]string
	e.callJSON("GET", "/projects/"+pid+"/sdk/actions/session-id/sess1", tok, nil, &sess)
	if sess["connectCredentialId"] != credID {
		t.Fatalf("session = %v, want credential %s", sess, credID)
	}
	for range 2 { // idempotent
		var c map[string]any
		e.callJSON("POST", "/projects/"+pid+"/sdk/credentials", tok, map[string]any{"integrationId": connect.IntegrationID(pid),
			"config": map[string]any{}, "payload": map[string]any{"credentialId": credID, "sessionId": "sess1"}}, &c)
		if c["id"] != credID || c["status"] != "VALID" {
			t.Fatalf("POST /sdk/credentials = %v", c)
		}
		if _, leaked := c["accountAuth"]; leaked {
			t.Fatal("a credential answer carried accountAuth")
		}
	}
	var me struct {
		Project struct {
			AccessibleFeatures []string `json:"accessibleFeatures"`
		} `json:"project"`
		Integrations map[string]struct {
			Enabled        bool             `json:"enabled"`
			CredentialID   string           `json:"credentialId"`
			AllCredentials []map[string]any `json:"allCredentials"`
		} `json:"integrations"`
	}
	e.callJSON("GET", "/projects/"+pid+"/sdk/me", tok, nil, &me)
	od := me.Integrations["onedrive"]
	if !od.Enabled || od.CredentialID != credID || len(od.AllCredentials) != 1 || !contains(me.Project.AccessibleFeatures, "headless-cp") {
		t.Fatalf("/sdk/me = %+v", me)
	}
	e.callJSON("DELETE", "/projects/"+pid+"/sdk/actions/session-id/sess1", tok, nil, nil)
	if st, _, _ := e.call("GET", "/projects/"+pid+"/sdk/actions/session-id/sess1", tok, nil); st != http.StatusNotFound {
		t.Fatalf("deleted session = %d, want 404", st)
	}
	// Another user of the project sees none of it.
	other := e.token("user-2")
	if st, _, _ := e.call("GET", "/projects/"+pid+"/sdk/credentials/"+credID, other, nil); st != http.StatusNotFound {
		t.Fatalf("another user's credential = %d, want 404", st)
	}
}

func checkDisconnect(t *testing.T, e *env, tok string, ids ...string) {
	pid := e.project.ID
	e.callJSON("PATCH", "/projects/"+pid+"/sdk/credentials/"+ids[0], tok,
		map[string]any{"config": map[string]any{"sharedSettings": map[string]any{"folder": "/Docs"}}}, nil)
	for _, id := range ids {
		e.callJSON("DELETE", "/projects/"+pid+"/sdk/integrations/"+connect.IntegrationID(pid), tok, nil, nil, "X-Paragon-Credential", id)
	}
	if left := e.credentials(e.project, "user-1"); len(left) != 0 {
		t.Fatalf("%d credentials left after disconnect", len(left))
	}
	var after driveway.SealedRef
	for {
		vals, err := e.store.ListSealed(t.Context(), after, 100)
		if err != nil {
			t.Fatalf("list sealed: %v", err)
		}
		for _, v := range vals {
			for _, id := range ids {
				if strings.Contains(v.Ref.Row, id) {
					t.Fatalf("a sealed value of %s is still stored: %+v", id, v.Ref)
				}
			}
		}
		if len(vals) < 100 {
			break
		}
		after = vals[len(vals)-1].Ref
	}
	u, err := e.store.GetConnectedUser(t.Context(), pid, "user-1")
	if err != nil {
		t.Fatalf("get user: %v", err)
	}
	if _, ok := u.Metadata["$driveway"]; ok {
		t.Fatalf("user settings survived the disconnect: %v", u.Metadata)
	}
	events, err := e.store.ListEvents(t.Context(), pid, ids[0], 10)
	if err != nil || len(events) == 0 || events[0].Kind != driveway.EventCredentialDisconnected {
		t.Fatalf("events = %v, %v; want a disconnect event first", events, err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
