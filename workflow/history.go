package workflow

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/workflow/redact"
)

// Task history: the read side of runs for the admin API and the dashboard.
// Every value it returns has the project's current secret values masked
// by "[redacted]", in every form (package redact). Inputs, outputs, errors
// and responses were already redacted when recorded, with the values of
// that time; they are redacted again here, with today's, as are triggers.

// RunQuery selects a page of runs; zero fields match everything.
type RunQuery struct {
	WorkflowID, UserID, Status string
	// Since and Until bound the creation time: Since <= created < Until.
	Since, Until time.Time
	// Limit is the page size, 1 to 200; 50 when 0.
	Limit int
	// Cursor is RunPage.Next of the previous page.
	Cursor string
}

// RunPage is a page of runs, newest first.
type RunPage struct {
	Runs []*driveway.WorkflowRun
	// Next is the cursor of the next (older) page, "" on the last one.
	Next string
}

// RunDetail is a run with its step runs in the order they started.
type RunDetail struct {
	Run   *driveway.WorkflowRun
	Steps []*driveway.StepRun
}

// Run statuses a RunQuery may filter on.
var runStatuses = map[string]bool{driveway.RunQueued: true, driveway.RunRunning: true,
	driveway.RunSucceeded: true, driveway.RunFailed: true, driveway.RunCancelled: true}

// ListRuns returns a page of the project's runs, newest first, secrets
// redacted. EINVALID names a bad filter ("status", "limit", "cursor").
func (e *Engine) ListRuns(ctx context.Context, projectID string, q RunQuery) (*RunPage, error) {
	if q.Status != "" && !runStatuses[q.Status] {
		return nil, driveway.Invalid("status", "unknown status %q (queued, running, succeeded, failed, cancelled)", q.Status)
	}
	if q.Limit == 0 {
		q.Limit = 50
	}
	if q.Limit < 1 || q.Limit > 200 {
		return nil, driveway.Invalid("limit", "must be between 1 and 200")
	}
	after, afterID, err := decodeCursor(q.Cursor)
	if err != nil {
		return nil, err
	}
	before := q.Until
	if !after.IsZero() && (before.IsZero() || after.Before(before)) {
		// Runs created in the cursor's microsecond with a smaller id come
		// next; the store's bound is strict, so ask from one microsecond on.
		before = after.Add(time.Microsecond)
	}
	f := driveway.RunFilter{WorkflowID: q.WorkflowID, UserID: q.UserID, Status: q.Status, Before: before}
	var kept []*driveway.WorkflowRun
	for lim := q.Limit + 1; ; lim *= 2 {
		f.Limit = lim
		batch, err := e.store.ListRuns(ctx, projectID, f)
		if err != nil {
			return nil, err
		}
		kept = kept[:0]
		for _, r := range batch {
			if !after.IsZero() && r.CreatedAt.Equal(after) && r.ID >= afterID {
				continue // on an earlier page
			}
			if !q.Since.IsZero() && r.CreatedAt.Before(q.Since) {
				break
			}
			kept = append(kept, r)
		}
		if len(kept) > q.Limit || len(batch) < lim || lim > 10_000 {
			break
		}
	}
	page := &RunPage{Runs: kept}
	if len(kept) > q.Limit {
		page.Runs = kept[:q.Limit]
		last := page.Runs[q.Limit-1]
		page.Next = encodeCursor(last.CreatedAt, last.ID)
	}
	red, err := e.redactor(ctx, projectID)
	if err != nil {
		return nil, err
	}
	for _, r := range page.Runs {
		red.run(r)
	}
	return page, nil
}

// RunDetail returns a run and its step runs, secrets redacted; ENOTFOUND
// for a run of another project.
func (e *Engine) RunDetail(ctx context.Context, projectID, runID string) (*RunDetail, error) {
	run, err := e.store.GetRun(ctx, projectID, runID)
	if err != nil {
		return nil, err
	}
	steps, err := e.store.ListStepRuns(ctx, projectID, runID)
	if err != nil {
		return nil, err
	}
	red, err := e.redactor(ctx, projectID)
	if err != nil {
		return nil, err
	}
	red.run(run)
	for _, s := range steps {
		s.Input, s.Output, s.Error = red.json(s.Input), red.json(s.Output), red.text(s.Error)
	}
	return &RunDetail{Run: run, Steps: steps}, nil
}

func encodeCursor(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixMicro(), 10) + "|" + id))
}

func decodeCursor(c string) (time.Time, string, error) {
	if c == "" {
		return time.Time{}, "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	us, id, ok := strings.Cut(string(raw), "|")
	n, perr := strconv.ParseInt(us, 10, 64)
	if err != nil || !ok || perr != nil || id == "" {
		return time.Time{}, "", driveway.Invalid("cursor", "not a cursor this API returned")
	}
	return time.UnixMicro(n).UTC(), id, nil
}

// redactor masks a project's current secret values (package redact).
type redactor struct{ r *redact.Redactor }

func (e *Engine) redactor(ctx context.Context, projectID string) (*redactor, error) {
	list, err := e.store.ListProjectSecrets(ctx, projectID)
	if err != nil {
		return nil, fmt.Errorf("load secrets to redact: %w", err)
	}
	values := make([]string, 0, len(list))
	for _, s := range list {
		values = append(values, s.Value)
	}
	return &redactor{r: redact.New(values...)}, nil
}

func (r *redactor) run(run *driveway.WorkflowRun) {
	run.Trigger, run.Response, run.Error = r.json(run.Trigger), r.json(run.Response), r.text(run.Error)
}

func (r *redactor) text(s string) string { return r.r.Message(s) }

// json redacts the strings of a JSON value, keys included.
func (r *redactor) json(raw json.RawMessage) json.RawMessage {
	if r.r.Empty() || len(raw) == 0 {
		return raw
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		out, _ := json.Marshal(r.text(string(raw)))
		return out
	}
	out, err := json.Marshal(r.r.Value(v))
	if err != nil {
		return raw
	}
	return out
}
