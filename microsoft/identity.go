package microsoft

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/drivewayhq/driveway/ids"
)

// App is how Driveway authenticates as the customer's Azure app: one or two
// client secrets (tried in order during a rotation) or a certificate.
type App struct {
	ClientID    string
	Secrets     []string
	Certificate *AppCertificate
}

// AppCertificate signs client assertions.
type AppCertificate struct {
	Key        crypto.Signer
	Thumbprint string // base64url SHA-1 of the certificate ("x5t")
}

// Token is what the token endpoint grants.
type Token struct {
	AccessToken  string
	RefreshToken string // "" when Microsoft did not send one (no offline_access)
	IDToken      string
	ExpiresAt    time.Time
	Scopes       []string
}

// Identity talks to the identity platform's v2 endpoints of one cloud.
type Identity struct {
	Endpoints Endpoints
	// HTTP is the client for the token endpoint; http.DefaultClient when nil.
	HTTP *http.Client
	// Now returns the time; time.Now when nil.
	Now func() time.Time
}

// AuthorizeRequest is what goes into the authorize URL.
type AuthorizeRequest struct {
	Tenant, ClientID, RedirectURI, State string
	CodeChallenge                        string // S256 of the PKCE verifier
	Scopes                               []string
	LoginHint, Prompt, DomainHint        string
}

// AuthorizeURL returns the URL to send the user's browser to.
func (id *Identity) AuthorizeURL(r AuthorizeRequest) string {
	q := url.Values{
		"client_id":             {r.ClientID},
		"response_type":         {"code"},
		"redirect_uri":          {r.RedirectURI},
		"response_mode":         {"query"},
		"scope":                 {strings.Join(r.Scopes, " ")},
		"state":                 {r.State},
		"code_challenge":        {r.CodeChallenge},
		"code_challenge_method": {"S256"},
	}
	for k, v := range map[string]string{"login_hint": r.LoginHint, "prompt": r.Prompt, "domain_hint": r.DomainHint} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return id.Endpoints.AuthorizeURL(r.Tenant) + "?" + q.Encode()
}

// ExchangeCode redeems an authorization code with its PKCE verifier.
func (id *Identity) ExchangeCode(ctx context.Context, tenant string, app App, code, redirectURI, verifier string, scopes []string) (*Token, error) {
	return id.grant(ctx, tenant, app, url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI},
		"code_verifier": {verifier}, "scope": {strings.Join(scopes, " ")},
	})
}

// Refresh redeems a refresh token. The answer usually holds a new refresh
// token, which the caller must store before using the access token.
func (id *Identity) Refresh(ctx context.Context, tenant string, app App, refreshToken string, scopes []string) (*Token, error) {
	return id.grant(ctx, tenant, app, url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}, "scope": {strings.Join(scopes, " ")},
	})
}

// grant posts form to the token endpoint, authenticating as app. With two
// client secrets, a refusal of the first (invalid or expired secret) tries
// the second; any other answer is final.
func (id *Identity) grant(ctx context.Context, tenant string, app App, form url.Values) (*Token, error) {
	tokenURL := id.Endpoints.TokenURL(tenant)
	form.Set("client_id", app.ClientID)
	if app.Certificate != nil {
		assertion, err := id.clientAssertion(app, tokenURL)
		if err != nil {
			return nil, err
		}
		form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		form.Set("client_assertion", assertion)
		return id.post(ctx, tokenURL, form)
	}
	if len(app.Secrets) == 0 {
		return nil, errors.New("token request: the app has no client secret or certificate")
	}
	var err error
	for _, s := range app.Secrets {
		form.Set("client_secret", s)
		var tok *Token
		tok, err = id.post(ctx, tokenURL, form)
		var te *TokenError
		if err == nil || !errors.As(err, &te) || te.Class() != ClassAppCredentials {
			return tok, err
		}
	}
	return nil, err
}

func (id *Identity) now() time.Time {
	if id.Now != nil {
		return id.Now()
	}
	return time.Now()
}

// clientAssertion signs the JWT that proves the app holds its
// certificate's key (RFC 7523, as the identity platform documents it).
func (id *Identity) clientAssertion(app App, aud string) (string, error) {
	now := id.now()
	method := jwt.SigningMethod(jwt.SigningMethodRS256)
	if _, ok := app.Certificate.Key.Public().(interface{ Curve() }); ok {
		method = jwt.SigningMethodES256
	}
	t := jwt.NewWithClaims(method, jwt.MapClaims{
		"aud": aud, "iss": app.ClientID, "sub": app.ClientID, "jti": ids.Random(16),
		"nbf": now.Unix(), "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
	})
	t.Header["x5t"] = app.Certificate.Thumbprint
	s, err := t.SignedString(app.Certificate.Key)
	if err != nil {
		return "", fmt.Errorf("sign client assertion: %w", err)
	}
	return s, nil
}

type tokenResponse struct {
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	ExpiresIn    int64  `json:"expires_in"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
}

// maxTokenResponse bounds what is read from the token endpoint.
const maxTokenResponse = 1 << 20

func (id *Identity) post(ctx context.Context, tokenURL string, form url.Values) (*Token, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	client := id.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	start := id.now()
	resp, err := client.Do(req)
	if err != nil {
		return nil, &TokenError{Transport: true, Description: "token endpoint unreachable: " + redactURLError(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponse))
	if err != nil {
		return nil, &TokenError{Transport: true, Status: resp.StatusCode, Description: "token endpoint answer cut short"}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, decodeTokenError(resp, body)
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return nil, &TokenError{Status: resp.StatusCode, Description: "token endpoint answered 200 without an access token"}
	}
	return &Token{
		AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken, IDToken: tr.IDToken,
		ExpiresAt: start.Add(time.Duration(tr.ExpiresIn) * time.Second), Scopes: strings.Fields(tr.Scope),
	}, nil
}

// redactURLError keeps a transport error's cause but drops the URL, which
// never holds a secret here but keeps log lines short and uniform.
func redactURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// IDClaims are the id token claims that identify the account.
type IDClaims struct {
	TenantID          string `json:"tid"`
	ObjectID          string `json:"oid"`
	PreferredUsername string `json:"preferred_username"`
	Name              string `json:"name"`
	Email             string `json:"email"`
	Audience          string `json:"aud"`
	Nonce             string `json:"nonce"`
}

// ParseIDToken reads the claims of an id token that came straight from the
// token endpoint over TLS, where OpenID Connect lets a client skip the
// signature check (OIDC Core §3.1.3.7). It checks that aud is clientID.
func ParseIDToken(idToken, clientID string) (*IDClaims, error) {
	parts := strings.Split(idToken, ".")
	if len(parts) != 3 {
		return nil, errors.New("id token: not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, errors.New("id token: payload is not base64url")
	}
	var c IDClaims
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, errors.New("id token: payload is not JSON")
	}
	if c.Audience != clientID {
		return nil, errors.New("id token: issued to another client")
	}
	if c.ObjectID == "" || c.TenantID == "" {
		return nil, errors.New("id token: no oid or tid")
	}
	return &c, nil
}
