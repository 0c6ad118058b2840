package connect

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
)

// sessionIDPattern is what an SDK oauthMetaKeyId looks like (it makes
// base36 strings); anything else is refused.
var sessionIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// oauthNonce is the page the SDK opens in its popup: it tells the opener it
// loaded, by postMessage to the validated originForPostMessage only.
func (h *Handler) oauthNonce(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	r, err := h.withCodeToken(r)
	var c *caller
	if err == nil {
		c, err = h.authenticate(r, true)
	}
	if err != nil {
		status := http.StatusUnauthorized
		if driveway.ErrorCode(err) != driveway.EUNAUTHORIZED {
			status = httpStatus(err)
		}
		renderResult(w, status, resultPage{Title: "Cannot connect", Detail: driveway.ErrorMessage(err)})
		return
	}
	origin := q.Get("originForPostMessage")
	if !h.originAllowed(c.Project, origin) {
		renderResult(w, http.StatusBadRequest, resultPage{Title: "Cannot connect",
			Detail: "This page was opened from a site the project does not allow."})
		return
	}
	h.setBinding(w, r, c, origin)
	nonce := pageNonce()
	pageHeaders(w, nonce)
	_ = pages.ExecuteTemplate(w, "nonce.html", map[string]any{"Origin": origin, "Nonce": nonce})
}

// buildOAuth is GET /v2/projects/{pid}/sdk/actions/build-oauth: it starts a
// sign-in and answers {redirectUrl}, the Microsoft authorize URL.
func (h *Handler) buildOAuth(w http.ResponseWriter, r *http.Request) {
	c, err := h.authenticate(r, true)
	if err == nil {
		var u string
		if u, err = h.startSignIn(r, c); err == nil {
			writeJSON(w, http.StatusOK, map[string]string{"redirectUrl": u})
			return
		}
	}
	h.writeError(w, r, err)
}

// signInRequest is what build-oauth reads from its query.
type signInRequest struct {
	origin, sessionID, credentialID string
	// installIntegration: the published SDK's installIntegration started
	// the sign-in (installOptions.isApiInstallation), not its installFlow
	// or a direct startOAuthFlow (see sessionStartedByInstall).
	installIntegration bool
}

func parseSignIn(r *http.Request, projectID string) (*signInRequest, error) {
	q := r.URL.Query()
	if a := q.Get("action"); a != "" && a != driveway.IntegrationOneDrive {
		return nil, driveway.Invalid("action", "only onedrive can be installed")
	}
	if iid := q.Get("integrationId"); iid != "" && iid != IntegrationID(projectID) {
		return nil, driveway.Invalid("integrationId", "no such integration")
	}
	s := &signInRequest{origin: q.Get("originForPostMessage"), sessionID: q.Get("oauthMetaKeyId"),
		credentialID: q.Get("selectedCredentialId")}
	if s.sessionID != "" && !sessionIDPattern.MatchString(s.sessionID) {
		return nil, driveway.Invalid("oauthMetaKeyId", "malformed session id")
	}
	if opts := q.Get("installOptions"); opts != "" {
		var io struct {
			SelectedCredentialID string `json:"selectedCredentialId"`
			IsAPIInstallation    bool   `json:"isApiInstallation"`
		}
		if json.Unmarshal([]byte(opts), &io) == nil {
			if s.credentialID == "" {
				s.credentialID = io.SelectedCredentialID
			}
			s.installIntegration = io.IsAPIInstallation
		}
	}
	return s, nil
}

// startSignIn validates the request, stores the state (its SHA-256 only)
// and a pending install session, and returns the authorize URL.
func (h *Handler) startSignIn(r *http.Request, c *caller) (string, error) {
	req, err := parseSignIn(r, c.Project.ID)
	if err != nil {
		return "", err
	}
	if !h.originAllowed(c.Project, req.origin) {
		return "", driveway.Invalid("originForPostMessage", "this origin is not allowed for the project")
	}
	if req.credentialID != "" {
		if _, err := h.ownCredential(r, c, req.credentialID); err != nil {
			return "", err
		}
	}
	if err := h.checkSignInLimits(r, c, req.sessionID != ""); err != nil {
		return "", err
	}
	in, err := h.integration(r, c.Project.ID)
	if err != nil {
		return "", err
	}
	if in == nil || !in.Enabled {
		return "", driveway.Invalid("integration", "OneDrive is not enabled for this project")
	}
	ep, err := h.Resolver.Endpoints(in.Cloud)
	if err != nil {
		return "", fmt.Errorf("resolve cloud: %w", err)
	}
	secret, verifier := randomToken(), randomToken()
	now := h.now()
	st := &driveway.OAuthState{ID: stateID(secret), ProjectID: c.Project.ID, UserID: c.User.ID,
		CredentialID: req.credentialID, Verifier: verifier, RedirectURI: h.redirectURI(), Origin: req.origin,
		SessionID: req.sessionID, CreatedAt: now, ExpiresAt: now.Add(StateLifetime)}
	if err := h.Store.CreateOAuthState(r.Context(), st); err != nil {
		return "", fmt.Errorf("create oauth state: %w", err)
	}
	if req.sessionID != "" {
		s := &driveway.InstallSession{ProjectID: c.Project.ID, UserID: c.User.ID, ID: req.sessionID,
			Error: startedBy(req), CreatedAt: now, ExpiresAt: now.Add(sessionLifetime)}
		if err := h.Store.PutInstallSession(r.Context(), s); err != nil {
			return "", fmt.Errorf("create install session: %w", err)
		}
	}
	id := &microsoft.Identity{Endpoints: ep}
	sum := sha256.Sum256([]byte(verifier))
	return id.AuthorizeURL(microsoft.AuthorizeRequest{Tenant: in.Tenant, ClientID: in.ClientID,
		RedirectURI: st.RedirectURI, State: c.Project.ID + "." + secret,
		CodeChallenge: base64.RawURLEncoding.EncodeToString(sum[:]), Scopes: microsoft.RequestScopes(in.Scopes)}), nil
}

// PurgeExpired deletes the sign-ins that expired unused, the expired URL
// codes and the expired install sessions, and returns how many; run it periodically (a state is
// useless after StateLifetime, a session after its lifetime).
func (h *Handler) PurgeExpired(ctx context.Context) (int, error) {
	n, err := h.Store.DeleteExpiredOAuthStates(ctx, h.now())
	if err != nil {
		return 0, fmt.Errorf("purge oauth states: %w", err)
	}
	c, err := h.Store.DeleteExpiredURLCodes(ctx, h.now())
	if err != nil {
		return n, fmt.Errorf("purge url codes: %w", err)
	}
	n += c
	m, err := h.Store.DeleteExpiredInstallSessions(ctx, h.now())
	if err != nil {
		return n, fmt.Errorf("purge install sessions: %w", err)
	}
	return n + m, nil
}

// randomToken returns 256 random bits, base64url (43 characters): a state
// secret or a PKCE verifier.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// stateID is the stored id of a state secret: its SHA-256, in hex.
func stateID(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// splitState splits the state value "<project id>.<secret>".
func splitState(state string) (projectID, secret string, ok bool) {
	projectID, secret, ok = strings.Cut(state, ".")
	return projectID, secret, ok && projectID != "" && len(secret) == 43
}

// getSession is the SDK's poll: {} while the sign-in runs,
// {connectCredentialId} once it succeeded, {error} if it failed.
func (h *Handler) getSession(w http.ResponseWriter, r *http.Request, c *caller) error {
	s, err := h.Store.GetInstallSession(r.Context(), c.Project.ID, c.User.ID, r.PathValue("sessionId"))
	if driveway.ErrorCode(err) == driveway.ENOTFOUND || (err == nil && !h.now().Before(s.ExpiresAt)) {
		return driveway.Errorf(driveway.ENOTFOUND, "no such install session")
	}
	if err != nil {
		return fmt.Errorf("get install session: %w", err)
	}
	writeJSON(w, http.StatusOK, sessionView(s, r.Header.Get(paragonVersionHeader) != ""))
	return nil
}

func (h *Handler) deleteSession(w http.ResponseWriter, r *http.Request, c *caller) error {
	err := h.Store.DeleteInstallSession(r.Context(), c.Project.ID, c.User.ID, r.PathValue("sessionId"))
	if err != nil && driveway.ErrorCode(err) != driveway.ENOTFOUND {
		return fmt.Errorf("delete install session: %w", err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
