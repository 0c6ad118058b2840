package emulator

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// authzRequest is a parsed authorize request.
type authzRequest struct {
	tenant      string // authority segment
	app         *App
	redirect    string
	state       string
	mode        string // query, fragment, form_post
	scopes      []string
	prompt      string
	loginHint   string
	challenge   string
	method      string
	nonce       string
	params      url.Values // the original parameters, replayed by the page
	matchTenant func(*User) bool
	endpoint    string // path after the tenant, for the page's form
	admin       bool   // admin consent rather than sign-in
}

const sessionCookie = "emulator_session"

// SetNextUser makes the next auto-consented sign-in use this user (id or UPN)
// when the request has no login_hint.
func (e *Emulator) SetNextUser(idOrUPN string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rt.nextUser = idOrUPN
}

// SetAutoConsent switches the account picker off (true: sign in without a
// page) or on (false).
func (e *Emulator) SetAutoConsent(on bool) { e.autoConsent.Store(on) }

// serveAuthorize handles GET (and the page's POST) of the authorize endpoint.
func (e *Emulator) serveAuthorize(w http.ResponseWriter, r *http.Request, tenantSeg string) {
	if err := r.ParseForm(); err != nil {
		e.errorPage(w, aad(9002313))
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	ar, pageErr := e.parseAuthorize(r, tenantSeg)
	if pageErr != 0 {
		e.errorPage(w, aad(pageErr))
		return
	}
	if code, errName := e.checkAuthorize(ar); errName != "" {
		e.redirectError(w, ar, errName, code)
		return
	}
	if ar.prompt == "none" {
		e.silentAuthorize(w, r, ar)
		return
	}
	if r.Method == "POST" && r.PostForm.Get("emu_action") != "" {
		e.pageAnswer(w, r, ar)
		return
	}
	if e.autoConsent.Load() {
		u := e.pickUser(ar)
		if u == nil {
			e.redirectError(w, ar, "access_denied", 65004)
			return
		}
		e.grant(w, r, ar, u)
		return
	}
	e.renderPicker(w, ar)
}

// parseAuthorize checks what must produce an error page rather than a redirect. Lock held.
func (e *Emulator) parseAuthorize(r *http.Request, tenantSeg string) (*authzRequest, int) {
	f := r.Form
	kind, tenant, ok := e.tenantFor(tenantSeg)
	if !ok {
		return nil, 90002
	}
	app := e.st.Apps[f.Get("client_id")]
	if app == nil {
		return nil, 700016
	}
	ar := &authzRequest{tenant: tenantSeg, app: app, state: f.Get("state"), mode: f.Get("response_mode"), endpoint: "/oauth2/v2.0/authorize",
		scopes: strings.Fields(f.Get("scope")), prompt: f.Get("prompt"), loginHint: f.Get("login_hint"),
		challenge: f.Get("code_challenge"), method: f.Get("code_challenge_method"), nonce: f.Get("nonce"), params: f}
	ar.redirect = f.Get("redirect_uri")
	if ar.redirect == "" && len(app.RedirectURIs) == 1 {
		ar.redirect = app.RedirectURIs[0]
	}
	if !redirectAllowed(app.RedirectURIs, ar.redirect) {
		return nil, 50011
	}
	if ar.mode == "" {
		ar.mode = "query"
		if strings.Contains(f.Get("response_type"), "id_token") {
			ar.mode = "fragment" // the hybrid flow defaults to the fragment
		}
	}
	ar.matchTenant = func(u *User) bool {
		switch {
		case kind == "common":
			return true
		case kind == "organizations":
			return u.TenantID != ConsumersTenantID
		default:
			return u.TenantID == tenant.ID
		}
	}
	return ar, 0
}

// checkAuthorize returns an error to redirect with, if any. Lock held.
func (e *Emulator) checkAuthorize(ar *authzRequest) (int, string) {
	f := ar.params
	switch {
	case f.Get("response_type") != "code" && f.Get("response_type") != "code id_token":
		return 0, "unsupported_response_type"
	case len(ar.scopes) == 0:
		return 70011, "invalid_request"
	case ar.mode != "query" && ar.mode != "form_post" && ar.mode != "fragment":
		return 9002313, "invalid_request"
	case ar.challenge != "" && ar.method != "" && ar.method != "S256" && ar.method != "plain":
		return 9002313, "invalid_request"
	case ar.app.SingleTenant && !isTenantID(ar.tenant):
		return 50194, "invalid_request"
	case strings.Contains(f.Get("response_type"), "id_token") && ar.nonce == "":
		return 900144, "invalid_request"
	}
	if ar.challenge != "" && ar.method == "" {
		ar.method = "plain"
	}
	return 0, ""
}

// redirectAllowed matches a redirect URI exactly, except that the port of
// http://localhost URIs is ignored; http is allowed only for localhost.
func redirectAllowed(registered []string, got string) bool {
	if got == "" {
		return false
	}
	if slices.Contains(registered, got) {
		return true
	}
	g, err := url.Parse(got)
	if err != nil || g.Scheme != "http" || !isLoopbackHost(g.Hostname()) {
		return false
	}
	for _, reg := range registered {
		u, err := url.Parse(reg)
		if err == nil && u.Scheme == "http" && u.Hostname() == g.Hostname() && u.Path == g.Path && u.RawQuery == g.RawQuery {
			return true
		}
	}
	return false
}

// pickUser chooses the auto-consent user. Lock held.
func (e *Emulator) pickUser(ar *authzRequest) *User {
	for _, hint := range []string{ar.loginHint, e.rt.nextUser} {
		if hint == "" {
			continue
		}
		if u := e.userByLogin(hint); u != nil && ar.matchTenant(u) {
			return u
		}
	}
	for _, u := range e.usersSorted() {
		if ar.matchTenant(u) {
			return u
		}
	}
	return nil
}

func (e *Emulator) usersSorted() []*User {
	var out []*User
	for _, u := range e.st.Users {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b *User) int { return strings.Compare(a.UPN, b.UPN) })
	return out
}

// silentAuthorize handles prompt=none with the session cookie. Lock held.
func (e *Emulator) silentAuthorize(w http.ResponseWriter, r *http.Request, ar *authzRequest) {
	c, err := r.Cookie(sessionCookie)
	var u *User
	if err == nil {
		u = e.st.Users[c.Value]
	}
	if u == nil || !ar.matchTenant(u) {
		e.redirectError(w, ar, "login_required", 50058)
		return
	}
	consented := e.st.Consents[u.ID+"|"+ar.app.ClientID]
	for _, s := range ar.scopes {
		if !hasScope(consented, s) {
			e.redirectError(w, ar, "consent_required", 65001)
			return
		}
	}
	e.grant(w, r, ar, u)
}

// pageAnswer handles the picker page's form POST. Lock held.
func (e *Emulator) pageAnswer(w http.ResponseWriter, r *http.Request, ar *authzRequest) {
	if r.PostForm.Get("emu_action") != "accept" {
		e.redirectError(w, ar, "access_denied", 65004)
		return
	}
	u := e.st.Users[r.PostForm.Get("emu_user")]
	if u == nil || !ar.matchTenant(u) {
		e.renderPicker(w, ar)
		return
	}
	e.grant(w, r, ar, u)
}

// grant records consent, sets the session cookie, and redirects with a code. Lock held.
func (e *Emulator) grant(w http.ResponseWriter, r *http.Request, ar *authzRequest, u *User) {
	if e.needsAdminApproval(u, ar) {
		e.redirectError(w, ar, "access_denied", 90094)
		return
	}
	key := u.ID + "|" + ar.app.ClientID
	for _, s := range ar.scopes {
		if !hasScope(e.st.Consents[key], s) {
			e.st.Consents[key] = append(e.st.Consents[key], s)
		}
	}
	code := "M." + e.token(64)
	e.rt.codes[code] = &authCode{clientID: ar.app.ClientID, userID: u.ID, tenantID: u.TenantID, redirect: ar.params.Get("redirect_uri"),
		authority: ar.tenant, scopes: ar.scopes, challenge: ar.challenge, method: ar.method, nonce: ar.nonce,
		expires: e.Now().Add(e.opts.AuthCodeLifetime), cloud: e.cloudOf(r.Host)}
	e.changed()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: u.ID, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	v := url.Values{"code": {code}}
	if ar.state != "" {
		v.Set("state", ar.state)
	}
	v.Set("session_state", e.guid())
	if strings.Contains(ar.params.Get("response_type"), "id_token") {
		v.Set("id_token", e.idToken(ar.app, u, append([]string{"openid"}, ar.scopes...), ar.nonce))
	}
	e.respond(w, ar, v)
}

// redirectError sends an OAuth error back to the client. Lock held.
func (e *Emulator) redirectError(w http.ResponseWriter, ar *authzRequest, errName string, code int) {
	v := url.Values{"error": {errName}}
	if code != 0 {
		a := aad(code)
		trace, corr := e.guid(), e.guid()
		v.Set("error_description", e.aadDescription(a, trace, corr, e.Now().Format("2006-01-02 15:04:05Z")))
		v.Set("error_uri", e.LoginURL()+"/error?code="+itoa(code))
	}
	if ar.state != "" {
		v.Set("state", ar.state)
	}
	e.respond(w, ar, v)
}

// respond delivers parameters by the requested response_mode.
func (e *Emulator) respond(w http.ResponseWriter, ar *authzRequest, v url.Values) {
	redirect := ar.params.Get("redirect_uri")
	if redirect == "" {
		redirect = ar.redirect
	}
	switch ar.mode {
	case "form_post":
		e.renderFormPost(w, redirect, v)
	case "fragment":
		w.Header().Set("Location", redirect+"#"+v.Encode())
		w.WriteHeader(http.StatusFound)
	default:
		sep := "?"
		if strings.Contains(redirect, "?") {
			sep = "&"
		}
		w.Header().Set("Location", redirect+sep+v.Encode())
		w.WriteHeader(http.StatusFound)
	}
}
