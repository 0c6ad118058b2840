package emulator

import (
	"net/http"
	"net/url"
	"strings"
)

// serveAdminConsent is GET /{tenant}/v2.0/adminconsent: an administrator
// (a work account of the tenant) grants the app's permissions for the whole
// tenant. Success redirects with admin_consent=True&tenant=...&scope=...
func (e *Emulator) serveAdminConsent(w http.ResponseWriter, r *http.Request, tenantSeg string) {
	if err := r.ParseForm(); err != nil {
		e.errorPage(w, aad(9002313))
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if strings.EqualFold(tenantSeg, "common") || strings.EqualFold(tenantSeg, "consumers") {
		e.errorPage(w, aad(9001023))
		return
	}
	r.Form.Set("response_type", "code") // admin consent has none; satisfy the shared checks
	ar, pageErr := e.parseAuthorize(r, tenantSeg)
	if pageErr != 0 {
		e.errorPage(w, aad(pageErr))
		return
	}
	ar.endpoint, ar.admin = "/v2.0/adminconsent", true
	inner := ar.matchTenant
	ar.matchTenant = func(u *User) bool { return inner(u) && u.TenantID != ConsumersTenantID }
	if len(ar.scopes) == 0 {
		ar.scopes = []string{"https://graph.microsoft.com/.default"}
	}
	var u *User
	switch {
	case r.Method == "POST" && r.PostForm.Get("emu_action") == "cancel":
		e.redirectError(w, ar, "access_denied", 65004)
		return
	case r.Method == "POST" && r.PostForm.Get("emu_action") == "accept":
		u = e.st.Users[r.PostForm.Get("emu_user")]
	case e.autoConsent.Load():
		u = e.pickUser(ar)
	}
	if u == nil || !ar.matchTenant(u) {
		if e.autoConsent.Load() {
			e.redirectError(w, ar, "access_denied", 65004)
			return
		}
		e.renderPicker(w, ar)
		return
	}
	e.st.Consents["admin|"+u.TenantID+"|"+ar.app.ClientID] = ar.scopes
	e.changed()
	v := url.Values{"admin_consent": {"True"}, "tenant": {u.TenantID}, "scope": {strings.Join(ar.scopes, " ")}}
	if ar.state != "" {
		v.Set("state", ar.state)
	}
	e.respond(w, ar, v)
}
