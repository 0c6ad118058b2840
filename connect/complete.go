package connect

import (
	"errors"
	"net/http"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/httpapi"
)

// CompletionLifetime is how long a sign-in that Microsoft answered waits
// for the SDK that started it to finish it. The SDK finishes within a
// second of the /oauth page loading; Microsoft's code lives about ten
// minutes, so the exchange still works at the end of this window.
const CompletionLifetime = 2 * time.Minute

// errNoCompletion answers every completion secret that is unknown, already
// used, or another user's or project's: the same answer, so that it tells
// nothing about other people's sign-ins.
var errNoCompletion = driveway.Errorf(driveway.ENOTFOUND,
	"no such sign-in to finish: it is unknown, already finished, or was started by someone else. Connect again")

// awaitCompletion is the end of /oauth for a valid state and a code: no
// token is redeemed yet. The code waits, sealed, under a fresh single-use
// completion secret, and the page hands that secret only to its opener on
// the origin the state was bound to. The SDK that started the sign-in
// finishes it with POST /sdk/credentials and the same user token (complete).
// A browser that reached /oauth by any other way (a forwarded sign-in link)
// has no such opener: the secret goes nowhere and nothing is connected.
func (h *Handler) awaitCompletion(w http.ResponseWriter, r *http.Request, st *driveway.OAuthState, code string) {
	secret, now := randomToken(), h.now()
	pending := *st
	pending.ID, pending.Code, pending.CreatedAt, pending.ExpiresAt = stateID(secret), code, now, now.Add(CompletionLifetime)
	if err := h.Store.CreateOAuthState(r.Context(), &pending); err != nil {
		h.failSignIn(w, r, st, err)
		return
	}
	payload := map[string]any{"completion": secret}
	if st.SessionID != "" {
		payload["sessionId"] = st.SessionID
	}
	renderResult(w, http.StatusOK, resultPage{OK: true, Title: "Finishing…",
		Detail: "The app that opened this window finishes connecting OneDrive now.", Origin: st.Origin,
		Message: map[string]any{"type": "oauth_success_callback",
			"credential": map[string]any{"integrationId": IntegrationID(st.ProjectID), "payload": payload}}})
}

// complete is POST /sdk/credentials with {payload:{completion}}: it takes
// the waiting sign-in (single use), checks that the caller is the project
// and user that started it and that it has not expired, then redeems the
// code and stores the credential.
func (h *Handler) complete(w http.ResponseWriter, r *http.Request, c *caller, secret string) error {
	st, err := h.takeCompletion(r, c.Project.ID, c.User.ID, secret)
	if err != nil {
		return err
	}
	cr, err := h.redeem(r, st, true)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, credentialView(cr, settingsOf(c.User), h.enablement(r, c)))
	return nil
}

// redeem exchanges the waiting sign-in's code and stores the credential,
// recording the outcome for polling; bySDK says the SDK that started the
// sign-in finished it (it holds the credential already).
func (h *Handler) redeem(r *http.Request, st *driveway.OAuthState, bySDK bool) (*driveway.Credential, error) {
	cr, reconnected, err := h.finishSignIn(r, st, st.Code)
	if err != nil {
		fe := h.flowFailure(r, st, err)
		h.putSession(r, st, "", fe.Code)
		return nil, completionError(fe, err)
	}
	h.connected(r, st, cr, reconnected, bySDK)
	return cr, nil
}

// takeCompletion consumes the waiting sign-in of secret and checks it
// belongs to the project and user.
func (h *Handler) takeCompletion(r *http.Request, projectID, userID, secret string) (*driveway.OAuthState, error) {
	if len(secret) != 43 {
		return nil, errNoCompletion
	}
	st, err := h.Store.ConsumeOAuthState(r.Context(), stateID(secret))
	if driveway.ErrorCode(err) == driveway.ENOTFOUND {
		return nil, errNoCompletion
	}
	if err != nil {
		return nil, err
	}
	if st.Code == "" || st.ProjectID != projectID || st.UserID != userID {
		h.logger().WarnContext(r.Context(), "sign-in completion refused: not the caller's",
			"request_id", httpapi.RequestID(r.Context()), "project", projectID)
		return nil, errNoCompletion
	}
	if !h.now().Before(st.ExpiresAt) {
		h.putSession(r, st, "", "expired")
		return nil, driveway.Errorf(driveway.EINVALID, "this sign-in took too long to finish and expired. Connect again")
	}
	return st, nil
}

// completionError is what the SDK is told of a failed completion: the
// flow's caller-safe text, 503 when Microsoft was unavailable, 500 for an
// unexpected failure, else 400.
func completionError(fe *flowError, cause error) error {
	code := driveway.EINVALID
	var known *flowError
	switch {
	case fe.Code == "temporarily_unavailable":
		code = driveway.EUNAVAILABLE
	case !errors.As(cause, &known) && tokenFlowError(cause) == nil:
		code = driveway.EINTERNAL
	}
	return &driveway.Error{Code: code, Message: fe.Detail}
}

// connected records a finished sign-in: the install session for polling
// (marked sessionFinishedBySDK when the SDK's installIntegration finished
// it: finishedMark, getSession), the event, and the OnConnect hooks.
func (h *Handler) connected(r *http.Request, st *driveway.OAuthState, cr *driveway.Credential, reconnected, bySDK bool) {
	h.putSession(r, st, cr.ID, h.finishedMark(r, st, bySDK))
	kind := driveway.EventCredentialConnected
	if reconnected {
		kind = driveway.EventCredentialReconnected
	}
	h.event(r.Context(), kind, cr, nil)
	for _, f := range h.OnConnect {
		f(r.Context(), cr, reconnected)
	}
}
