package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/jackc/pgx/v5"
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
	_, err := q.db.Exec(ctx, `INSERT INTO workflow_runs (`+runColumns+`) VALUES (`+placeholders(13)+`)`,
		r.ProjectID, r.ID, r.WorkflowID, r.Version, r.UserID, r.Status, rawJSON(r.Trigger), rawJSON(r.Response),
		r.HasResponse, r.Error, dbTime(r.CreatedAt), dbTime(r.UpdatedAt), dbTime(r.FinishedAt))
	return mapErr(err, "workflow run")
}

// GetRun returns a run; ENOTFOUND if none.
func (q *queries) GetRun(ctx context.Context, projectID, id string) (*driveway.WorkflowRun, error) {
	r, err := scanRun(q.db.QueryRow(ctx, `SELECT `+runColumns+` FROM workflow_runs WHERE project_id = $1 AND id = $2`,
		projectID, id))
	if err != nil {
		return nil, mapErr(err, "workflow run")
	}
	return r, nil
}

// UpdateRun writes the run's status, response, error and finish time.
func (q *queries) UpdateRun(ctx context.Context, r *driveway.WorkflowRun) error {
	r.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
	res, err := q.db.Exec(ctx, `UPDATE workflow_runs SET status = $1, response = $2, has_response = $3, error = $4,
		updated_at = $5, finished_at = $6 WHERE project_id = $7 AND id = $8`,
		r.Status, rawJSON(r.Response), r.HasResponse, r.Error, dbTime(r.UpdatedAt), dbTime(r.FinishedAt), r.ProjectID, r.ID)
	if err := affected(res, err, "workflow run"); err != nil || !(r.Finished() || r.HasResponse) {
		return err
	}
	if r.Finished() {
		if err := q.deleteRunContent(ctx, r.ProjectID, r.ID); err != nil {
			return err
		}
	}
	return notifyRun(ctx, q.db, r.ProjectID, r.ID) // for waiters on other nodes (runwatch.go)
}

// ListRuns lists runs newest first.
func (q *queries) ListRuns(ctx context.Context, projectID string, f driveway.RunFilter) ([]*driveway.WorkflowRun, error) {
	if f.Limit <= 0 {
		f.Limit = defaultLimit
	}
	before := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if !f.Before.IsZero() {
		before = f.Before
	}
	rows, err := q.db.Query(ctx, `SELECT `+runColumns+` FROM workflow_runs WHERE project_id = $1
		AND ($2 = '' OR workflow_id = $3) AND ($4 = '' OR user_id = $5) AND ($6 = '' OR status = $7) AND created_at < $8
		ORDER BY created_at DESC, id DESC LIMIT $9`, projectID, f.WorkflowID, f.WorkflowID, f.UserID, f.UserID,
		f.Status, f.Status, before, f.Limit)
	if err != nil {
		return nil, mapErr(err, "list workflow runs")
	}
	return collect(rows, scanRun, "list workflow runs")
}

// CountRuns counts runs in a status.
func (q *queries) CountRuns(ctx context.Context, projectID, userID, status string) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM workflow_runs WHERE project_id = $1 AND ($2 = '' OR user_id = $3)
		AND status = $4`, projectID, userID, userID, status).Scan(&n)
	return n, mapErr(err, "count workflow runs")
}

// admitSQL are AdmitRun's statements, in order: take the project's
// admission lock (a transaction-scoped advisory lock, so that admissions
// of one project take turns on every node), admit the run if both counts
// are under their limits, and read its status. Each statement reads its
// own snapshot, taken after the lock is held, so the counts include every
// admission committed before.
var admitSQL = [...]string{
	`SELECT pg_advisory_xact_lock(hashtextextended('workflow-admit/' || $1::text, 0))`,
	`UPDATE workflow_runs r SET status = $3, updated_at = $4
		WHERE r.project_id = $1 AND r.id = $2 AND r.status = $5
		AND (SELECT count(*) FROM workflow_runs WHERE project_id = $1 AND status = $3) < $6
		AND (SELECT count(*) FROM workflow_runs WHERE project_id = $1 AND status = $3 AND user_id = r.user_id) < $7`,
	`SELECT status FROM workflow_runs WHERE project_id = $1 AND id = $2`,
}

// AdmitRun admits a queued run under the limits. Outside a transaction its
// three statements go in one pipelined batch: one round trip, run by
// Postgres as one implicit transaction, so the lock is held for as short a
// time as the work takes (admissions of a busy project queue on it).
func (q *queries) AdmitRun(ctx context.Context, projectID, runID string, projectLimit, userLimit int) (string, error) {
	now := dbTime(time.Now().UTC())
	var status string
	if q.tx == nil {
		b := &pgx.Batch{}
		b.Queue(admitSQL[0], projectID)
		b.Queue(admitSQL[1], projectID, runID, driveway.RunRunning, now, driveway.RunQueued, projectLimit, userLimit)
		b.Queue(admitSQL[2], projectID, runID).QueryRow(func(row pgx.Row) error { return row.Scan(&status) })
		if err := q.pool.SendBatch(ctx, b).Close(); err != nil {
			return "", mapErr(err, "workflow run")
		}
		return status, nil
	}
	if _, err := q.db.Exec(ctx, admitSQL[0], projectID); err != nil {
		return "", mapErr(err, "admit workflow run")
	}
	_, err := q.db.Exec(ctx, admitSQL[1], projectID, runID, driveway.RunRunning, now, driveway.RunQueued, projectLimit, userLimit)
	if err != nil {
		return "", mapErr(err, "admit workflow run")
	}
	if err := q.db.QueryRow(ctx, admitSQL[2], projectID, runID).Scan(&status); err != nil {
		return "", mapErr(err, "workflow run")
	}
	return status, nil
}

// DeleteRunsBefore deletes finished runs created before t.
func (q *queries) DeleteRunsBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := q.db.Exec(ctx, `DELETE FROM workflow_runs WHERE created_at < $1 AND status IN ($2, $3, $4)`,
		t, driveway.RunSucceeded, driveway.RunFailed, driveway.RunCancelled)
	if err != nil {
		return 0, mapErr(err, "delete workflow runs")
	}
	return int(res.RowsAffected()), nil
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

// putStepRunSQL upserts a step run from its 13 columns, in order.
var putStepRunSQL = `INSERT INTO step_runs (` + stepRunColumns + `) VALUES (` + placeholders(13) + `)
	ON CONFLICT (project_id, run_id, key) DO UPDATE SET step_id = excluded.step_id, path = excluded.path,
	status = excluded.status, input = excluded.input, output = excluded.output, attempts = excluded.attempts,
	error = excluded.error, started_at = excluded.started_at, finished_at = excluded.finished_at,
	job_id = excluded.job_id`

// PutStepRun creates or replaces a step run.
func (q *queries) PutStepRun(ctx context.Context, s *driveway.StepRun) error {
	nowIfZero(&s.StartedAt)
	_, err := q.db.Exec(ctx, putStepRunSQL,
		s.ProjectID, s.RunID, s.Key, s.StepID, s.Path, s.Status, rawJSON(s.Input), rawJSON(s.Output), s.Attempts, s.Error,
		dbTime(s.StartedAt), dbTime(s.FinishedAt), s.JobID)
	return mapErr(err, "step run")
}

// CommitStepRun writes the step run and reads its run in one statement: its
// snapshot, taken as it starts, holds every commit before.
func (q *queries) CommitStepRun(ctx context.Context, s *driveway.StepRun) (*driveway.WorkflowRun, error) {
	nowIfZero(&s.StartedAt)
	r, err := scanRun(q.db.QueryRow(ctx, `WITH put AS (`+putStepRunSQL+`)
		SELECT `+runColumns+` FROM workflow_runs WHERE project_id = $1 AND id = $2`,
		s.ProjectID, s.RunID, s.Key, s.StepID, s.Path, s.Status, rawJSON(s.Input), rawJSON(s.Output), s.Attempts, s.Error,
		dbTime(s.StartedAt), dbTime(s.FinishedAt), s.JobID))
	if err != nil {
		return nil, mapErr(err, "step run")
	}
	return r, nil
}

// GetStepRun returns a step run; ENOTFOUND if none.
func (q *queries) GetStepRun(ctx context.Context, projectID, runID, key string) (*driveway.StepRun, error) {
	s, err := scanStepRun(q.db.QueryRow(ctx, `SELECT `+stepRunColumns+` FROM step_runs
		WHERE project_id = $1 AND run_id = $2 AND key = $3`, projectID, runID, key))
	if err != nil {
		return nil, mapErr(err, "step run")
	}
	return s, nil
}

// ListStepRuns lists a run's step runs in start order.
func (q *queries) ListStepRuns(ctx context.Context, projectID, runID string) ([]*driveway.StepRun, error) {
	rows, err := q.db.Query(ctx, `SELECT `+stepRunColumns+` FROM step_runs WHERE project_id = $1 AND run_id = $2
		ORDER BY started_at, key`, projectID, runID)
	if err != nil {
		return nil, mapErr(err, "list step runs")
	}
	return collect(rows, scanStepRun, "list step runs")
}
