package connect_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
)

// TestClientSecretRotation: during a rotation the second secret works when
// Microsoft refuses the first; with only a refused secret the sign-in ends
// on a clear page, no user is marked, and the integration alarm is raised.
func TestClientSecretRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{autoConsent: true})
	ctx := t.Context()
	in, err := e.store.GetIntegration(ctx, e.project.ID)
	if err != nil {
		t.Fatalf("get integration: %v", err)
	}
	good := in.ClientSecrets[0]
	bad := driveway.ClientSecret{ID: "sec_bad", Value: "not-the-secret", Hint: "cret", ExpiresAt: good.ExpiresAt, CreatedAt: time.Now()}
	in.ClientSecrets = []driveway.ClientSecret{bad, good}
	if err := e.store.PutIntegration(ctx, in); err != nil {
		t.Fatalf("put integration: %v", err)
	}
	tok := e.token("rot-user")
	if _, st, page := e.install(e.project, tok, "", "", e.user.UPN); st != 200 || !strings.Contains(page, `"type":"oauth_success_callback"`) {
		t.Fatalf("install with a refused first secret = %d\n%s", st, page)
	}
	if got := e.grants(); got != 2 {
		t.Fatalf("authorization_code grants = %d, want 2 (refused secret, then the good one)", got)
	}

	in.ClientSecrets = []driveway.ClientSecret{bad}
	if err := e.store.PutIntegration(ctx, in); err != nil {
		t.Fatalf("put integration: %v", err)
	}
	tok2 := e.token("rot-user-2")
	_, page := e.get(e.authorize(e.buildOAuth(e.project, tok2, "rot-sess", ""), e.user2.UPN))
	st, out := e.finish(e.project.ID, tok2, completionOf(t, page))
	if st != 400 || !strings.Contains(fmt.Sprint(out["message"]), "app's own Microsoft credentials were refused") ||
		strings.Contains(fmt.Sprint(out), "not-the-secret") {
		t.Fatalf("finishing with only a refused secret = %d %v", st, out)
	}
	var sess map[string]string
	e.callJSON("GET", "/projects/"+e.project.ID+"/sdk/actions/session-id/rot-sess", tok2, nil, &sess)
	if sess["error"] != "app_credentials_invalid" || sess["connectCredentialId"] != "" {
		t.Fatalf("session after the refused secret = %v", sess)
	}
	if cs := e.credentials(e.project, "rot-user-2"); len(cs) != 0 {
		t.Fatalf("%d credentials made with a refused secret", len(cs))
	}
	after, err := e.store.GetIntegration(ctx, e.project.ID)
	if err != nil || after.Alarm == nil || after.Alarm.Reason != driveway.ReasonAppCredentialsInvalid {
		t.Fatalf("alarm = %+v, %v; want app_credentials_invalid", after.Alarm, err)
	}
	if cs := e.credentials(e.project, "rot-user"); len(cs) != 1 || cs[0].Status != driveway.CredentialValid {
		t.Fatal("the app-level refusal changed a user's credential")
	}
}

// TestNoSecretsInLogs: neither the user token, the code, the state, nor
// Microsoft's tokens reach Driveway's logs, including on failures.
func TestNoSecretsInLogs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{autoConsent: true})
	tok := e.token("log-user")
	cb, st, page := e.install(e.project, tok, "s1", "", e.user.UPN)
	if st != 200 {
		t.Fatalf("install = %d", st)
	}
	e.get(cb) // replay: refused, logged
	q := query(t, cb)
	e.get(e.url + "/oauth?state=" + url.QueryEscape(q.Get("state")) + "x&code=zzz")
	e.get(e.url + "/projects/" + e.project.ID + "/sdk/actions/oauth-nonce?originForPostMessage=https://evil.com&userToken=" + tok)
	cred := e.credentials(e.project, "log-user")[0]
	logs := e.logs.String()
	if !strings.Contains(logs, "oauth callback refused") {
		t.Fatalf("the logs miss the refusal, so this test checks nothing:\n%s", logs)
	}
	secret := q.Get("state")[strings.Index(q.Get("state"), ".")+1:]
	for name, s := range map[string]string{"user token": tok, "code": q.Get("code"), "state": secret, "completion": completionOf(t, page),
		"access token": cred.AccessToken, "refresh token": cred.RefreshToken} {
		if strings.Contains(logs, s) {
			t.Fatalf("the logs hold the %s", name)
		}
	}
}
