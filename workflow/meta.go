package workflow

import "context"

// WorkflowMeta is the SDK's view of one workflow for a user, the value of
// workflowMeta[id] in /sdk/integrations.
type WorkflowMeta struct {
	ID string `json:"id"`
	// Description is the workflow's name.
	Description    string `json:"description"`
	DefaultEnabled bool   `json:"defaultEnabled"`
	// Enabled is the user's state: their choice, or the default.
	Enabled bool `json:"enabled"`
}

// UserWorkflows returns the project's workflows with the user's
// enablement, by workflow id, for the connect package's /sdk/integrations
// (workflowMeta) and the Connect Portal.
func (e *Engine) UserWorkflows(ctx context.Context, projectID, userID string) (map[string]WorkflowMeta, error) {
	wfs, err := e.store.ListWorkflows(ctx, projectID)
	if err != nil {
		return nil, err
	}
	choices, err := e.store.ListUserWorkflowEnablement(ctx, projectID, userID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]WorkflowMeta, len(wfs))
	for _, w := range wfs {
		on, chose := choices[w.ID]
		if !chose {
			on = w.DefaultEnabled
		}
		out[w.ID] = WorkflowMeta{ID: w.ID, Description: w.Name, DefaultEnabled: w.DefaultEnabled, Enabled: on}
	}
	return out, nil
}
