package connect_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/connect"
)

// TestSignInLimits: one end user cannot pile up pending sign-ins or
// install sessions: build-oauth answers 429 with a clear message at the
// bound, other users are not affected, and the bound frees up as sign-ins
// expire; the purge deletes expired install sessions.
func TestSignInLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{autoConsent: true})
	pid, tok := e.project.ID, e.token("greedy")
	start := func(token, session string) (int, string) {
		q := url.Values{"action": {"onedrive"}, "originForPostMessage": {appOrigin}}
		if session != "" {
			q.Set("oauthMetaKeyId", session)
		}
		st, b, _ := e.call("GET", "/v2/projects/"+pid+"/sdk/actions/build-oauth?"+q.Encode(), token, nil)
		return st, string(b)
	}
	var links []string
	for i := range connect.MaxPendingSignIns {
		st, b := start(tok, "")
		if st != http.StatusOK {
			t.Fatalf("sign-in %d = %d %s", i+1, st, b)
		}
		links = append(links, b)
	}
	if st, b := start(tok, ""); st != http.StatusTooManyRequests || !strings.Contains(b, "sign-ins in progress") {
		t.Fatalf("sign-in past the bound = %d %s, want 429 naming the limit", st, b)
	}
	if st, b := start(e.token("someone-else"), ""); st != http.StatusOK {
		t.Fatalf("another user's sign-in = %d %s", st, b)
	}
	e.advance(connect.StateLifetime + time.Second)
	if st, b := start(tok, ""); st != http.StatusOK {
		t.Fatalf("a sign-in once the others expired = %d %s", st, b)
	}

	// Sessions outlive their sign-ins: end each sign-in at once (a denied
	// consent) and the sessions still reach their own bound.
	for i := range connect.MaxInstallSessions {
		session := "s" + strconv.Itoa(i)
		st, b := start(tok, session)
		if st != http.StatusOK {
			t.Fatalf("session %d = %d %s", i+1, st, b)
		}
		state := query(t, redirectURL(t, b)).Get("state")
		e.get(e.url + "/oauth?error=access_denied&state=" + url.QueryEscape(state))
	}
	if st, b := start(tok, "one-more"); st != http.StatusTooManyRequests || !strings.Contains(b, "install sessions") {
		t.Fatalf("a session past the bound = %d %s, want 429 naming the limit", st, b)
	}
	e.advance(31 * time.Minute)
	n, err := e.handler.PurgeExpired(t.Context())
	if err != nil || n < connect.MaxInstallSessions {
		t.Fatalf("PurgeExpired = %d, %v; want at least the %d expired sessions", n, err, connect.MaxInstallSessions)
	}
	if _, err := e.store.GetInstallSession(t.Context(), pid, "greedy", "s0"); err == nil {
		t.Fatal("an expired install session survived the purge")
	}
	if st, b := start(tok, "after-purge"); st != http.StatusOK {
		t.Fatalf("a session after the purge = %d %s", st, b)
	}
}

func redirectURL(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `"redirectUrl":"`)
	if i < 0 {
		t.Fatalf("no redirectUrl in %s", body)
	}
	rest := body[i+len(`"redirectUrl":"`):]
	u := rest[:strings.Index(rest, `"`)]
	return strings.ReplaceAll(u, `\u0026`, "&")
}

// TestMetadataLimit: PATCH /sdk/me and the User Settings of PATCH
// /sdk/credentials/{id} cannot grow a user's metadata past
// MaxMetadataBytes; a refused call saves nothing and loses nothing.
func TestMetadataLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{autoConsent: true})
	pid, tok := e.project.ID, e.token("meta-user")
	big := strings.Repeat("x", connect.MaxMetadataBytes*5/8)
	patch := func(meta map[string]any) (int, string) {
		st, b, _ := e.call("PATCH", "/projects/"+pid+"/sdk/me", tok, map[string]any{"meta": meta})
		return st, string(b)
	}
	if st, b := patch(map[string]any{"Name": "Ada", "notes": big}); st != http.StatusOK {
		t.Fatalf("a first large PATCH under the bound = %d %.200s", st, b)
	}
	st, b := patch(map[string]any{"more": big})
	if st != http.StatusBadRequest || !strings.Contains(b, strconv.Itoa(connect.MaxMetadataBytes)+"-byte limit") {
		t.Fatalf("a PATCH past the total bound = %d %.300s, want 400 naming the limit", st, b)
	}
	if st, b := patch(map[string]any{"huge": strings.Repeat("y", 250<<10)}); st != http.StatusBadRequest {
		t.Fatalf("a 250 KiB PATCH = %d %.200s", st, b)
	}
	var me struct{ Meta map[string]any }
	e.callJSON("GET", "/projects/"+pid+"/sdk/me", tok, nil, &me)
	if me.Meta["Name"] != "Ada" || me.Meta["notes"] != big || me.Meta["more"] != nil || me.Meta["huge"] != nil {
		t.Fatalf("metadata after the refusals: keys %d, Name %v", len(me.Meta), me.Meta["Name"])
	}
	if st, _ := patch(map[string]any{"notes": nil, "more": big}); st != http.StatusOK {
		t.Fatalf("replacing a large key by another = %d", st)
	}

	e.install(e.project, tok, "", "", e.user.UPN)
	cred := e.credentials(e.project, "meta-user")[0].ID
	st, body, _ := e.call("PATCH", "/projects/"+pid+"/sdk/credentials/"+cred, tok,
		map[string]any{"config": map[string]any{"sharedSettings": map[string]any{"blob": big}}})
	if st != http.StatusBadRequest || !strings.Contains(string(body), "-byte limit") {
		t.Fatalf("User Settings past the bound = %d %.200s", st, body)
	}
}
