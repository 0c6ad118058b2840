package emulator

import (
	"fmt"
	"net/http"
	"strconv"
)

// aadError is an identity platform error with its AADSTS code.
type aadError struct {
	Code     int
	Error    string
	Message  string
	Suberror string
}

// aadsts is the table of the AADSTS codes the emulator produces.
var aadsts = map[int]aadError{
	28000:   {Error: "invalid_scope", Message: "Provided value for the input parameter scope is not valid because it contains more than one resource."},
	500011:  {Error: "invalid_resource", Message: "The resource principal was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."},
	50011:   {Error: "invalid_request", Message: "The redirect URI specified in the request does not match the redirect URIs configured for the application."},
	50058:   {Error: "login_required", Message: "A silent sign-in request was sent but no user is signed in."},
	50076:   {Error: "invalid_grant", Message: "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.", Suberror: "basic_action"},
	50079:   {Error: "interaction_required", Message: "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication."},
	50173:   {Error: "invalid_grant", Message: "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.", Suberror: "bad_token"},
	50194:   {Error: "invalid_request", Message: "Application is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications."},
	54005:   {Error: "invalid_grant", Message: "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."},
	65001:   {Error: "invalid_grant", Message: "The user or administrator has not consented to use the application. Send an interactive authorization request for this user and resource.", Suberror: "consent_required"},
	65004:   {Error: "access_denied", Message: "User declined to consent to access the app."},
	53003:   {Error: "access_denied", Message: "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance."},
	90094:   {Error: "access_denied", Message: "The app needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it."},
	70000:   {Error: "invalid_grant", Message: "The request was denied because one or more grants are invalid or expired."},
	70003:   {Error: "unsupported_grant_type", Message: "The app requested an unsupported grant type."},
	70008:   {Error: "invalid_grant", Message: "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."},
	70011:   {Error: "invalid_scope", Message: "The provided request must include a 'scope' input parameter."},
	90033:   {Error: "temporarily_unavailable", Message: "A transient error has occurred. Please try again."},
	90002:   {Error: "invalid_request", Message: "Tenant not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."},
	700005:  {Error: "invalid_grant", Message: "Provided Authorization Code is intended to use against other tenant, thus rejected."},
	700016:  {Error: "unauthorized_client", Message: "Application with the given identifier was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant."},
	700025:  {Error: "invalid_client", Message: "Client is public so neither 'client_assertion' nor 'client_secret' should be presented."},
	700027:  {Error: "invalid_client", Message: "Client assertion failed signature validation."},
	700082:  {Error: "invalid_grant", Message: "The refresh token has expired due to inactivity. The token was issued and was inactive for 90.00:00:00."},
	900144:  {Error: "invalid_request", Message: "The request body must contain the following parameter: 'grant_type'."},
	501481:  {Error: "invalid_grant", Message: "The Code_Verifier does not match the code_challenge supplied in the authorization request."},
	1002012: {Error: "invalid_scope", Message: "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."},
	7000215: {Error: "invalid_client", Message: "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app."},
	7000218: {Error: "invalid_client", Message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."},
	7000222: {Error: "invalid_client", Message: "The provided client secret keys for app are expired. Visit the Azure portal to create new keys for your app."},
	9001023: {Error: "invalid_request", Message: "The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint."},
	9002313: {Error: "invalid_request", Message: "Invalid request. Request is malformed or invalid."},
}

// interactionRequired is the interaction_required error with no specific AADSTS code
// beyond 50079-style MFA enrollment.
const interactionRequired = 50079

func aad(code int) aadError {
	a, ok := aadsts[code]
	if !ok {
		a = aadError{Error: "invalid_request", Message: "Error " + strconv.Itoa(code) + "."}
	}
	a.Code = code
	return a
}

// aadStatus is 401 for invalid_client, else 400.
func (a aadError) status() int {
	if a.Error == "invalid_client" {
		return http.StatusUnauthorized
	}
	return http.StatusBadRequest
}

// writeAADError writes the v2 token-endpoint error JSON.
func (e *Emulator) writeAADError(w http.ResponseWriter, r *http.Request, a aadError) {
	writeAADStatus(e, w, r, a, a.status())
}

// writeAADStatus writes the v2 error JSON with an explicit status.
func writeAADStatus(e *Emulator, w http.ResponseWriter, r *http.Request, a aadError, status int) {
	trace := e.guid()
	corr := r.Header.Get("client-request-id")
	if corr == "" {
		corr = e.guid()
	}
	ts := e.Now().Format("2006-01-02 15:04:05Z")
	body := map[string]any{
		"error":             a.Error,
		"error_description": e.aadDescription(a, trace, corr, ts),
		"error_codes":       []int{a.Code},
		"timestamp":         ts,
		"trace_id":          trace,
		"correlation_id":    corr,
		"error_uri":         e.LoginURL() + "/error?code=" + strconv.Itoa(a.Code),
	}
	if a.Suberror != "" {
		body["suberror"] = a.Suberror
	}
	if a.Code == 50076 {
		body["claims"] = `{"access_token":{"capolids":{"essential":true,"values":["00000000-0000-0000-0000-000000000000"]}}}`
	}
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.Header().Set("Pragma", "no-cache")
	writePlainJSON(w, status, body)
}

func (e *Emulator) aadDescription(a aadError, trace, corr, ts string) string {
	return fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", a.Code, a.Message, trace, corr, ts)
}
