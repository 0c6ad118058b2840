package connect

import (
	"net/http"

	"github.com/drivewayhq/driveway/httpapi"
)

// codeNotSupported is the error code of a Paragon SDK call Driveway does
// not offer. The published SDK shows the app the message (its Error's
// message); the body's code stays stable for a client that reads it.
const codeNotSupported = "not_supported"

// unsupported lists the routes of Paragon's SDK API that Driveway answers
// with 501 not_supported, each with the SDK method that calls it and why.
var unsupported = []struct{ method, path, message string }{
	{"POST", "/credentials/{credentialId}/configurations", "createConfiguration: " + noConfigurations},
	{"PATCH", "/credentials/{credentialId}/configurations", "updateConfiguration: " + noConfigurations},
	{"DELETE", "/credentials/{credentialId}/configurations", "destroyConfiguration: " + noConfigurations},
	{"POST", "/actions", "getFieldOptions: Driveway's OneDrive integration has no dynamic input sources"},
	{"POST", "/resources/{resourceId}/connect", "connectAction: Driveway has no resources to connect"},
}

// noCompleteInstall answers completeInstall (POST /sdk/credentials with
// an authorization code the app obtained itself).
const noCompleteInstall = "Driveway does not offer completeInstall: Driveway runs the Microsoft sign-in itself " +
	"(installIntegration or connect) and takes no authorization code from the app"

// noExternalID answers installIntegration's externalId option.
const noExternalID = "Driveway does not offer externalId: it keeps no label of yours on an account; " +
	"tell accounts apart by their credential id (selectedCredentialId) or providerData"

const noConfigurations = "Driveway keeps one configuration per OneDrive account (its User Settings: updateIntegrationUserSettings)"

// unsupportedRoutes serves unsupported under /projects/{pid}/sdk, with
// CORS as every SDK route (no user token needed to learn it is missing).
func (h *Handler) unsupportedRoutes() []Route {
	var out []Route
	for _, u := range unsupported {
		out = append(out, Route{u.method + " /projects/{pid}/sdk" + u.path, h.cors(notSupported(u.message))})
	}
	// getCustomWebhookUserManualUrl builds this URL in the browser; the
	// page behind it is the one an end user would open.
	out = append(out, Route{"GET /triggers/connect/{pid}/{iid}/custom-triggers/{tid}",
		notSupported("custom webhook triggers (getCustomWebhookUserManualUrl): a workflow's trigger is a Request, " +
			"an App Event, File Change or a schedule")})
	return out
}

// notSupported answers 501 with the NestJS error shape; message names the
// SDK method and what Driveway offers instead.
func notSupported(message string) http.Handler {
	message = "Driveway does not offer " + message
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeNotSupported(w, r, message)
	})
}

func writeNotSupported(w http.ResponseWriter, r *http.Request, message string) {
	writeJSON(w, http.StatusNotImplemented, errorBody{StatusCode: http.StatusNotImplemented, Message: message,
		Code: codeNotSupported, RequestID: httpapi.RequestID(r.Context()),
		Error: graphEnvelope{Code: codeNotSupported, Message: message}})
}
