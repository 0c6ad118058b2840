package emulator

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"html"
	"net/http/cookiejar"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
)

func (f *fixture) oauth(tenant string) *oauth2.Config {
	return &oauth2.Config{ClientID: f.app.ClientID, ClientSecret: f.app.Secrets[0].Value,
		RedirectURL: "http://localhost:5555/callback",
		Scopes:      []string{"openid", "profile", "email", "offline_access", "Files.ReadWrite.All", "User.Read"},
		Endpoint: oauth2.Endpoint{AuthURL: f.s.LoginURL() + "/" + tenant + "/oauth2/v2.0/authorize",
			TokenURL: f.s.LoginURL() + "/" + tenant + "/oauth2/v2.0/token"}}
}

// authorize GETs an authorize URL and returns the redirect's query.
func (f *fixture) authorize(u string) url.Values {
	f.t.Helper()
	resp := f.req("GET", u, "", nil)
	resp.Body.Close()
	if resp.StatusCode != 302 {
		f.t.Fatalf("authorize status %d", resp.StatusCode)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	return loc.Query()
}

func aadCode(err error) (int, []int, string) {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return 0, nil, ""
	}
	var body struct {
		Codes []int  `json:"error_codes"`
		Desc  string `json:"error_description"`
	}
	_ = json.Unmarshal(re.Body, &body)
	return re.Response.StatusCode, body.Codes, re.ErrorCode + "|" + body.Desc
}

func TestMustHave21to23_ScriptedSignInPKCERefresh(t *testing.T) {
	f := setup(t, Options{AutoConsent: true, AccessTokenLifetime: time.Minute})
	ctx := context.Background()
	cfg := f.oauth("organizations")
	verifier := oauth2.GenerateVerifier()
	q := f.authorize(cfg.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("login_hint", f.biz2.UPN), oauth2.SetAuthURLParam("nonce", "n-1")))
	want(t, "state echo", q.Get("state"), "st-1")
	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	must(t, err)
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token with offline_access")
	}
	if exp := time.Until(tok.Expiry); exp > 2*time.Minute || exp < 0 {
		t.Fatalf("expires_in gave expiry in %v", exp)
	}
	claims := f.verifyIDToken(tok.Extra("id_token").(string))
	for k, v := range map[string]string{"aud": f.app.ClientID, "tid": f.tenant.ID, "oid": f.biz2.ID, "ver": "2.0",
		"preferred_username": f.biz2.UPN, "name": "Bob", "nonce": "n-1", "email": f.biz2.Mail,
		"iss": f.s.LoginURL() + "/" + f.tenant.ID + "/v2.0"} {
		want(t, "claim "+k, claims[k], any(v))
	}
	code, m := f.call("GET", "/me", tok.AccessToken, nil)
	want(t, "/me status", code, 200)
	want(t, "/me id", str(m, "id"), f.biz2.ID)
	// Code reuse.
	_, err = cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	status, codes, _ := aadCode(err)
	want(t, "reuse status", status, 400)
	want(t, "reuse code", codes[0], 54005)
	// Refresh rotates; the old refresh token stays valid.
	f.clock.Advance(2 * time.Minute)
	tok.Expiry = time.Now().Add(-time.Second)
	tok2, err := cfg.TokenSource(ctx, tok).Token()
	must(t, err)
	if tok2.RefreshToken == tok.RefreshToken || tok2.AccessToken == tok.AccessToken {
		t.Fatal("refresh did not rotate")
	}
	_, err = cfg.TokenSource(ctx, tok).Token()
	must(t, err)
	want(t, "refresh grants counted", f.s.Counters().TokenGrants["refresh_token"], 2)
	code, _ = f.call("GET", "/me", tok.AccessToken, nil)
	want(t, "old access token expired", code, 401)
	code, _ = f.call("GET", "/me/drive", tok2.AccessToken, nil)
	want(t, "new access token", code, 200)
	// Without offline_access there is no refresh token.
	cfg.Scopes = []string{"Files.ReadWrite.All"}
	q = f.authorize(cfg.AuthCodeURL("s", oauth2.SetAuthURLParam("login_hint", f.biz.UPN)))
	tok3, err := cfg.Exchange(ctx, q.Get("code"))
	must(t, err)
	want(t, "refresh token without offline_access", tok3.RefreshToken, "")
	if tok3.Extra("id_token") != nil {
		t.Fatal("id_token without openid")
	}
}

// verifyIDToken checks the signature against the JWKS and returns the claims.
func (f *fixture) verifyIDToken(raw string) jwt.MapClaims {
	f.t.Helper()
	_, m := f.call("GET", f.s.LoginURL()+"/common/discovery/v2.0/keys", "", nil)
	key := m["keys"].([]any)[0].(map[string]any)
	n, _ := base64.RawURLEncoding.DecodeString(key["n"].(string))
	e, _ := base64.RawURLEncoding.DecodeString(key["e"].(string))
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	claims := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		if t.Header["kid"] != key["kid"] {
			return nil, errors.New("kid mismatch")
		}
		return pub, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
	if err != nil || !tok.Valid {
		f.t.Fatalf("id_token invalid: %v", err)
	}
	return claims
}

func TestMustHave21_AuthorizeErrors(t *testing.T) {
	f := setup(t, Options{AutoConsent: true})
	cfg := f.oauth("common")
	// Mismatched redirect URI: an error page, not a redirect.
	bad := *cfg
	bad.RedirectURL = "https://evil.example/cb"
	resp := f.req("GET", bad.AuthCodeURL("s"), "", nil)
	body := readAll(resp.Body)
	resp.Body.Close()
	want(t, "mismatch status", resp.StatusCode, 400)
	want(t, "mismatch no Location", resp.Header.Get("Location"), "")
	if !strings.Contains(body, "AADSTS50011") {
		t.Fatalf("error page lacks AADSTS50011: %s", body)
	}
	// localhost redirect URIs ignore the port; https ones do not.
	if !redirectAllowed([]string{"http://localhost/cb"}, "http://localhost:9999/cb") || redirectAllowed([]string{"https://a.example/cb"}, "https://a.example:444/cb") {
		t.Fatal("redirect matching rules")
	}
	// prompt=none without a session → login_required with state.
	q := f.authorize(cfg.AuthCodeURL("s2", oauth2.SetAuthURLParam("prompt", "none")))
	want(t, "prompt=none error", q.Get("error"), "login_required")
	want(t, "prompt=none state", q.Get("state"), "s2")
	if !strings.HasPrefix(q.Get("error_description"), "AADSTS50058:") {
		t.Fatalf("error_description %q", q.Get("error_description"))
	}
	// prompt=none with the session cookie of an earlier sign-in succeeds.
	jar := newJar()
	f.c.Jar = jar
	q = f.authorize(cfg.AuthCodeURL("s3", oauth2.SetAuthURLParam("login_hint", f.biz.UPN)))
	if q.Get("code") == "" {
		t.Fatal("no code")
	}
	q = f.authorize(cfg.AuthCodeURL("s4", oauth2.SetAuthURLParam("prompt", "none")))
	if q.Get("code") == "" {
		t.Fatalf("silent sign-in failed: %v", q)
	}
	f.c.Jar = nil
	// PKCE plain, and a wrong verifier → 501481.
	q = f.authorize(cfg.AuthCodeURL("s", oauth2.SetAuthURLParam("code_challenge", "plain-verifier-plain-verifier-plain-verifier"),
		oauth2.SetAuthURLParam("code_challenge_method", "plain")))
	_, err := cfg.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption("wrong"))
	_, codes, _ := aadCode(err)
	want(t, "pkce mismatch", codes[0], 501481)
	q = f.authorize(cfg.AuthCodeURL("s", oauth2.SetAuthURLParam("code_challenge", "plain-verifier-plain-verifier-plain-verifier"),
		oauth2.SetAuthURLParam("code_challenge_method", "plain")))
	_, err = cfg.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption("plain-verifier-plain-verifier-plain-verifier"))
	must(t, err)
	// response_mode=form_post: an auto-submitting form carrying code and state.
	resp = f.req("GET", cfg.AuthCodeURL("fp", oauth2.SetAuthURLParam("response_mode", "form_post")), "", nil)
	body = readAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(body, `name="code"`) || !strings.Contains(body, `value="fp"`) || !strings.Contains(body, `action="http://localhost:5555/callback"`) {
		t.Fatalf("form_post page: %s", body)
	}
}

func newJar() http.CookieJar {
	j, _ := cookiejarNew()
	return j
}

func TestMustHave22and24_TokenErrorsAndHooks(t *testing.T) {
	f := setup(t, Options{AutoConsent: true})
	ctx := context.Background()
	cfg := f.oauth("organizations")
	signIn := func() *oauth2.Token {
		q := f.authorize(cfg.AuthCodeURL("s", oauth2.SetAuthURLParam("login_hint", f.biz.UPN)))
		tok, err := cfg.Exchange(ctx, q.Get("code"))
		must(t, err)
		return tok
	}
	refresh := func(tok *oauth2.Token) error {
		tok.Expiry = time.Now().Add(-time.Second)
		_, err := cfg.TokenSource(ctx, tok).Token()
		return err
	}
	tok := signIn()
	// The exact v2 error shape.
	f.s.FailToken(TokenFault{Grant: "refresh_token", Code: 70008, Count: 1})
	err := refresh(tok)
	status, codes, detail := aadCode(err)
	want(t, "70008 status", status, 400)
	want(t, "70008 code", codes[0], 70008)
	if !strings.HasPrefix(detail, "invalid_grant|AADSTS70008: ") || !strings.Contains(detail, "\r\nTrace ID: ") || !strings.Contains(detail, "\r\nCorrelation ID: ") {
		t.Fatalf("description %q", detail)
	}
	var re *oauth2.RetrieveError
	errors.As(err, &re)
	var raw map[string]any
	_ = json.Unmarshal(re.Body, &raw)
	for _, k := range []string{"error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id", "error_uri"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("token error lacks %q: %v", k, raw)
		}
	}
	must(t, refresh(tok)) // the fault was for one call only
	for _, c := range []int{50076, 65001, 50079, 7000222} {
		f.s.FailToken(TokenFault{Code: c, Count: 1})
		_, codes, _ = aadCode(refresh(tok))
		want(t, "forced code", codes[0], c)
	}
	f.s.RevokeGrants(f.biz.ID, "", 0)
	_, codes, _ = aadCode(refresh(tok))
	want(t, "revoked", codes[0], 50173)
	tok = signIn()
	f.clock.Advance(91 * 24 * time.Hour)
	_, codes, _ = aadCode(refresh(tok))
	want(t, "inactive", codes[0], 700082)
	// Client authentication errors.
	bad := *cfg
	bad.ClientSecret = f.app.Secrets[0].ID // the secret id, a classic mistake
	_, err = bad.Exchange(ctx, "whatever")
	status, codes, _ = aadCode(err)
	want(t, "7000215 status", status, 401)
	want(t, "7000215", codes[0], 7000215)
	expired, _ := f.s.AddAppSecret(f.app.ClientID, f.s.Now().Add(-time.Hour))
	bad.ClientSecret = expired.Value
	_, err = bad.Exchange(ctx, "whatever")
	_, codes, _ = aadCode(err)
	want(t, "7000222", codes[0], 7000222)
	pub, _ := f.s.CreateApp(AppSpec{Name: "Public", Public: true, RedirectURIs: []string{"http://localhost/cb"}})
	pcfg := *cfg
	pcfg.ClientID, pcfg.ClientSecret = pub.ClientID, "anything"
	_, err = pcfg.Exchange(ctx, "whatever")
	status, codes, _ = aadCode(err)
	want(t, "700025 status", status, 401)
	want(t, "700025", codes[0], 700025)
	// client_credentials: tenant endpoint only, .default scope, no refresh token.
	cc := f.clientCredentials("organizations", f.app.Secrets[0].Value)
	want(t, "cc at organizations", cc["error_codes"].([]any)[0].(float64), 9001023.0)
	cc = f.clientCredentials(f.tenant.ID, f.app.Secrets[0].Value)
	if cc["access_token"] == nil || cc["refresh_token"] != nil {
		t.Fatalf("client_credentials answer %v", cc)
	}
	code, _ := f.call("GET", "/users/"+f.biz.UPN+"/drive", cc["access_token"].(string), nil)
	want(t, "app-only drive access", code, 200)
}

func (f *fixture) clientCredentials(tenant, secret string) map[string]any {
	f.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {f.app.ClientID}, "client_secret": {secret},
		"scope": {"https://graph.microsoft.com/.default"}}
	resp, err := http.PostForm(f.s.LoginURL()+"/"+tenant+"/oauth2/v2.0/token", form)
	must(f.t, err)
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return m
}

func TestMustHave22_ClientAssertion(t *testing.T) {
	f := setup(t, Options{})
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "driveway"},
		NotBefore: epoch.Add(-time.Hour), NotAfter: epoch.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, err)
	app, err := f.s.CreateApp(AppSpec{Name: "Daemon", Certificates: [][]byte{der}})
	must(t, err)
	sum := sha1.Sum(der)
	assertion := func(signer *rsa.PrivateKey) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": app.ClientID, "sub": app.ClientID,
			"aud": f.s.LoginURL() + "/" + f.tenant.ID + "/oauth2/v2.0/token", "jti": "1",
			"nbf": epoch.Unix(), "exp": epoch.Add(10 * time.Minute).Unix()})
		tok.Header["x5t"] = base64.RawURLEncoding.EncodeToString(sum[:])
		s, err := tok.SignedString(signer)
		must(t, err)
		return s
	}
	post := func(a string) int {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a},
			"scope": {"https://graph.microsoft.com/.default"}}
		resp, err := http.PostForm(f.s.LoginURL()+"/"+f.tenant.ID+"/oauth2/v2.0/token", form)
		must(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	want(t, "good assertion", post(assertion(key)), 200)
	want(t, "assertion signed by another key", post(assertion(processKey())), 401)
}

func TestMustHave23_DiscoveryAndKeys(t *testing.T) {
	f := setup(t, Options{})
	code, m := f.call("GET", f.s.LoginURL()+"/"+f.tenant.ID+"/v2.0/.well-known/openid-configuration", "", nil)
	want(t, "discovery status", code, 200)
	want(t, "issuer", str(m, "issuer"), f.s.LoginURL()+"/"+f.tenant.ID+"/v2.0")
	want(t, "jwks_uri", str(m, "jwks_uri"), f.s.LoginURL()+"/"+f.tenant.ID+"/discovery/v2.0/keys")
	code, m = f.call("GET", str(m, "jwks_uri"), "", nil)
	want(t, "tenant keys", code, 200)
	k := m["keys"].([]any)[0].(map[string]any)
	want(t, "kty", k["kty"].(string), "RSA")
	code, _ = f.call("GET", f.s.LoginURL()+"/discovery/v2.0/keys", "", nil)
	want(t, "global keys", code, 200)
}

// TestAuthorizePage walks the HTML account picker like a browser: the
// login_hint user is preselected, and posting the form returns a code.
func TestAuthorizePage(t *testing.T) {
	f := setup(t, Options{})
	cfg := f.oauth("organizations")
	resp := f.req("GET", cfg.AuthCodeURL("st", oauth2.SetAuthURLParam("login_hint", f.biz2.UPN)), "", nil)
	page := readAll(resp.Body)
	resp.Body.Close()
	want(t, "page status", resp.StatusCode, 200)
	checked := regexp.MustCompile(`value="([^"]+)" id="user-([^"]+)" data-upn="[^"]+" checked`).FindStringSubmatch(page)
	if checked == nil || checked[2] != f.biz2.UPN {
		t.Fatalf("login_hint not preselected: %v", checked)
	}
	if strings.Contains(page, f.personal.UPN) {
		t.Fatal("personal account offered at /organizations")
	}
	form := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(page, -1) {
		form.Add(m[1], htmlUnescape(m[2]))
	}
	form.Set("emu_user", checked[1])
	form.Set("emu_action", "accept")
	action := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(page)[1]
	resp = f.req("POST", htmlUnescape(action), "", form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	resp.Body.Close()
	want(t, "accept status", resp.StatusCode, 302)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	want(t, "state", loc.Query().Get("state"), "st")
	tok, err := cfg.Exchange(context.Background(), loc.Query().Get("code"))
	must(t, err)
	code, m := f.call("GET", "/me", tok.AccessToken, nil)
	want(t, "me", code, 200)
	want(t, "signed in as", str(m, "userPrincipalName"), f.biz2.UPN)
	form.Set("emu_action", "cancel")
	resp = f.req("POST", htmlUnescape(action), "", form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	resp.Body.Close()
	loc, _ = url.Parse(resp.Header.Get("Location"))
	want(t, "cancel error", loc.Query().Get("error"), "access_denied")
}

func htmlUnescape(s string) string { return html.UnescapeString(s) }

func cookiejarNew() (http.CookieJar, error) { return cookiejar.New(nil) }

func TestHybridFlowIDToken(t *testing.T) {
	f := setup(t, Options{AutoConsent: true})
	cfg := f.oauth("common")
	resp := f.req("GET", cfg.AuthCodeURL("h", oauth2.SetAuthURLParam("response_type", "code id_token"),
		oauth2.SetAuthURLParam("nonce", "n-9"), oauth2.SetAuthURLParam("login_hint", f.personal.UPN)), "", nil)
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	frag, _ := url.ParseQuery(loc.Fragment)
	if frag.Get("code") == "" || frag.Get("id_token") == "" {
		t.Fatalf("hybrid fragment %q", loc.Fragment)
	}
	claims := f.verifyIDToken(frag.Get("id_token"))
	want(t, "nonce", claims["nonce"], any("n-9"))
	want(t, "personal tid", claims["tid"], any(ConsumersTenantID))
}

func TestAdminConsent(t *testing.T) {
	f := setup(t, Options{AutoConsent: true})
	u := f.s.LoginURL() + "/organizations/v2.0/adminconsent?" + url.Values{"client_id": {f.app.ClientID},
		"redirect_uri": {"https://app.example/cb"}, "state": {"ac"}, "login_hint": {f.biz.UPN},
		"scope": {"https://graph.microsoft.com/.default"}}.Encode()
	q := f.authorize(u)
	want(t, "admin_consent", q.Get("admin_consent"), "True")
	want(t, "tenant", q.Get("tenant"), f.tenant.ID)
	want(t, "state", q.Get("state"), "ac")
	resp := f.req("GET", strings.Replace(u, "/organizations/", "/common/", 1), "", nil)
	resp.Body.Close()
	want(t, "common is refused with a page", resp.StatusCode, 400)
}
