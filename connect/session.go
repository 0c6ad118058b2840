package connect

import (
	"net/http"
	"regexp"
	"strings"

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

// failedMarkerPrefix, with the failure's code, is the connectCredentialId
// that ends the published SDK's poll of a failed sign-in: the poll reads
// no "error", so it would go on for 180 s. Its read of
// GET /sdk/credentials/{marker} fails with the code (failedSignIn), which
// reaches the onError of installFlow and startOAuthFlow; the popup's
// message has told installIntegration already.
const failedMarkerPrefix = "sign-in-failed-"

// failedCode matches the code in a failed marker (OAuth error codes).
var failedCode = regexp.MustCompile(`^[a-z_]{1,64}$`)

// failedSignIn answers the read of a failed marker, or nil when id is no
// such marker.
func failedSignIn(id string) error {
	code, ok := strings.CutPrefix(id, failedMarkerPrefix)
	if !ok || !failedCode.MatchString(code) {
		return nil
	}
	return driveway.Errorf(driveway.EINVALID, "OneDrive was not connected (%s): connect again", code)
}

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
	case s.Error != "" && paragonSDK:
		out["error"] = s.Error
		out["connectCredentialId"] = failedMarkerPrefix + s.Error
	case s.Error != "":
		out["error"] = s.Error
	case s.CredentialID != "":
		out["connectCredentialId"] = s.CredentialID
	}
	return out
}
