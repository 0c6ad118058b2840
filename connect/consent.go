package connect

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
)

// Consent failure codes: the oauth_error_callback "error", the install
// session's error, and the SDK error's code.
const (
	codeUserDeclined        = "user_declined"
	codeAdminConsent        = "admin_consent_required"
	codeAppNotAllowed       = "app_not_allowed"
	codeConditionalAccess   = "conditional_access"
	adminConsentStatePrefix = "adminconsent."
)

var aadstsCode = regexp.MustCompile(`AADSTS(\d+)`)

// consentFailure classifies an access_denied (or consent_required) answer
// by the AADSTS code in its description: the user declined; the tenant
// lets only an administrator consent (AADSTS90094, 90093, 65001: the
// answer carries the admin-consent link, see failSignIn); the tenant does
// not allow the app or this user (AADSTS50105, 50020, 700016); Conditional
// Access blocked the sign-in (AADSTS53003 and the 530xx family). Nil when
// the description names none of them.
func consentFailure(description string) *flowError {
	m := aadstsCode.FindStringSubmatch(description)
	if m == nil {
		return nil
	}
	switch code := m[1]; {
	case code == "65004":
		return &flowError{codeUserDeclined, "You declined the permissions OneDrive asked for, so it was not connected. Connect again and accept them to continue."}
	case code == "90094" || code == "90093" || code == "65001":
		return &flowError{codeAdminConsent, "Your organization lets only an administrator approve this app. Send your administrator the approval link; once they approve, connect again."}
	case code == "50105" || code == "50020" || code == "700016":
		return &flowError{codeAppNotAllowed, "Your organization has not allowed this app, or not for your account. Ask your IT administrator to allow it."}
	case strings.HasPrefix(code, "530"):
		return &flowError{codeConditionalAccess, "Your organization's access policies (Conditional Access) blocked this sign-in, for example from this device or location. Contact your IT administrator."}
	}
	return nil
}

// adminConsentURL is the identity platform's admin-consent link for the
// project's app: the tenant's administrator opens it, approves the app
// for the whole organization, and comes back to /oauth (adminConsentDone).
// The scopes are the integration's, as resource URIs of its cloud's Graph.
func (h *Handler) adminConsentURL(r *http.Request, projectID string) string {
	in, err := h.integration(r, projectID)
	if err != nil || in == nil {
		return ""
	}
	login, err := h.Resolver.Endpoints(in.Cloud)
	if err != nil {
		return ""
	}
	resource, err := microsoft.Resolver{}.Endpoints(in.Cloud) // the scope names Microsoft's Graph, never an override
	if err != nil {
		return ""
	}
	var scopes []string
	for _, s := range in.Scopes {
		if !oidcScope(s) {
			scopes = append(scopes, strings.TrimRight(resource.Graph, "/")+"/"+s)
		}
	}
	tenant := in.Tenant
	if tenant == "" || strings.EqualFold(tenant, "common") || strings.EqualFold(tenant, "consumers") {
		tenant = "organizations"
	}
	q := url.Values{"client_id": {in.ClientID}, "scope": {strings.Join(scopes, " ")},
		"redirect_uri": {h.redirectURI()}, "state": {adminConsentStatePrefix + projectID}}
	return strings.TrimRight(login.Login, "/") + "/" + url.PathEscape(tenant) + "/v2.0/adminconsent?" + q.Encode()
}

func oidcScope(s string) bool {
	switch strings.ToLower(s) {
	case "openid", "profile", "email", "offline_access":
		return true
	}
	return false
}

// adminConsentDone is /oauth when an administrator comes back from the
// admin-consent link. Nothing is redeemed or stored (the answer carries no
// code), so the unsigned state is enough: the page only tells the admin
// what happened and the user what to do next.
func (h *Handler) adminConsentDone(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if strings.EqualFold(q.Get("admin_consent"), "true") {
		renderResult(w, http.StatusOK, resultPage{OK: true, Title: "The app is approved for your organization",
			Detail: "Everyone in your organization can now connect OneDrive to the app. Tell the person who asked that they can connect again."})
		return
	}
	fe := &flowError{"admin_consent_declined", "The app was not approved, so people in your organization still cannot connect OneDrive to it."}
	if e := q.Get("error"); e != "" && e != "access_denied" {
		fe.Detail = "Microsoft did not complete the approval. Open the approval link again."
	}
	renderResult(w, http.StatusOK, resultPage{Title: "The app was not approved", Detail: fe.Detail})
}

// isAdminConsentReturn: the /oauth answer is the admin-consent flow's.
func isAdminConsentReturn(q url.Values) bool {
	return strings.HasPrefix(q.Get("state"), adminConsentStatePrefix) || q.Get("admin_consent") != ""
}

// withAdminLink adds the admin-consent link to a failure that needs it.
func (h *Handler) withAdminLink(r *http.Request, st *driveway.OAuthState, fe *flowError) string {
	if fe.Code != codeAdminConsent {
		return ""
	}
	return h.adminConsentURL(r, st.ProjectID)
}
