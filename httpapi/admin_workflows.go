package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/workflow"
)

// Workflows is what the admin API needs of the workflow engine
// (*workflow.Engine implements it).
type Workflows interface {
	SaveWorkflow(ctx context.Context, projectID string, raw []byte) (*driveway.Workflow, error)
	DeleteWorkflow(ctx context.Context, projectID, id string) error
	Cancel(ctx context.Context, projectID, runID string) error
	Rerun(ctx context.Context, projectID, runID string) error
	ListRuns(ctx context.Context, projectID string, q workflow.RunQuery) (*workflow.RunPage, error)
	RunDetail(ctx context.Context, projectID, runID string) (*workflow.RunDetail, error)
}

// workflowJSON is a workflow as the admin API shows it.
type workflowJSON struct {
	ID             string          `json:"id"`
	Name           string          `json:"name"`
	Version        int             `json:"version"`
	TriggerType    string          `json:"triggerType"`
	EventName      string          `json:"eventName,omitempty"`
	DefaultEnabled bool            `json:"defaultEnabled"`
	Definition     json.RawMessage `json:"definition,omitempty"`
	CreatedAt      time.Time       `json:"createdAt"`
	UpdatedAt      time.Time       `json:"updatedAt"`
}

func toWorkflowJSON(w *driveway.Workflow, withDef bool) workflowJSON {
	out := workflowJSON{ID: w.ID, Name: w.Name, Version: w.Version, TriggerType: w.TriggerType, EventName: w.EventName,
		DefaultEnabled: w.DefaultEnabled, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
	if withDef {
		out.Definition = w.Definition
	}
	return out
}

// workflowsOf returns the engine after checking the project exists.
func (s *Server) workflowsOf(r *http.Request) (Workflows, error) {
	if s.Workflows == nil {
		return nil, driveway.Errorf(driveway.EUNAVAILABLE, "workflows are not configured on this server")
	}
	if _, err := s.Admin.Store.GetProject(r.Context(), r.PathValue("pid")); err != nil {
		return nil, err
	}
	return s.Workflows, nil
}

func (s *Server) listWorkflows(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.workflowsOf(r); err != nil {
		return err
	}
	wfs, err := s.Admin.Store.ListWorkflows(r.Context(), r.PathValue("pid"))
	if err != nil {
		return err
	}
	out := []workflowJSON{}
	for _, wf := range wfs {
		out = append(out, toWorkflowJSON(wf, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
	return nil
}

// readDefinition reads a definition body, JSON or YAML by Content-Type.
func readDefinition(w http.ResponseWriter, r *http.Request) (*workflow.Definition, error) {
	switch mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt {
	case "", "application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml":
	default:
		return nil, driveway.Invalid("Content-Type", "send the definition as application/json or application/yaml")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		return nil, driveway.Invalid("body", "the body is larger than %d bytes", maxBodyBytes)
	}
	return workflow.Parse(raw)
}

// saveWorkflow saves def as a new version: 201 for a new workflow, 200
// for a new version of one.
func (s *Server) saveWorkflow(w http.ResponseWriter, r *http.Request, def *workflow.Definition, mustBeNew bool) error {
	eng, err := s.workflowsOf(r)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(def)
	if err != nil {
		return err
	}
	_, err = s.Admin.Store.GetWorkflow(r.Context(), r.PathValue("pid"), def.ID)
	exists := err == nil
	if err != nil && driveway.ErrorCode(err) != driveway.ENOTFOUND {
		return err
	}
	if exists && mustBeNew {
		return driveway.Errorf(driveway.ECONFLICT, "workflow %q exists; PUT /workflows/%s saves a new version", def.ID, def.ID)
	}
	wf, err := eng.SaveWorkflow(r.Context(), r.PathValue("pid"), raw)
	if err != nil {
		return workflow.NameStep(def, err)
	}
	status := http.StatusCreated
	if exists {
		status = http.StatusOK
	}
	writeJSON(w, status, toWorkflowJSON(wf, true))
	return nil
}

func (s *Server) createWorkflow(w http.ResponseWriter, r *http.Request) error {
	def, err := readDefinition(w, r)
	if err != nil {
		return err
	}
	return s.saveWorkflow(w, r, def, true)
}

// putWorkflow saves a version of the workflow in the path; the body's id
// may be left out, and must match when given.
func (s *Server) putWorkflow(w http.ResponseWriter, r *http.Request) error {
	def, err := readDefinition(w, r)
	if err != nil {
		return err
	}
	switch wid := r.PathValue("wid"); def.ID {
	case "":
		def.ID = wid
	case wid:
	default:
		return driveway.Invalid("id", "the body's id %q is not the workflow %q of the path", def.ID, wid)
	}
	return s.saveWorkflow(w, r, def, false)
}

// getWorkflow shows the head, or ?version=N.
func (s *Server) getWorkflow(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.workflowsOf(r); err != nil {
		return err
	}
	pid, wid := r.PathValue("pid"), r.PathValue("wid")
	var wf *driveway.Workflow
	var err error
	if v := r.URL.Query().Get("version"); v != "" {
		n, cerr := strconv.Atoi(v)
		if cerr != nil || n < 1 {
			return driveway.Invalid("version", "must be a positive number")
		}
		wf, err = s.Admin.Store.GetWorkflowVersion(r.Context(), pid, wid, n)
	} else {
		wf, err = s.Admin.Store.GetWorkflow(r.Context(), pid, wid)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWorkflowJSON(wf, true))
	return nil
}

func (s *Server) deleteWorkflow(w http.ResponseWriter, r *http.Request) error {
	eng, err := s.workflowsOf(r)
	if err != nil {
		return err
	}
	if err := eng.DeleteWorkflow(r.Context(), r.PathValue("pid"), r.PathValue("wid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- Project secrets ----

var secretNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// maxSecretBytes bounds a project secret's value.
const maxSecretBytes = 64 << 10

type secretJSON struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// listSecrets lists names and dates; values are never returned.
func (s *Server) listSecrets(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.workflowsOf(r); err != nil {
		return err
	}
	list, err := s.Admin.Store.ListProjectSecrets(r.Context(), r.PathValue("pid"))
	if err != nil {
		return err
	}
	out := []secretJSON{}
	for _, sec := range list {
		out = append(out, secretJSON{Name: sec.Name, CreatedAt: sec.CreatedAt, UpdatedAt: sec.UpdatedAt})
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
	return nil
}

func (s *Server) putSecret(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.workflowsOf(r); err != nil {
		return err
	}
	name := r.PathValue("name")
	if !secretNamePattern.MatchString(name) {
		return driveway.Invalid("name", "must be 1 to 64 letters, digits or _, not starting with a digit (it is read as secrets.<name>)")
	}
	var in struct {
		Value *string `json:"value"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	switch {
	case in.Value == nil || *in.Value == "":
		return driveway.Invalid("value", "is required")
	case len(*in.Value) < workflow.MinSecretLen:
		return driveway.Invalid("value", "is shorter than %d bytes: so short a value cannot be kept out of run history", workflow.MinSecretLen)
	case len(*in.Value) > maxSecretBytes:
		return driveway.Invalid("value", "is larger than %d bytes", maxSecretBytes)
	}
	sec := &driveway.ProjectSecret{ProjectID: r.PathValue("pid"), Name: name, Value: *in.Value}
	if err := s.Admin.Store.PutProjectSecret(r.Context(), sec); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": name, "updatedAt": sec.UpdatedAt})
	return nil
}

func (s *Server) deleteSecret(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.workflowsOf(r); err != nil {
		return err
	}
	if err := s.Admin.Store.DeleteProjectSecret(r.Context(), r.PathValue("pid"), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- Task history ----

type runJSON struct {
	ID          string          `json:"id"`
	WorkflowID  string          `json:"workflowId"`
	Version     int             `json:"version"`
	UserID      string          `json:"userId"`
	Status      string          `json:"status"`
	Error       string          `json:"error,omitempty"`
	Trigger     json.RawMessage `json:"trigger,omitempty"`
	Response    json.RawMessage `json:"response,omitempty"`
	CreatedAt   time.Time       `json:"createdAt"`
	UpdatedAt   time.Time       `json:"updatedAt"`
	FinishedAt  *time.Time      `json:"finishedAt,omitempty"`
	DurationMs  *int64          `json:"durationMs,omitempty"`
	Steps       []stepRunJSON   `json:"steps,omitempty"`
	HasResponse bool            `json:"hasResponse"`
}

type stepRunJSON struct {
	Key        string          `json:"key"`
	StepID     string          `json:"stepId"`
	Path       string          `json:"path"`
	Status     string          `json:"status"`
	Input      json.RawMessage `json:"input"`
	Output     json.RawMessage `json:"output"`
	Attempts   int             `json:"attempts"`
	Error      string          `json:"error,omitempty"`
	StartedAt  time.Time       `json:"startedAt"`
	FinishedAt *time.Time      `json:"finishedAt,omitempty"`
	DurationMs *int64          `json:"durationMs,omitempty"`
}

func millis(from, to time.Time) *int64 {
	if to.IsZero() {
		return nil
	}
	ms := to.Sub(from).Milliseconds()
	return &ms
}

func rawOrNull(b json.RawMessage) json.RawMessage {
	if len(b) == 0 || !json.Valid(b) {
		return json.RawMessage("null")
	}
	return b
}

func toRunJSON(run *driveway.WorkflowRun, detail bool) runJSON {
	out := runJSON{ID: run.ID, WorkflowID: run.WorkflowID, Version: run.Version, UserID: run.UserID, Status: run.Status,
		Error: run.Error, CreatedAt: run.CreatedAt, UpdatedAt: run.UpdatedAt, FinishedAt: timePtr(run.FinishedAt),
		DurationMs: millis(run.CreatedAt, run.FinishedAt), HasResponse: run.HasResponse}
	if detail {
		out.Trigger, out.Response = rawOrNull(run.Trigger), rawOrNull(run.Response)
		out.Steps = []stepRunJSON{}
	}
	return out
}

// parseTime reads an RFC 3339 query parameter.
func parseTime(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, driveway.Invalid(name, "not an RFC 3339 time like 2027-06-30T00:00:00Z")
	}
	return t, nil
}

// listRuns is the task history: ?workflowId, userId, status, since,
// until (RFC 3339), limit, cursor; newest first.
func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) error {
	eng, err := s.workflowsOf(r)
	if err != nil {
		return err
	}
	qs := r.URL.Query()
	q := workflow.RunQuery{WorkflowID: qs.Get("workflowId"), UserID: qs.Get("userId"), Status: qs.Get("status"),
		Cursor: qs.Get("cursor")}
	if q.Since, err = parseTime(r, "since"); err != nil {
		return err
	}
	if q.Until, err = parseTime(r, "until"); err != nil {
		return err
	}
	if l := qs.Get("limit"); l != "" {
		if q.Limit, err = strconv.Atoi(l); err != nil || q.Limit < 1 {
			return driveway.Invalid("limit", "must be between 1 and 200")
		}
	}
	page, err := eng.ListRuns(r.Context(), r.PathValue("pid"), q)
	if err != nil {
		return err
	}
	out := []runJSON{}
	for _, run := range page.Runs {
		out = append(out, toRunJSON(run, false))
	}
	body := map[string]any{"data": out}
	if page.Next != "" {
		body["nextCursor"] = page.Next
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// getRun shows a run with each step's input, output, attempts, error and
// duration, secrets redacted.
func (s *Server) getRun(w http.ResponseWriter, r *http.Request) error {
	eng, err := s.workflowsOf(r)
	if err != nil {
		return err
	}
	d, err := eng.RunDetail(r.Context(), r.PathValue("pid"), r.PathValue("runId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, runDetailJSON(d))
	return nil
}

func runDetailJSON(d *workflow.RunDetail) runJSON {
	out := toRunJSON(d.Run, true)
	for _, sr := range d.Steps {
		out.Steps = append(out.Steps, stepRunJSON{Key: sr.Key, StepID: sr.StepID, Path: sr.Path, Status: sr.Status,
			Input: rawOrNull(sr.Input), Output: rawOrNull(sr.Output), Attempts: sr.Attempts, Error: sr.Error,
			StartedAt: sr.StartedAt, FinishedAt: timePtr(sr.FinishedAt), DurationMs: millis(sr.StartedAt, sr.FinishedAt)})
	}
	return out
}

func (s *Server) cancelRun(w http.ResponseWriter, r *http.Request) error {
	return s.runAction(w, r, Workflows.Cancel)
}

func (s *Server) rerunRun(w http.ResponseWriter, r *http.Request) error {
	return s.runAction(w, r, Workflows.Rerun)
}

// runAction cancels or re-runs a run and answers 202 with its detail.
func (s *Server) runAction(w http.ResponseWriter, r *http.Request, act func(Workflows, context.Context, string, string) error) error {
	eng, err := s.workflowsOf(r)
	if err != nil {
		return err
	}
	pid, rid := r.PathValue("pid"), r.PathValue("runId")
	if err := act(eng, r.Context(), pid, rid); err != nil {
		return err
	}
	d, err := eng.RunDetail(r.Context(), pid, rid)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, runDetailJSON(d))
	return nil
}
