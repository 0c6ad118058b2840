package emulator

import (
	"net"
	"net/http"
	"strings"
	"time"
)

// principal is the caller of a Graph request.
type principal struct {
	UserID   string // empty for app-only tokens
	ClientID string
	TenantID string
	Scopes   []string
}

// authenticate checks the bearer token. It writes a 401 and returns nil on failure.
func (e *Emulator) authenticate(w http.ResponseWriter, r *http.Request) *principal {
	tok, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		e.unauthenticated(w, r, "Access token is empty.")
		return nil
	}
	e.mu.Lock()
	at := e.st.AccessTokens[tok]
	now := e.Now()
	var p *principal
	msg := ""
	switch {
	case at == nil:
		msg = "IDX14100: JWT is not well formed, there are no dots (.)."
		e.stats.unknownTokens++
	case !now.Before(at.Expires) || now.Before(at.Issued.Add(-5*time.Minute)):
		msg = "Access token has expired or is not yet valid."
	case at.Cloud != e.cloudOf(r.Host) || !e.audienceOK(r, at):
		msg = "Access token validation failure. Invalid audience."
	default:
		p = &principal{UserID: at.UserID, ClientID: at.ClientID, TenantID: at.TenantID, Scopes: at.Scopes}
	}
	e.mu.Unlock()
	if p == nil {
		e.unauthenticated(w, r, msg)
	}
	return p
}

// bearerToken takes the token from an Authorization header. The scheme is
// case-insensitive (RFC 7235 §2.1), and Graph accepts "bearer" as well.
func bearerToken(h string) (string, bool) {
	scheme, tok, _ := strings.Cut(h, " ")
	tok = strings.TrimLeft(tok, " ")
	return tok, strings.EqualFold(scheme, "Bearer") && tok != ""
}

func (e *Emulator) unauthenticated(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
	e.writeGraphError(w, r, gerr(401, "InvalidAuthenticationToken", msg))
}

// cloudOf maps a request host to a cloud name.
func (e *Emulator) cloudOf(hostport string) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if c, ok := e.opts.CloudHosts[strings.ToLower(host)]; ok {
		return c
	}
	return e.opts.Cloud
}

// canAccess reports whether p may use drive d. Lock held.
func (e *Emulator) canAccess(p *principal, d *Drive) bool {
	owner := e.st.Users[d.OwnerID]
	if owner == nil {
		return false
	}
	if s := e.driveSite(d); s != nil {
		return siteAllows(p, s)
	}
	if p.UserID == owner.ID {
		return true
	}
	// Delegated or app-only access inside the same business tenant.
	return owner.TenantID == p.TenantID && owner.TenantID != ConsumersTenantID
}

// Scopes that allow reading and writing drive content (delegated), plus
// .default for app-only tokens.
var (
	writeScopes = []string{"Files.ReadWrite", "Files.ReadWrite.All", "Files.ReadWrite.AppFolder",
		"Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All",
		"OneDrive.ReadWrite"} // the consumer OneDrive API's, for the picker (filepicker_tokens.go)
	readScopes = append([]string{"Files.Read", "Files.Read.All", "Sites.Read.All", "OneDrive.Read"}, writeScopes...)
)

// allowed reports whether p's scopes permit the method on drive content.
// A token minted without scopes (IssueAccessToken in tests) may do anything.
func (p *principal) allowed(method string) bool {
	if len(p.Scopes) == 0 {
		return true
	}
	need := readScopes
	if method != "GET" && method != "HEAD" {
		need = writeScopes
	}
	for _, s := range p.Scopes {
		if strings.HasSuffix(s, "/.default") || hasScope(need, s) {
			return true
		}
	}
	return false
}
