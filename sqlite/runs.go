package sqlite

import (
	"context"
	"encoding/json"
	"time"

	"github.com/drivewayhq/driveway"
)

const runColumns = `project_id, id, workflow_id, version, user_id, status, trigger, response, has_response, error,
	created_at, updated_at, finished_at`

func scanRun(row interface{ Scan(...any) error }) (*driveway.WorkflowRun, error) {
	r := &driveway.WorkflowRun{}
	var trig, resp string
	err := row.Scan(&r.ProjectID, &r.ID, &r.WorkflowID, &r.Version, &r.UserID, &r.Status, &trig, &resp,
		&r.HasResponse, &r.Error, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt}, timeCol{&r.FinishedAt})
	r.Trigger, r.Response = json.RawMessage(trig), json.RawMessage(resp)
	return r, err
}

// CreateRun inserts a run; ECONFLICT if the id exists.
func (q *queries) CreateRun(ctx context.Context, r *driveway.WorkflowRun) error {
	nowIfZero(&r.CreatedAt)
	r.UpdatedAt = r.CreatedAt
	_, err := q.w.ExecContext(ctx, `INSERT INTO workflow_runs (`+runColumns+`) VALUES (`+placeholders(13)+`)`,
		r.ProjectID, r.ID, r.WorkflowID, r.Version, r.UserID, r.Status, rawJSON(r.Trigger), rawJSON(r.Response),
		r.HasResponse, r.Error, dbTime(r.CreatedAt), dbTime(r.UpdatedAt), dbTime(r.FinishedAt))
	return mapErr(err, "workflow run")
}

// GetRun returns a run; ENOTFOUND if none.
func (q *queries) GetRun(ctx context.Context, projectID, id string) (*driveway.WorkflowRun, error) {
	r, err := scanRun(q.r.QueryRowContext(ctx, `SELECT `+runColumns+` FROM workflow_runs WHERE project_id = ? AND id = ?`,
		projectID, id))
	if err != nil {
		return nil, mapErr(err, "workflow run")
	}
	return r, nil
}

// UpdateRun writes the run's status, response, error and finish time.
func (q *queries) UpdateRun(ctx context.Context, r *driveway.WorkflowRun) error {
	r.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
	res, err := q.w.ExecContext(ctx, `UPDATE workflow_runs SET status = ?, response = ?, has_response = ?, error = ?,
		updated_at = ?, finished_at = ? WHERE project_id = ? AND id = ?`,
		r.Status, rawJSON(r.Response), r.HasResponse, r.Error, dbTime(r.UpdatedAt), dbTime(r.FinishedAt), r.ProjectID, r.ID)
	if err := affected(res, err, "workflow run"); err != nil || !r.Finished() {
		return err
	}
	return q.deleteRunContent(ctx, r.ProjectID, r.ID)
}

// ListRuns lists runs newest first.
func (q *queries) ListRuns(ctx context.Context, projectID string, f driveway.RunFilter) ([]*driveway.WorkflowRun, error) {
	if f.Limit <= 0 {
		f.Limit = defaultLimit
	}
	before := int64(1 << 62)
	if !f.Before.IsZero() {
		before = f.Before.UnixMicro()
	}
	rows, err := q.r.QueryContext(ctx, `SELECT `+runColumns+` FROM workflow_runs WHERE project_id = ?
		AND (? = '' OR workflow_id = ?) AND (? = '' OR user_id = ?) AND (? = '' OR status = ?) AND created_at < ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, projectID, f.WorkflowID, f.WorkflowID, f.UserID, f.UserID,
		f.Status, f.Status, before, f.Limit)
	if err != nil {
		return nil, mapErr(err, "list workflow runs")
	}
	return collect(rows, scanRun, "list workflow runs")
}

// CountRuns counts runs in a status.
func (q *queries) CountRuns(ctx context.Context, projectID, userID, status string) (int, error) {
	var n int
	err := q.r.QueryRowContext(ctx, `SELECT count(*) FROM workflow_runs WHERE project_id = ? AND (? = '' OR user_id = ?)
		AND status = ?`, projectID, userID, userID, status).Scan(&n)
	return n, mapErr(err, "count workflow runs")
}

// AdmitRun admits a queued run under the limits in one write transaction:
// SQLite's one writer makes admissions take turns.
func (q *queries) AdmitRun(ctx context.Context, projectID, runID string, projectLimit, userLimit int) (string, error) {
	var status string
	err := q.write(ctx, func(q *queries) error {
		var userID string
		err := q.r.QueryRowContext(ctx, `SELECT status, user_id FROM workflow_runs WHERE project_id = ? AND id = ?`,
			projectID, runID).Scan(&status, &userID)
		if err != nil {
			return mapErr(err, "workflow run")
		}
		if status != driveway.RunQueued {
			return nil
		}
		res, err := q.w.ExecContext(ctx, `UPDATE workflow_runs SET status = ?, updated_at = ?
			WHERE project_id = ? AND id = ?
			AND (SELECT count(*) FROM workflow_runs WHERE project_id = ? AND status = ?) < ?
			AND (SELECT count(*) FROM workflow_runs WHERE project_id = ? AND status = ? AND user_id = ?) < ?`,
			driveway.RunRunning, dbTime(time.Now().UTC()), projectID, runID,
			projectID, driveway.RunRunning, projectLimit, projectID, driveway.RunRunning, userID, userLimit)
		if err != nil {
			return mapErr(err, "admit workflow run")
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			status = driveway.RunRunning
			return mapErr(err, "admit workflow run")
		}
		return nil // at a limit: still queued
	})
	return status, err
}

// DeleteRunsBefore deletes finished runs created before t.
func (q *queries) DeleteRunsBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := q.w.ExecContext(ctx, `DELETE FROM workflow_runs WHERE created_at < ? AND status IN (?, ?, ?)`,
		t.UnixMicro(), driveway.RunSucceeded, driveway.RunFailed, driveway.RunCancelled)
	if err != nil {
		return 0, mapErr(err, "delete workflow runs")
	}
	n, err := res.RowsAffected()
	return int(n), mapErr(err, "delete workflow runs")
}

const stepRunColumns = `project_id, run_id, key, step_id, path, status, input, output, attempts, error, started_at, finished_at,
	job_id`

func scanStepRun(row interface{ Scan(...any) error }) (*driveway.StepRun, error) {
	s := &driveway.StepRun{}
	var in, out string
	err := row.Scan(&s.ProjectID, &s.RunID, &s.Key, &s.StepID, &s.Path, &s.Status, &in, &out, &s.Attempts, &s.Error,
		timeCol{&s.StartedAt}, timeCol{&s.FinishedAt}, &s.JobID)
	s.Input, s.Output = json.RawMessage(in), json.RawMessage(out)
	return s, err
}

// PutStepRun creates or replaces a step run.
func (q *queries) PutStepRun(ctx context.Context, s *driveway.StepRun) error {
	nowIfZero(&s.StartedAt)
	_, err := q.w.ExecContext(ctx, `INSERT INTO step_runs (`+stepRunColumns+`) VALUES (`+placeholders(13)+`)
		ON CONFLICT (project_id, run_id, key) DO UPDATE SET step_id = excluded.step_id, path = excluded.path,
		status = excluded.status, input = excluded.input, output = excluded.output, attempts = excluded.attempts,
		error = excluded.error, started_at = excluded.started_at, finished_at = excluded.finished_at,
		job_id = excluded.job_id`,
		s.ProjectID, s.RunID, s.Key, s.StepID, s.Path, s.Status, rawJSON(s.Input), rawJSON(s.Output), s.Attempts, s.Error,
		dbTime(s.StartedAt), dbTime(s.FinishedAt), s.JobID)
	return mapErr(err, "step run")
}

// CommitStepRun writes the step run and reads its run in one write
// transaction (in-process: no round trips to save).
func (q *queries) CommitStepRun(ctx context.Context, s *driveway.StepRun) (*driveway.WorkflowRun, error) {
	var r *driveway.WorkflowRun
	err := q.write(ctx, func(q *queries) error {
		if err := q.PutStepRun(ctx, s); err != nil {
			return err
		}
		var err error
		r, err = q.GetRun(ctx, s.ProjectID, s.RunID)
		return err
	})
	return r, err
}

// GetStepRun returns a step run; ENOTFOUND if none.
func (q *queries) GetStepRun(ctx context.Context, projectID, runID, key string) (*driveway.StepRun, error) {
	s, err := scanStepRun(q.r.QueryRowContext(ctx, `SELECT `+stepRunColumns+` FROM step_runs
		WHERE project_id = ? AND run_id = ? AND key = ?`, projectID, runID, key))
	if err != nil {
		return nil, mapErr(err, "step run")
	}
	return s, nil
}

// ListStepRuns lists a run's step runs in start order.
func (q *queries) ListStepRuns(ctx context.Context, projectID, runID string) ([]*driveway.StepRun, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+stepRunColumns+` FROM step_runs WHERE project_id = ? AND run_id = ?
		ORDER BY started_at, key`, projectID, runID)
	if err != nil {
		return nil, mapErr(err, "list step runs")
	}
	return collect(rows, scanStepRun, "list step runs")
}
