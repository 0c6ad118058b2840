package connect

import (
	"fmt"
	"net/http"

	"github.com/drivewayhq/driveway"
)

// integration returns the project's OneDrive settings, nil when none were
// saved.
func (h *Handler) integration(r *http.Request, projectID string) (*driveway.Integration, error) {
	in, err := h.Store.GetIntegration(r.Context(), projectID)
	if driveway.ErrorCode(err) == driveway.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get integration: %w", err)
	}
	return in, nil
}

// credentials lists the caller's OneDrive credentials, oldest first.
func (h *Handler) credentials(r *http.Request, c *caller) ([]*driveway.Credential, error) {
	all, err := h.Store.ListCredentials(r.Context(), c.Project.ID, c.User.ID)
	if err != nil {
		return nil, fmt.Errorf("list credentials: %w", err)
	}
	var out []*driveway.Credential
	for _, cr := range all {
		if cr.Integration == driveway.IntegrationOneDrive {
			out = append(out, cr)
		}
	}
	return out, nil
}

// selectedID is the credential the request names with X-Paragon-Credential
// or X-Driveway-Credential, or "".
func selectedID(r *http.Request) string {
	if id := r.Header.Get("X-Driveway-Credential"); id != "" {
		return id
	}
	return r.Header.Get("X-Paragon-Credential")
}

// pick returns the named credential, or without a name the first VALID one,
// else the first; nil when there is none (or the name matches none).
func pick(creds []*driveway.Credential, id string) *driveway.Credential {
	for _, c := range creds {
		if id != "" && c.ID == id {
			return c
		}
	}
	if id != "" {
		return nil
	}
	for _, c := range creds {
		if c.Status == driveway.CredentialValid {
			return c
		}
	}
	if len(creds) > 0 {
		return creds[0]
	}
	return nil
}

type meJSON struct {
	// UserID is the token's "sub" (a Driveway addition the SDK ignores;
	// the Connect Portal shows whom it connects for).
	UserID       string                        `json:"userId"`
	Project      projectJSON                   `json:"project"`
	Meta         map[string]any                `json:"meta"`
	Resources    []any                         `json:"resources"`
	Integrations map[string]sdkIntegrationJSON `json:"integrations"`
}

type projectJSON struct {
	ID                 string   `json:"id"`
	BillingPlan        string   `json:"billingPlan"`
	AccessibleFeatures []string `json:"accessibleFeatures"`
}

func (h *Handler) getMe(w http.ResponseWriter, r *http.Request, c *caller) error {
	v, err := h.meView(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (h *Handler) meView(r *http.Request, c *caller) (*meJSON, error) {
	creds, err := h.credentials(r, c)
	if err != nil {
		return nil, err
	}
	wfs, err := h.workflows(r, c)
	if err != nil {
		return nil, err
	}
	s, enabled := settingsOf(c.User), enabledOf(wfs)
	od := sdkIntegrationJSON{AllCredentials: []credentialJSON{}, SharedSettings: map[string]any{},
		WorkflowSettings: map[string]any{}, ConfiguredWorkflows: map[string]any{}}
	for _, cr := range creds {
		od.AllCredentials = append(od.AllCredentials, credentialView(cr, s, enabled))
	}
	if sel := pick(creds, selectedID(r)); sel != nil {
		view := credentialView(sel, s, enabled)
		od.Enabled = sel.Status == driveway.CredentialValid
		od.CredentialID, od.CredentialConfigID, od.CredentialStatus = sel.ID, configurationID(sel.ID), sel.Status
		od.ProviderID, od.ProviderData = sel.Account.ObjectID, &view.ProviderData
		od.SharedSettings, od.WorkflowSettings, od.ConfiguredWorkflows = view.Configurations[0].SharedSettings,
			view.Configurations[0].WorkflowSettings, view.Configurations[0].WorkflowSettings
	}
	if od.WorkflowSettings == nil {
		od.WorkflowSettings = map[string]any{}
	}
	for _, wf := range wfs {
		if _, set := od.WorkflowSettings[wf.ID]; !set {
			od.WorkflowSettings[wf.ID] = map[string]any{"enabled": wf.Enabled, "settings": map[string]any{}}
		}
	}
	return &meJSON{
		UserID:  c.User.ID,
		Project: projectJSON{ID: c.Project.ID, BillingPlan: "connect_enterprise", AccessibleFeatures: features},
		Meta:    publicMeta(c.User), Resources: []any{},
		Integrations: map[string]sdkIntegrationJSON{driveway.IntegrationOneDrive: od},
	}, nil
}

// patchMe merges {meta:{...}} into the user's metadata ("name"/"email" in
// any case become "Name"/"Email") and answers with /sdk/me; a result over
// MaxMetadataBytes is refused and nothing is saved.
func (h *Handler) patchMe(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in struct {
		Meta map[string]any `json:"meta"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	meta, err := mergeMeta(c.User.Metadata, in.Meta)
	if err != nil {
		return err
	}
	c.User.Metadata, c.User.UpdatedAt = meta, h.now()
	if err := h.Store.UpsertConnectedUser(r.Context(), c.User); err != nil {
		return fmt.Errorf("update user metadata: %w", err)
	}
	return h.getMe(w, r, c)
}

func (h *Handler) listIntegrations(w http.ResponseWriter, r *http.Request, c *caller) error {
	in, err := h.integration(r, c.Project.ID)
	if err != nil {
		return err
	}
	v := integrationView(c.Project, in)
	wfs, err := h.workflows(r, c)
	if err != nil {
		return err
	}
	meta := v.Configs[0].Values["workflowMeta"].(map[string]any)
	for i, wf := range wfs {
		meta[wf.ID] = map[string]any{"id": wf.ID, "description": wf.Description, "defaultEnabled": wf.DefaultEnabled,
			"hidden": false, "order": i, "inputs": []any{}}
		v.Workflows = append(v.Workflows, map[string]any{"id": wf.ID, "description": wf.Description, "integrationId": v.ID})
	}
	writeJSON(w, http.StatusOK, []integrationJSON{v})
	return nil
}

// workflows lists the user's workflows, none when Workflows is not set.
func (h *Handler) workflows(r *http.Request, c *caller) ([]WorkflowInfo, error) {
	if h.Workflows == nil {
		return nil, nil
	}
	wfs, err := h.Workflows(r.Context(), c.Project.ID, c.User.ID)
	if err != nil {
		return nil, fmt.Errorf("list workflows: %w", err)
	}
	return wfs, nil
}

// enablement is the user's workflows' enabled state, by workflow id; nil
// without workflows (or when they cannot be read: the answer then shows
// the stored settings only, and the error is logged).
func (h *Handler) enablement(r *http.Request, c *caller) map[string]bool {
	wfs, err := h.workflows(r, c)
	if err != nil {
		h.logger().WarnContext(r.Context(), "list the user's workflows", "err", err)
		return nil
	}
	return enabledOf(wfs)
}

func enabledOf(wfs []WorkflowInfo) map[string]bool {
	if len(wfs) == 0 {
		return nil
	}
	out := make(map[string]bool, len(wfs))
	for _, w := range wfs {
		out[w.ID] = w.Enabled
	}
	return out
}
