package connect

import (
	"errors"
	"net/http"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/httpapi"
	"github.com/drivewayhq/driveway/microsoft"
)

func httpStatus(err error) int { return httpapi.StatusFor(driveway.ErrorCode(err)) }

// callback is GET /oauth, where Microsoft sends the browser back. The state
// is checked before anything else: a missing, unknown, reused, expired or
// mismatched state ends on an error page and no token exchange is tried.
// A valid answer is not redeemed here: it waits for the SDK that started
// the sign-in to finish it (awaitCompletion, complete.go). The page answers
// the opener only at the origin the state was bound to.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if isAdminConsentReturn(q) {
		h.adminConsentDone(w, r)
		return
	}
	st, problem := h.consumeState(r, q.Get("state"))
	if problem != "" {
		h.logger().InfoContext(r.Context(), "oauth callback refused", "request_id", httpapi.RequestID(r.Context()), "reason", problem)
		renderResult(w, http.StatusBadRequest, resultPage{Title: "This sign-in link is not valid",
			Detail: problem + " Start connecting OneDrive again from the app."})
		return
	}
	if e := q.Get("error"); e != "" {
		h.failSignIn(w, r, st, signInError(e, q.Get("error_description")))
		return
	}
	code := q.Get("code")
	if code == "" {
		h.failSignIn(w, r, st, errNoCode)
		return
	}
	h.awaitCompletion(w, r, st, code)
}

// consumeState takes the state out of the store (single use) and checks
// it; the second result is a reason to show when it is refused.
func (h *Handler) consumeState(r *http.Request, state string) (*driveway.OAuthState, string) {
	if state == "" {
		return nil, "The sign-in answer carries no state."
	}
	pid, secret, ok := splitState(state)
	if !ok {
		return nil, "The sign-in state is malformed."
	}
	st, err := h.Store.ConsumeOAuthState(r.Context(), stateID(secret))
	switch {
	case driveway.ErrorCode(err) == driveway.ENOTFOUND:
		return nil, "This sign-in is unknown or was already used."
	case err != nil:
		h.logger().ErrorContext(r.Context(), "consume oauth state", "err", err)
		return nil, "The sign-in could not be checked."
	case st.Code != "": // a completion secret is never a state
		return nil, "This sign-in is unknown or was already used."
	case st.ProjectID != pid:
		return nil, "This sign-in belongs to another project."
	case !h.now().Before(st.ExpiresAt):
		return nil, "This sign-in took too long and expired."
	}
	return st, ""
}

// flowError is a sign-in failure with a code for the SDK and a text for
// the user; neither holds anything secret.
type flowError struct {
	Code   string // oauth_error_callback "error" and the install session's Error
	Detail string
}

func (e *flowError) Error() string { return e.Code + ": " + e.Detail }

var errNoCode = &flowError{"invalid_request", "Microsoft sent no authorization code."}

// signInError maps the OAuth error Microsoft redirected with; a consent
// failure is told apart by the AADSTS code of its description.
func signInError(e, description string) *flowError {
	if fe := consentFailure(description); fe != nil && (e == "access_denied" || e == "consent_required") {
		return fe
	}
	switch e {
	case "access_denied", "consent_required":
		return &flowError{"access_denied", "Permission was not granted, so OneDrive was not connected."}
	case "interaction_required", "login_required":
		return &flowError{"interaction_required", "Microsoft needs you to sign in again."}
	case "temporarily_unavailable", "server_error":
		return &flowError{"temporarily_unavailable", "Microsoft is unavailable right now. Try again in a moment."}
	}
	return &flowError{"sign_in_failed", "Microsoft refused the sign-in."}
}

// tokenFlowError maps a token endpoint refusal by its class.
func tokenFlowError(err error) *flowError {
	var te *microsoft.TokenError
	if !errors.As(err, &te) {
		return nil
	}
	switch te.Class() {
	case microsoft.ClassAppCredentials:
		return &flowError{"app_credentials_invalid", "The app's own Microsoft credentials were refused. Contact the app's support."}
	case microsoft.ClassNeedsConsent:
		return &flowError{"access_denied", "Permission was not granted, so OneDrive was not connected."}
	case microsoft.ClassTransient:
		return &flowError{"temporarily_unavailable", "Microsoft is unavailable right now. Try again in a moment."}
	case microsoft.ClassNeedsInteractive:
		return &flowError{"interaction_required", "Microsoft needs you to sign in again."}
	}
	return &flowError{"sign_in_failed", "Microsoft refused the sign-in. Start again from the app."}
}

// flowFailure maps err to what the user and the SDK are told, logging it
// when it is not an expected sign-in failure.
func (h *Handler) flowFailure(r *http.Request, st *driveway.OAuthState, err error) *flowError {
	var fe *flowError
	if errors.As(err, &fe) {
		return fe
	}
	if fe = tokenFlowError(err); fe == nil {
		fe = &flowError{"sign_in_failed", "OneDrive could not be connected. Try again."}
	}
	h.logger().ErrorContext(r.Context(), "oauth sign-in failed", "request_id", httpapi.RequestID(r.Context()),
		"project", st.ProjectID, "err", err)
	return fe
}

// failSignIn records the failure for polling and shows it, answering the
// opener with oauth_error_callback.
func (h *Handler) failSignIn(w http.ResponseWriter, r *http.Request, st *driveway.OAuthState, err error) {
	fe := h.flowFailure(r, st, err)
	h.putSession(r, st, "", fe.Code)
	errorResponse := map[string]any{"message": fe.Detail, "code": fe.Code}
	link := h.withAdminLink(r, st, fe)
	if link != "" {
		errorResponse["adminConsentUrl"] = link
	}
	renderResult(w, http.StatusOK, resultPage{Title: "OneDrive was not connected", Detail: fe.Detail, Origin: st.Origin,
		Link: link, LinkText: "Approval link for your administrator",
		Message: map[string]any{"type": "oauth_error_callback", "error": fe.Code, "integrationId": IntegrationID(st.ProjectID),
			"errorResponse": errorResponse}})
}

// putSession records how the flow ended, when the SDK gave a session id.
func (h *Handler) putSession(r *http.Request, st *driveway.OAuthState, credentialID, code string) {
	if st.SessionID == "" {
		return
	}
	now := h.now()
	s := &driveway.InstallSession{ProjectID: st.ProjectID, UserID: st.UserID, ID: st.SessionID,
		CredentialID: credentialID, Error: code, CreatedAt: now, ExpiresAt: now.Add(sessionLifetime)}
	if err := h.Store.PutInstallSession(r.Context(), s); err != nil {
		h.logger().ErrorContext(r.Context(), "record install session", "err", err)
	}
}
