package connect

import (
	"context"
	"fmt"
	"maps"
	"net/http"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/ids"
)

var errNoCredential = driveway.Errorf(driveway.ENOTFOUND, "no such OneDrive credential")

// ownCredential returns the caller's credential id, else ENOTFOUND (also
// for another user's credential).
func (h *Handler) ownCredential(r *http.Request, c *caller, id string) (*driveway.Credential, error) {
	if id == "" {
		return nil, errNoCredential
	}
	cr, err := h.Store.GetCredential(r.Context(), c.Project.ID, id)
	if driveway.ErrorCode(err) == driveway.ENOTFOUND || (err == nil && cr.UserID != c.User.ID) {
		return nil, errNoCredential
	}
	if err != nil {
		return nil, fmt.Errorf("get credential: %w", err)
	}
	return cr, nil
}

// listCredentials is GET /sdk/credentials. With ?integration=onedrive it
// answers the one selected credential (the SDK's getIntegrationAccount);
// without, every credential of the user. With includeAccountAuth=true the
// selected credential carries accountAuth (its access token and drive
// origin, for the OneDrive File Picker) when the integration allows it.
func (h *Handler) listCredentials(w http.ResponseWriter, r *http.Request, c *caller) error {
	integ := r.URL.Query().Get("integration")
	if integ != "" && integ != driveway.IntegrationOneDrive {
		return driveway.Errorf(driveway.ENOTFOUND, "no such integration")
	}
	creds, err := h.credentials(r, c)
	if err != nil {
		return err
	}
	s, enabled := settingsOf(c.User), h.enablement(r, c)
	if integ != "" {
		sel := pick(creds, selectedID(r))
		if sel == nil {
			return driveway.Errorf(driveway.ENOTFOUND, "OneDrive is not connected")
		}
		v := credentialView(sel, s, enabled)
		if r.URL.Query().Get("includeAccountAuth") == "true" {
			v.AccountAuth = h.accountAuth(r, c, sel)
			w.Header().Set("Cache-Control", "no-store")
		}
		writeJSON(w, http.StatusOK, v)
		return nil
	}
	out := []credentialJSON{}
	for _, cr := range creds {
		out = append(out, credentialView(cr, s, enabled))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) getCredential(w http.ResponseWriter, r *http.Request, c *caller) error {
	if r.PathValue("credentialId") == deliveredMarker {
		writeJSON(w, http.StatusOK, nil) // ends the published SDK's poll (deliveredMarker)
		return nil
	}
	if err := failedSignIn(r.PathValue("credentialId")); err != nil {
		return err // ends the published SDK's poll of a failed sign-in
	}
	cr, err := h.ownCredential(r, c, r.PathValue("credentialId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, credentialView(cr, settingsOf(c.User), h.enablement(r, c)))
	return nil
}

// completeCredential is POST /sdk/credentials (and .../complete-setup):
// the SDK sends the oauth_success_callback payload. A payload with a
// completion secret finishes the sign-in (complete); one with a credential
// or session id answers the caller's own credential, so that a repeated
// call is harmless.
func (h *Handler) completeCredential(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in struct {
		IntegrationID string `json:"integrationId"`
		// Code is completeInstall's authorizationCode (not offered).
		Code string `json:"code"`
		// InstallOptions.ExternalID is installIntegration's externalId
		// (not offered).
		InstallOptions struct {
			ExternalID string `json:"externalId"`
		} `json:"installOptions"`
		Payload struct {
			CredentialID string `json:"credentialId"`
			SessionID    string `json:"sessionId"`
			Completion   string `json:"completion"`
		} `json:"payload"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.InstallOptions.ExternalID != "" {
		// Refused before the sign-in is taken: nothing is stored.
		writeNotSupported(w, r, noExternalID)
		return nil
	}
	if in.Payload.Completion != "" {
		return h.complete(w, r, c, in.Payload.Completion)
	}
	if in.Code != "" {
		writeNotSupported(w, r, noCompleteInstall)
		return nil
	}
	id := r.PathValue("credentialId")
	if id == "" {
		id = in.Payload.CredentialID
	}
	if id == "" && in.Payload.SessionID != "" {
		s, err := h.Store.GetInstallSession(r.Context(), c.Project.ID, c.User.ID, in.Payload.SessionID)
		if err == nil {
			id = s.CredentialID
		}
	}
	if id == "" {
		return driveway.Invalid("payload", "send the payload of oauth_success_callback")
	}
	cr, err := h.ownCredential(r, c, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, credentialView(cr, settingsOf(c.User), h.enablement(r, c)))
	return nil
}

// updateCredential is PATCH /sdk/credentials/{id}: it merges
// {config:{sharedSettings, workflowSettings}} into the credential's User
// Settings and answers with the credential.
func (h *Handler) updateCredential(w http.ResponseWriter, r *http.Request, c *caller) error {
	cr, err := h.ownCredential(r, c, r.PathValue("credentialId"))
	if err != nil {
		return err
	}
	var in struct {
		Config struct {
			SharedSettings   map[string]any `json:"sharedSettings"`
			WorkflowSettings map[string]any `json:"workflowSettings"`
		} `json:"config"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	s := settingsOf(c.User)
	cs := s.forCredential(cr.ID)
	maps.Copy(cs.Shared, in.Config.SharedSettings)
	maps.Copy(cs.Workflow, in.Config.WorkflowSettings)
	s[cr.ID] = cs
	s.store(c.User)
	if err := checkMetaSize(c.User.Metadata); err != nil {
		return err
	}
	c.User.UpdatedAt = h.now()
	if err := h.Store.UpsertConnectedUser(r.Context(), c.User); err != nil {
		return fmt.Errorf("save user settings: %w", err)
	}
	writeJSON(w, http.StatusOK, credentialView(cr, s, h.enablement(r, c)))
	return nil
}

// disconnect is DELETE /sdk/integrations/{integrationId} with the
// credential in X-Paragon-Credential: the credential and its tokens are
// deleted, its User Settings cleared, and an event recorded.
func (h *Handler) disconnect(w http.ResponseWriter, r *http.Request, c *caller) error {
	if iid := r.PathValue("integrationId"); iid != IntegrationID(c.Project.ID) && iid != driveway.IntegrationOneDrive {
		return driveway.Errorf(driveway.ENOTFOUND, "no such integration")
	}
	creds, err := h.credentials(r, c)
	if err != nil {
		return err
	}
	cr := pick(creds, selectedID(r))
	if cr == nil {
		return errNoCredential
	}
	if err := h.remove(r.Context(), c.User, cr); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Disconnect removes one connected OneDrive account of a project, as the
// user's own disconnect does (the dashboard's Connected Users page uses
// it): the credential and its tokens are deleted, the user's settings for
// it cleared, and an event recorded. ENOTFOUND for an unknown credential.
func (h *Handler) Disconnect(ctx context.Context, projectID, credentialID string) error {
	cr, err := h.Store.GetCredential(ctx, projectID, credentialID)
	if err != nil {
		return err
	}
	u, err := h.Store.GetConnectedUser(ctx, projectID, cr.UserID)
	if err != nil {
		return fmt.Errorf("get connected user: %w", err)
	}
	return h.remove(ctx, u, cr)
}

func (h *Handler) remove(ctx context.Context, u *driveway.ConnectedUser, cr *driveway.Credential) error {
	for _, f := range h.BeforeDisconnect {
		f(ctx, cr)
	}
	if err := h.Store.DeleteCredential(ctx, cr.ProjectID, cr.ID); err != nil {
		return fmt.Errorf("delete credential: %w", err)
	}
	s := settingsOf(u)
	if _, ok := s[cr.ID]; ok {
		delete(s, cr.ID)
		s.store(u)
		u.UpdatedAt = h.now()
		if err := h.Store.UpsertConnectedUser(ctx, u); err != nil {
			return fmt.Errorf("clear user settings: %w", err)
		}
	}
	h.event(ctx, driveway.EventCredentialDisconnected, cr, nil)
	for _, f := range h.OnDisconnect {
		f(ctx, cr)
	}
	return nil
}

// event records an event; a failure is logged, not returned: the change
// it describes is already made.
func (h *Handler) event(ctx context.Context, kind string, cr *driveway.Credential, extra map[string]any) {
	data := map[string]any{"integration": driveway.IntegrationOneDrive, "tenantId": cr.Account.TenantID,
		"objectId": cr.Account.ObjectID, "driveType": cr.DriveType}
	maps.Copy(data, extra)
	e := &driveway.Event{ID: ids.New("evt"), ProjectID: cr.ProjectID, Kind: kind, UserID: cr.UserID,
		CredentialID: cr.ID, Data: data, CreatedAt: h.now()}
	if err := h.Store.AppendEvent(ctx, e); err != nil {
		h.logger().ErrorContext(ctx, "record event", "kind", kind, "err", err)
	}
}
