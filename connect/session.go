package connect

import (
	"net/http"

	"github.com/drivewayhq/driveway"
)

// sessionStartedByInstall marks a pending install session that the
// published SDK's installIntegration started (its installOptions say
// isApiInstallation): that call resolves from the SDK's install event, so
// the event its poll would fire again is a duplicate. Its installFlow and
// a direct startOAuthFlow learn of success only from the poll (their
// onSuccess), so their sessions answer the real credential id.
const sessionStartedByInstall = "pending_install_integration"

// startedBy is the mark of a new install session for req.
func startedBy(req *signInRequest) string {
	if req.installIntegration {
		return sessionStartedByInstall
	}
	return ""
}

// finishedMark is the mark of a finished install session: bySDK says the
// SDK that started the sign-in finished it itself (its completion call).
func (h *Handler) finishedMark(r *http.Request, st *driveway.OAuthState, bySDK bool) string {
	if !bySDK || st.SessionID == "" {
		return ""
	}
	s, err := h.Store.GetInstallSession(r.Context(), st.ProjectID, st.UserID, st.SessionID)
	if err != nil || s.Error != sessionStartedByInstall {
		return ""
	}
	return sessionFinishedBySDK
}

// sessionFinishedBySDK marks an install session whose sign-in the SDK that
// started it finished itself (POST /sdk/credentials with the completion
// secret): that SDK holds the credential and has fired its install event.
const sessionFinishedBySDK = "finished_by_sdk"

// paragonVersionHeader is sent by the published Paragon SDK on every call
// (its SDK_VERSION_HEADER); Driveway's own SDK does not send it.
const paragonVersionHeader = "X-Paragon-SDK-Version"

// deliveredMarker is the connectCredentialId that ends the published
// SDK's poll of a session it finished itself. Its pollForCredential keeps
// polling every second, for up to 180 s, until an answer carries a
// connectCredentialId; it then fires onIntegrationInstall again for an id
// it already holds, or, for an id it does not hold, reads
// GET /sdk/credentials/{id} and stops quietly when that answers null
// (getCredential does for this marker). Driveway's own SDK stops polling
// once its completion call answered, and is given the real id.
const deliveredMarker = "finished-by-sdk"

// sessionView is what the poll of session s answers: {} while the sign-in
// runs, {connectCredentialId} once it succeeded, {error} if it failed.
func sessionView(s *driveway.InstallSession, paragonSDK bool) map[string]string {
	out := map[string]string{}
	switch {
	case s.Error == sessionFinishedBySDK && paragonSDK:
		out["connectCredentialId"] = deliveredMarker
	case s.Error == sessionFinishedBySDK:
		out["connectCredentialId"] = s.CredentialID
	case s.Error == sessionStartedByInstall:
	case s.Error != "":
		out["error"] = s.Error
	case s.CredentialID != "":
		out["connectCredentialId"] = s.CredentialID
	}
	return out
}
