package emulator

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

type accessToken struct {
	UserID   string    `json:"userId,omitempty"`
	ClientID string    `json:"clientId"`
	TenantID string    `json:"tenantId"`
	Scopes   []string  `json:"scopes"`
	Issued   time.Time `json:"issued"`
	Expires  time.Time `json:"expires"`
	Cloud    string    `json:"cloud"`
	// Audience is the resource the token is for: empty for Microsoft
	// Graph, else a SharePoint origin or the consumer OneDrive API
	// (filepicker_tokens.go), which Graph refuses.
	Audience string `json:"audience,omitempty"`
}

type refreshToken struct {
	UserID   string    `json:"userId"`
	ClientID string    `json:"clientId"`
	TenantID string    `json:"tenantId"`
	Scopes   []string  `json:"scopes"`
	Expires  time.Time `json:"expires"`
	Cloud    string    `json:"cloud"`
	// Revoked is the AADSTS code a revoked token answers with.
	Revoked int `json:"revoked,omitempty"`
}

type authCode struct {
	clientID, userID, tenantID, redirect string
	authority                            string // tenant segment the code was issued at
	scopes                               []string
	challenge, method, nonce             string
	expires                              time.Time
	used                                 bool
	cloud                                string
}

// TokenFault makes the token endpoint fail with an AADSTS code.
type TokenFault struct {
	// Grant limits the fault to one grant_type ("" = any).
	Grant string `json:"grant,omitempty"`
	// Code is the AADSTS code, e.g. 70008, 50173, 700082, 70000, 7000215,
	// 7000222, 65001, 50076, 50079 (interaction_required).
	Code int `json:"code"`
	// Count limits how many calls fail; zero means until cleared.
	Count int `json:"count,omitempty"`
}

// FailToken installs a token-endpoint fault.
func (e *Emulator) FailToken(f TokenFault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rt.tokenFail = append(e.rt.tokenFail, &f)
}

// RevokeGrants revokes every refresh token of a user (for one client, or
// all when clientID is ""): they then fail with the AADSTS code (default 50173).
func (e *Emulator) RevokeGrants(userID, clientID string, code int) int {
	if code == 0 {
		code = 50173
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, rt := range e.st.RefreshTokens {
		if rt.UserID == userID && (clientID == "" || rt.ClientID == clientID) {
			rt.Revoked = code
			n++
		}
	}
	e.changed()
	return n
}

// ExpireAccessTokens makes every access token of a user (or all, when userID is "") expired.
func (e *Emulator) ExpireAccessTokens(userID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, at := range e.st.AccessTokens {
		if userID == "" || at.UserID == userID {
			at.Expires = e.Now().Add(-time.Second)
		}
	}
}

// serveToken is POST /{tenant}/oauth2/v2.0/token.
func (e *Emulator) serveToken(w http.ResponseWriter, r *http.Request, tenantSeg string) {
	if r.Method != "POST" {
		e.writeAADError(w, r, aad(9002313))
		return
	}
	if err := r.ParseForm(); err != nil {
		e.writeAADError(w, r, aad(9002313))
		return
	}
	f := r.PostForm
	grant := f.Get("grant_type")
	e.mu.Lock()
	defer e.mu.Unlock()
	e.countGrant(grant)
	kind, tenant, ok := e.tenantFor(tenantSeg)
	if !ok {
		e.writeAADError(w, r, aad(90002))
		return
	}
	if grant == "" {
		e.writeAADError(w, r, aad(900144))
		return
	}
	clientID, secret, basic := r.BasicAuth()
	if !basic {
		clientID, secret = f.Get("client_id"), f.Get("client_secret")
	}
	app := e.st.Apps[clientID]
	if app == nil {
		e.writeAADError(w, r, aad(700016))
		return
	}
	if code := e.takeTokenFault(grant); code != 0 {
		e.writeAADError(w, r, aad(code))
		return
	}
	if code := e.authenticateClient(r, app, secret, tenantSeg); code != 0 {
		e.writeAADError(w, r, aad(code))
		return
	}
	cloud := e.cloudOf(r.Host)
	switch grant {
	case "authorization_code":
		e.redeemCode(w, r, app, tenantSeg, cloud)
	case "refresh_token":
		e.redeemRefresh(w, r, app, cloud)
	case "client_credentials":
		e.clientCredentials(w, r, app, kind, tenant, cloud)
	default:
		e.writeAADError(w, r, aad(70003))
	}
}

// takeTokenFault returns the AADSTS code of a matching token fault. Lock held.
func (e *Emulator) takeTokenFault(grant string) int {
	for i, f := range e.rt.tokenFail {
		if f.Grant != "" && f.Grant != grant {
			continue
		}
		if f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				e.rt.tokenFail = slices.Delete(e.rt.tokenFail, i, i+1)
			}
		}
		return f.Code
	}
	return 0
}

// authenticateClient checks the client's credentials; 0 means OK. Lock held.
func (e *Emulator) authenticateClient(r *http.Request, app *App, secret, tenantSeg string) int {
	assertion := r.PostForm.Get("client_assertion")
	if app.Public {
		if secret != "" || assertion != "" {
			return 700025
		}
		return 0
	}
	if assertion != "" {
		if r.PostForm.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
			return 9002313
		}
		if !e.verifyAssertion(app, assertion) {
			return 700027
		}
		return 0
	}
	if secret == "" {
		return 7000218
	}
	for _, s := range app.Secrets {
		if subtle.ConstantTimeCompare([]byte(s.Value), []byte(secret)) == 1 {
			if !e.Now().Before(s.Expires) {
				return 7000222
			}
			return 0
		}
	}
	return 7000215
}

func (e *Emulator) redeemCode(w http.ResponseWriter, r *http.Request, app *App, tenantSeg, cloud string) {
	f := r.PostForm
	c := e.rt.codes[f.Get("code")]
	switch {
	case c == nil || c.clientID != app.ClientID || !e.Now().Before(c.expires):
		e.writeAADError(w, r, aad(70008))
		return
	case c.used:
		e.writeAADError(w, r, aad(54005))
		return
	case !strings.EqualFold(c.authority, tenantSeg) && isTenantID(c.authority) && isTenantID(tenantSeg):
		e.writeAADError(w, r, aad(700005))
		return
	case f.Get("redirect_uri") != c.redirect:
		e.writeAADError(w, r, aad(50011))
		return
	case c.challenge != "" && !pkceOK(c.method, c.challenge, f.Get("code_verifier")):
		e.writeAADError(w, r, aad(501481))
		return
	}
	c.used = true
	e.issue(w, app, c.userID, c.tenantID, c.scopes, c.nonce, cloud)
}

func isTenantID(s string) bool {
	l := strings.ToLower(s)
	return l != "common" && l != "organizations" && l != "consumers"
}

func pkceOK(method, challenge, verifier string) bool {
	if verifier == "" {
		return false
	}
	if method == "plain" {
		return verifier == challenge
	}
	sum := sha256.Sum256([]byte(verifier))
	return strings.TrimRight(b64url(sum[:]), "=") == challenge
}

func (e *Emulator) redeemRefresh(w http.ResponseWriter, r *http.Request, app *App, cloud string) {
	rt := e.st.RefreshTokens[r.PostForm.Get("refresh_token")]
	switch {
	case rt == nil:
		e.writeAADError(w, r, aad(9002313))
		return
	case rt.ClientID != app.ClientID:
		e.writeAADError(w, r, aad(70000))
		return
	case rt.Revoked != 0:
		e.writeAADError(w, r, aad(rt.Revoked))
		return
	case !e.Now().Before(rt.Expires):
		e.writeAADError(w, r, aad(700082))
		return
	case e.st.Users[rt.UserID] == nil:
		e.writeAADError(w, r, aad(50173))
		return
	}
	scopes := rt.Scopes
	if e.resourceGrant(w, r, app, rt, cloud) {
		return
	}
	if s := r.PostForm.Get("scope"); s != "" {
		for _, sc := range strings.Fields(s) {
			if !hasScope(rt.Scopes, sc) {
				e.writeAADError(w, r, aad(65001))
				return
			}
		}
		scopes = strings.Fields(s)
		if hasScope(rt.Scopes, "offline_access") && !hasScope(scopes, "offline_access") {
			scopes = append(scopes, "offline_access")
		}
	}
	e.issue(w, app, rt.UserID, rt.TenantID, scopes, "", cloud)
}

func (e *Emulator) clientCredentials(w http.ResponseWriter, r *http.Request, app *App, kind string, tenant *Tenant, cloud string) {
	if tenant == nil || tenant.Personal {
		e.writeAADError(w, r, aad(9001023))
		return
	}
	scope := r.PostForm.Get("scope")
	if !strings.HasSuffix(scope, "/.default") {
		e.writeAADError(w, r, aad(1002012))
		return
	}
	e.issue(w, app, "", tenant.ID, []string{scope}, "", cloud)
}

// hasScope compares scopes case-insensitively, ignoring a Graph resource prefix.
func hasScope(list []string, s string) bool {
	norm := func(x string) string {
		return strings.ToLower(strings.TrimPrefix(x, "https://graph.microsoft.com/"))
	}
	for _, l := range list {
		if norm(l) == norm(s) {
			return true
		}
	}
	return false
}

// accessLifetime is the configured lifetime or a random 60–90 minutes.
func (e *Emulator) accessLifetime() time.Duration {
	if e.opts.AccessTokenLifetime > 0 {
		return e.opts.AccessTokenLifetime
	}
	return 60*time.Minute + time.Duration(rand.Int64N(int64(30*time.Minute)))
}

// issue mints tokens and writes the token response. Lock held.
func (e *Emulator) issue(w http.ResponseWriter, app *App, userID, tenantID string, scopes []string, nonce, cloud string) {
	e.issueFor(w, app, userID, tenantID, scopes, nonce, cloud, "", scopes)
}

// issueFor is issue for a resource other than Graph (audience); a refresh
// token, if any, carries the consent (a refresh token serves every
// resource the user consented to). Lock held.
func (e *Emulator) issueFor(w http.ResponseWriter, app *App, userID, tenantID string, scopes []string, nonce, cloud, audience string, consent []string) {
	now := e.Now()
	life := e.accessLifetime()
	at := "EwA" + e.token(96)
	e.st.AccessTokens[at] = &accessToken{UserID: userID, ClientID: app.ClientID, TenantID: tenantID,
		Scopes: scopes, Issued: now, Expires: now.Add(life), Cloud: cloud, Audience: audience}
	secs := int(life / time.Second)
	body := map[string]any{"token_type": "Bearer", "scope": strings.Join(scopes, " "), "expires_in": secs,
		"ext_expires_in": secs, "access_token": at}
	if userID != "" && hasScope(consent, "offline_access") {
		rt := "M.C5" + e.token(120)
		e.st.RefreshTokens[rt] = &refreshToken{UserID: userID, ClientID: app.ClientID, TenantID: tenantID,
			Scopes: consent, Expires: now.Add(e.opts.RefreshTokenLifetime), Cloud: cloud}
		body["refresh_token"] = rt
	}
	if u := e.st.Users[userID]; u != nil && hasScope(scopes, "openid") {
		body["id_token"] = e.idToken(app, u, scopes, nonce)
	}
	e.pruneTokens()
	e.changed()
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.Header().Set("Pragma", "no-cache")
	writePlainJSON(w, 200, body)
}

// pruneTokens drops access tokens expired for more than a day. Lock held.
func (e *Emulator) pruneTokens() {
	cut := e.Now().Add(-24 * time.Hour)
	for k, at := range e.st.AccessTokens {
		if at.Expires.Before(cut) {
			delete(e.st.AccessTokens, k)
		}
	}
}

// writePlainJSON writes JSON with a plain application/json content type.
func writePlainJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
