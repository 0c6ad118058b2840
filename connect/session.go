package connect

import "github.com/drivewayhq/driveway"

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
	case s.Error != "":
		out["error"] = s.Error
	case s.CredentialID != "":
		out["connectCredentialId"] = s.CredentialID
	}
	return out
}
