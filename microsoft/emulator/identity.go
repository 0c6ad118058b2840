package emulator

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var (
	processKeyOnce sync.Once
	processKeyVal  *rsa.PrivateKey
)

// processKey generates one RSA key per process, so tests that start many
// emulators do not each pay for key generation.
func processKey() *rsa.PrivateKey {
	processKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic("emulator: generate signing key: " + err.Error())
		}
		processKeyVal = k
	})
	return processKeyVal
}

// keyID derives a stable kid from the public key.
func keyID(pub *rsa.PublicKey) string {
	der := x509.MarshalPKCS1PublicKey(pub)
	sum := sha256.Sum256(der)
	return strings.TrimRight(b64url(sum[:15]), "=")
}

func b64url(b []byte) string { return base64.URLEncoding.EncodeToString(b) }

// serveIdentity routes identity platform endpoints.
func (e *Emulator) serveIdentity(w http.ResponseWriter, r *http.Request, path string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	rest := strings.Join(segs[min(1, len(segs)):], "/")
	switch {
	case path == "/discovery/v2.0/keys" || path == "/common/discovery/keys" || rest == "discovery/v2.0/keys" || rest == "discovery/keys":
		e.serveJWKS(w)
	case rest == "v2.0/.well-known/openid-configuration":
		e.serveDiscovery(w, r, segs[0])
	case rest == "oauth2/v2.0/token":
		e.serveToken(w, r, segs[0])
	case rest == "oauth2/v2.0/authorize":
		e.serveAuthorize(w, r, segs[0])
	case rest == "v2.0/adminconsent":
		e.serveAdminConsent(w, r, segs[0])
	case rest == "oauth2/v2.0/logout":
		e.serveLogout(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (e *Emulator) serveJWKS(w http.ResponseWriter) {
	pub := &e.key.PublicKey
	k := map[string]any{"kty": "RSA", "use": "sig", "kid": e.kid, "x5t": e.kid,
		"n":      strings.TrimRight(b64url(pub.N.Bytes()), "="),
		"e":      strings.TrimRight(b64url(big.NewInt(int64(pub.E)).Bytes()), "="),
		"issuer": e.LoginURL() + "/{tenantid}/v2.0"}
	writePlainJSON(w, 200, map[string]any{"keys": []any{k}})
}

func (e *Emulator) serveDiscovery(w http.ResponseWriter, r *http.Request, tenant string) {
	e.mu.Lock()
	kind, t, ok := e.tenantFor(tenant)
	e.mu.Unlock()
	if !ok {
		e.writeAADError(w, r, aad(90002))
		return
	}
	issuerTenant := "{tenantid}"
	if kind == "tenant" {
		issuerTenant = t.ID
	}
	base := e.LoginURL() + "/" + tenant
	writePlainJSON(w, 200, map[string]any{
		"issuer":                                e.LoginURL() + "/" + issuerTenant + "/v2.0",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"userinfo_endpoint":                     e.GraphURL() + "/oidc/userinfo",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"claims_supported": []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
			"msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver",
			"at_hash", "c_hash", "email"},
		"request_uri_parameter_supported": false,
		"tenant_region_scope":             nil,
		"cloud_instance_name":             "microsoftonline.com",
		"cloud_graph_host_name":           "graph.windows.net",
		"msgraph_host":                    strings.TrimPrefix(strings.TrimPrefix(e.base.String(), "http://"), "https://"),
		"rbac_url":                        "https://pas.windows.net",
	})
}

// idToken mints an RS256 id_token for u. Lock held.
func (e *Emulator) idToken(app *App, u *User, scopes []string, nonce string) string {
	now := e.Now()
	sub := sha256.Sum256([]byte(u.ID + "|" + app.ClientID))
	claims := jwt.MapClaims{
		"ver": "2.0", "iss": e.LoginURL() + "/" + u.TenantID + "/v2.0", "aud": app.ClientID,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"tid": u.TenantID, "sub": strings.TrimRight(b64url(sub[:]), "="), "oid": oidClaim(u),
		"aio": e.token(24), "rh": "0.A" + e.token(12), "uti": e.token(16), "sid": e.guid(),
	}
	if hasScope(scopes, "profile") {
		claims["preferred_username"], claims["name"] = u.UPN, u.DisplayName
	}
	if hasScope(scopes, "email") && u.Mail != "" {
		claims["email"] = u.Mail
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = e.kid
	s, err := tok.SignedString(e.key)
	if err != nil {
		panic("emulator: sign id token: " + err.Error())
	}
	return s
}

// oidClaim is the oid: a GUID; for personal accounts one derived from the CID
// ("00000000-0000-0000-{cid}").
func oidClaim(u *User) string {
	if u.CID != "" {
		c := strings.ToLower(u.CID)
		return "00000000-0000-0000-" + c[:4] + "-" + c[4:]
	}
	return u.ID
}

// verifyAssertion checks a client_assertion JWT against the app's certificates.
func (e *Emulator) verifyAssertion(app *App, assertion string) bool {
	tok, err := jwt.Parse(assertion, func(t *jwt.Token) (any, error) {
		x5t, _ := t.Header["x5t"].(string)
		x5t256, _ := t.Header["x5t#S256"].(string)
		for _, der := range app.Certificates {
			a, b := certThumbprints(der)
			if (x5t != "" && strings.TrimRight(x5t, "=") == a) || (x5t256 != "" && strings.TrimRight(x5t256, "=") == b) {
				c, err := parseCert(der)
				if err != nil {
					return nil, err
				}
				return c.PublicKey, nil
			}
		}
		return nil, jwt.ErrTokenUnverifiable
	}, jwt.WithValidMethods([]string{"RS256", "PS256"}), jwt.WithTimeFunc(e.Now), jwt.WithExpirationRequired())
	if err != nil || !tok.Valid {
		return false
	}
	claims, _ := tok.Claims.(jwt.MapClaims)
	iss, _ := claims["iss"].(string)
	sub, _ := claims["sub"].(string)
	return iss == app.ClientID && sub == app.ClientID
}

// serveLogout ends the emulator's sign-in session and returns to
// post_logout_redirect_uri when given.
func (e *Emulator) serveLogout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1})
	if u := r.URL.Query().Get("post_logout_redirect_uri"); u != "" {
		http.Redirect(w, r, u, http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte("<!doctype html><title>Signed out</title><p>You signed out of your account.</p>"))
}
