package sqlite

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
)

const workflowColumns = `project_id, id, name, version, trigger_type, event_name, default_enabled, definition, created_at, updated_at`

func scanWorkflow(row interface{ Scan(...any) error }) (*driveway.Workflow, error) {
	w := &driveway.Workflow{}
	var def string
	err := row.Scan(&w.ProjectID, &w.ID, &w.Name, &w.Version, &w.TriggerType, &w.EventName, &w.DefaultEnabled,
		&def, timeCol{&w.CreatedAt}, timeCol{&w.UpdatedAt})
	w.Definition = json.RawMessage(def)
	return w, err
}

// rawJSON is a JSON document for a text column; empty is "null".
func rawJSON(b json.RawMessage) string {
	if len(b) == 0 {
		return "null"
	}
	return string(b)
}

// PutWorkflow saves a new version of w and makes it the head.
func (q *queries) PutWorkflow(ctx context.Context, w *driveway.Workflow) error {
	return q.write(ctx, func(q *queries) error {
		now := time.Now().UTC().Truncate(time.Microsecond)
		prev, err := q.GetWorkflow(ctx, w.ProjectID, w.ID)
		switch {
		case err == nil:
			w.Version, w.CreatedAt = prev.Version+1, prev.CreatedAt
		case driveway.ErrorCode(err) == driveway.ENOTFOUND:
			w.Version, w.CreatedAt = 1, now
		default:
			return err
		}
		w.UpdatedAt = now
		_, err = q.w.ExecContext(ctx, `INSERT INTO workflows (`+workflowColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (project_id, id) DO UPDATE SET name = excluded.name, version = excluded.version,
			trigger_type = excluded.trigger_type, event_name = excluded.event_name,
			default_enabled = excluded.default_enabled, definition = excluded.definition, updated_at = excluded.updated_at`,
			w.ProjectID, w.ID, w.Name, w.Version, w.TriggerType, w.EventName, w.DefaultEnabled, rawJSON(w.Definition),
			dbTime(w.CreatedAt), dbTime(w.UpdatedAt))
		if err != nil {
			return mapErr(err, "workflow")
		}
		_, err = q.w.ExecContext(ctx, `INSERT INTO workflow_versions (project_id, workflow_id, version, name, definition, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, w.ProjectID, w.ID, w.Version, w.Name, rawJSON(w.Definition), dbTime(now))
		return mapErr(err, "workflow version")
	})
}

// GetWorkflow returns the head of a workflow.
func (q *queries) GetWorkflow(ctx context.Context, projectID, id string) (*driveway.Workflow, error) {
	w, err := scanWorkflow(q.r.QueryRowContext(ctx, `SELECT `+workflowColumns+` FROM workflows
		WHERE project_id = ? AND id = ?`, projectID, id))
	if err != nil {
		return nil, mapErr(err, "workflow")
	}
	return w, nil
}

// GetWorkflowVersion returns one saved version, with the head's trigger
// fields.
func (q *queries) GetWorkflowVersion(ctx context.Context, projectID, id string, version int) (*driveway.Workflow, error) {
	w, err := scanWorkflow(q.r.QueryRowContext(ctx, `SELECT w.project_id, w.id, v.name, v.version, w.trigger_type,
		w.event_name, w.default_enabled, v.definition, w.created_at, v.created_at
		FROM workflows w JOIN workflow_versions v ON v.project_id = w.project_id AND v.workflow_id = w.id
		WHERE w.project_id = ? AND w.id = ? AND v.version = ?`, projectID, id, version))
	if err != nil {
		return nil, mapErr(err, "workflow version")
	}
	return w, nil
}

// ListWorkflows lists a project's workflows by id.
func (q *queries) ListWorkflows(ctx context.Context, projectID string) ([]*driveway.Workflow, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+workflowColumns+` FROM workflows WHERE project_id = ? ORDER BY id`, projectID)
	if err != nil {
		return nil, mapErr(err, "list workflows")
	}
	return collect(rows, scanWorkflow, "list workflows")
}

// ListWorkflowsByTrigger lists heads by trigger type and event name.
func (q *queries) ListWorkflowsByTrigger(ctx context.Context, projectID, triggerType, eventName string) ([]*driveway.Workflow, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+workflowColumns+` FROM workflows
		WHERE (? = '' OR project_id = ?) AND trigger_type = ? AND (? = '' OR event_name = ?)
		ORDER BY project_id, id`, projectID, projectID, triggerType, eventName, eventName)
	if err != nil {
		return nil, mapErr(err, "list workflows")
	}
	return collect(rows, scanWorkflow, "list workflows")
}

// DeleteWorkflow deletes a workflow with its versions and enablements.
func (q *queries) DeleteWorkflow(ctx context.Context, projectID, id string) error {
	res, err := q.w.ExecContext(ctx, `DELETE FROM workflows WHERE project_id = ? AND id = ?`, projectID, id)
	return affected(res, err, "workflow")
}

// SetWorkflowEnabled records a user's choice.
func (q *queries) SetWorkflowEnabled(ctx context.Context, projectID, workflowID, userID string, enabled bool) error {
	_, err := q.w.ExecContext(ctx, `INSERT INTO workflow_enablement (project_id, workflow_id, user_id, enabled, updated_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id, workflow_id, user_id)
		DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at`,
		projectID, workflowID, userID, enabled, dbTime(time.Now()))
	return mapErr(err, "workflow")
}

// ListWorkflowEnablement returns the users' choices for a workflow.
func (q *queries) ListWorkflowEnablement(ctx context.Context, projectID, workflowID string) (map[string]bool, error) {
	return q.enablement(ctx, `SELECT user_id, enabled FROM workflow_enablement WHERE project_id = ? AND workflow_id = ?`,
		projectID, workflowID)
}

// ListUserWorkflowEnablement returns a user's choices by workflow.
func (q *queries) ListUserWorkflowEnablement(ctx context.Context, projectID, userID string) (map[string]bool, error) {
	return q.enablement(ctx, `SELECT workflow_id, enabled FROM workflow_enablement WHERE project_id = ? AND user_id = ?`,
		projectID, userID)
}

func (q *queries) enablement(ctx context.Context, query string, args ...any) (map[string]bool, error) {
	rows, err := q.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err, "list workflow enablement")
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var k string
		var on bool
		if err := rows.Scan(&k, &on); err != nil {
			return nil, mapErr(err, "list workflow enablement")
		}
		out[k] = on
	}
	return out, mapErr(rows.Err(), "list workflow enablement")
}

// PutProjectSecret creates or replaces a secret, sealed.
func (q *queries) PutProjectSecret(ctx context.Context, s *driveway.ProjectSecret) error {
	nowIfZero(&s.CreatedAt)
	s.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
	ct, err := q.seal(s.Value, "project_secrets", "value", s.ProjectID+"/"+s.Name)
	if err != nil {
		return err
	}
	_, err = q.w.ExecContext(ctx, `INSERT INTO project_secrets (project_id, name, value, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		s.ProjectID, s.Name, ct, dbTime(s.CreatedAt), dbTime(s.UpdatedAt))
	return mapErr(err, "project secret")
}

// ListProjectSecrets lists a project's secrets, opened, by name.
func (q *queries) ListProjectSecrets(ctx context.Context, projectID string) ([]*driveway.ProjectSecret, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT project_id, name, value, created_at, updated_at FROM project_secrets
		WHERE project_id = ? ORDER BY name`, projectID)
	if err != nil {
		return nil, mapErr(err, "list project secrets")
	}
	list, err := collect(rows, func(row interface{ Scan(...any) error }) (*driveway.ProjectSecret, error) {
		s := &driveway.ProjectSecret{}
		return s, row.Scan(&s.ProjectID, &s.Name, &s.Value, timeCol{&s.CreatedAt}, timeCol{&s.UpdatedAt})
	}, "list project secrets")
	if err != nil {
		return nil, err
	}
	for _, s := range list {
		if s.Value, err = q.open(s.Value, "project_secrets", "value", s.ProjectID+"/"+s.Name); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// DeleteProjectSecret deletes a secret; ENOTFOUND if none.
func (q *queries) DeleteProjectSecret(ctx context.Context, projectID, name string) error {
	res, err := q.w.ExecContext(ctx, `DELETE FROM project_secrets WHERE project_id = ? AND name = ?`, projectID, name)
	return affected(res, err, "project secret")
}

// placeholders returns n "?" joined by commas.
func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }
