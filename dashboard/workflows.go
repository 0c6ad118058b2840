package dashboard

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/workflow"
)

// Workflows is what the dashboard needs of the workflow engine
// (*workflow.Engine implements it).
type Workflows interface {
	SaveWorkflow(ctx context.Context, projectID string, raw []byte) (*driveway.Workflow, error)
	DeleteWorkflow(ctx context.Context, projectID, id string) error
	Cancel(ctx context.Context, projectID, runID string) error
	Rerun(ctx context.Context, projectID, runID string) error
	ListRuns(ctx context.Context, projectID string, q workflow.RunQuery) (*workflow.RunPage, error)
	RunDetail(ctx context.Context, projectID, runID string) (*workflow.RunDetail, error)
}

var workflowFuncs = template.FuncMap{
	"prettyJSON": prettyJSON,
	"duration":   roundDuration,
	"since":      func(a, b time.Time) string { return roundDuration(b.Sub(a)) },
}

// workflowRoutes adds the Workflows tab: the list, the editor with its
// picture of the steps, the task history and a run's detail.
func (h *handler) workflowRoutes(mux *http.ServeMux) {
	for _, name := range []string{"workflows", "workflows_edit", "workflows_runs", "workflows_run"} {
		h.pages[name] = template.Must(template.New(name).Funcs(funcs).Funcs(workflowFuncs).
			ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	mux.HandleFunc("GET "+Prefix+"/projects/{pid}/workflows", h.page(h.workflowsPage))
	mux.HandleFunc("GET "+Prefix+"/projects/{pid}/new-workflow", h.page(h.newWorkflowPage))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}/workflows", h.action(h.saveWorkflow))
	mux.HandleFunc("GET "+Prefix+"/projects/{pid}/workflows/{wid}", h.page(h.workflowPage))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}/workflows/{wid}/delete", h.action(h.deleteWorkflow))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}/secrets", h.action(h.saveSecret))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}/secrets/{name}/delete", h.action(h.deleteSecret))
	mux.HandleFunc("GET "+Prefix+"/projects/{pid}/runs", h.page(h.runsPage))
	mux.HandleFunc("GET "+Prefix+"/projects/{pid}/runs/{rid}", h.page(h.runPage))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}/runs/{rid}/cancel", h.action(h.workflowRunAction("cancelled")))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}/runs/{rid}/rerun", h.action(h.workflowRunAction("rerun")))
}

var workflowFlashes = map[string]string{
	"saved":          "Workflow saved as a new version.",
	"deleted":        "Workflow deleted; its runs stay in the task history.",
	"cancelled":      "Run cancelled: no further step starts.",
	"rerun":          "Run queued again from the step that failed.",
	"secret-saved":   "Secret saved.",
	"secret-deleted": "Secret deleted.",
}

// workflowProject loads the project; without an engine it answers 501.
func (h *handler) workflowProject(w http.ResponseWriter, r *http.Request) (*driveway.Project, bool) {
	p, ok := h.loadProject(w, r)
	if !ok {
		return nil, false
	}
	if h.opts.Workflows == nil {
		h.renderError(w, r, http.StatusNotImplemented, "Workflows not available", "The workflow engine is not configured on this server.")
		return nil, false
	}
	return p, true
}

type workflowsData struct {
	Workflows []*driveway.Workflow
	Secrets   []*driveway.ProjectSecret // names and dates only are rendered
	// SecretName is the add form's name after an error (never the value).
	SecretName string
}

func (h *handler) workflowsPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.workflowProject(w, r)
	if !ok {
		return
	}
	h.renderWorkflows(w, r, http.StatusOK, &view{Flash: workflowFlashes[r.URL.Query().Get("done")]}, p, "")
}

func (h *handler) renderWorkflows(w http.ResponseWriter, r *http.Request, status int, v *view, p *driveway.Project, secretName string) {
	d := workflowsData{SecretName: secretName}
	var err error
	if d.Workflows, err = h.opts.Admin.Store.ListWorkflows(r.Context(), p.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	if d.Secrets, err = h.opts.Admin.Store.ListProjectSecrets(r.Context(), p.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	for _, s := range d.Secrets {
		s.Value = "" // never rendered
	}
	v.Title, v.Project, v.Tab, v.Data = "Workflows · "+p.Name, p, "workflows", d
	h.render(w, r, status, "workflows", v)
}

// editData is the editor: the text, and the picture of the steps when the
// text parses.
type editData struct {
	Workflow *driveway.Workflow // nil for a new one
	Text     string
	Trigger  *workflow.Trigger
	DefID    string
	Steps    []stepBox
	// Invalid is the validation error, with the step it is about.
	Invalid string
}

// stepBox is one step in the picture.
type stepBox struct {
	ID, Type, Path, Input string
	Retry, Timeout        string
	ContinueOnError       bool
	Error                 string // the validation error about this step
	Branches              []branchBox
}

type branchBox struct {
	Label string
	Steps []stepBox
}

const newWorkflowText = `{
  "id": "my-workflow",
  "name": "My workflow",
  "trigger": {"type": "request"},
  "steps": [
    {"id": "reply", "type": "response", "input": {"body": {"hello": "{{ trigger.body.name }}"}}}
  ]
}
`

func (h *handler) newWorkflowPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.workflowProject(w, r)
	if !ok {
		return
	}
	h.renderEditor(w, r, http.StatusOK, &view{}, p, newEditData(nil, newWorkflowText, nil))
}

func (h *handler) workflowPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.workflowProject(w, r)
	if !ok {
		return
	}
	wf, err := h.opts.Admin.Store.GetWorkflow(r.Context(), p.ID, r.PathValue("wid"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := &view{Flash: workflowFlashes[r.URL.Query().Get("done")]}
	h.renderEditor(w, r, http.StatusOK, v, p, newEditData(wf, prettyJSON(wf.Definition)+"\n", nil))
}

// saveWorkflow validates and saves the editor's text (JSON or YAML); a
// refusal re-renders the editor with the message on the step it is about.
func (h *handler) saveWorkflow(w http.ResponseWriter, r *http.Request) {
	p, ok := h.workflowProject(w, r)
	if !ok {
		return
	}
	text := r.PostForm.Get("definition")
	wf, err := h.opts.Workflows.SaveWorkflow(r.Context(), p.ID, []byte(text))
	var de *driveway.Error
	if errors.As(err, &de) && de.Code == driveway.EINVALID {
		var cur *driveway.Workflow
		if id := r.PostForm.Get("workflow_id"); id != "" {
			cur, _ = h.opts.Admin.Store.GetWorkflow(r.Context(), p.ID, id)
		}
		d := newEditData(cur, text, de)
		v := &view{Error: "Not saved: " + d.Invalid}
		h.renderEditor(w, r, http.StatusBadRequest, v, p, d)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, projectPath(p.ID, "/workflows/"+wf.ID+"?done=saved"))
}

func (h *handler) deleteWorkflow(w http.ResponseWriter, r *http.Request) {
	p, ok := h.workflowProject(w, r)
	if !ok {
		return
	}
	if err := h.opts.Workflows.DeleteWorkflow(r.Context(), p.ID, r.PathValue("wid")); err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, projectPath(p.ID, "/workflows?done=deleted"))
}

func (h *handler) renderEditor(w http.ResponseWriter, r *http.Request, status int, v *view, p *driveway.Project, d editData) {
	v.Title, v.Project, v.Tab, v.Data = "Workflow · "+p.Name, p, "workflows", d
	if d.Workflow == nil {
		v.Title = "New workflow · " + p.Name
	}
	h.render(w, r, status, "workflows_edit", v)
}

// newEditData builds the editor's data; the picture comes from text when
// it parses, with invalid's message on the step it names.
func newEditData(wf *driveway.Workflow, text string, invalid *driveway.Error) editData {
	d := editData{Workflow: wf, Text: text}
	def, perr := workflow.Parse([]byte(text))
	if perr != nil {
		def = nil
	}
	var errStep *workflow.Step
	if invalid != nil {
		step, path, rest := workflow.Locate(def, invalid.Field)
		switch {
		case invalid.Field == "":
			d.Invalid = invalid.Message
		case step == nil:
			d.Invalid = fmt.Sprintf("field %s: %s", invalid.Field, invalid.Message)
		case rest == "":
			d.Invalid = fmt.Sprintf("step %q (%s): %s", step.ID, path, invalid.Message)
		default:
			d.Invalid = fmt.Sprintf("step %q (%s), field %s: %s", step.ID, path, rest, invalid.Message)
		}
		errStep = step
	}
	if def != nil {
		d.DefID, d.Trigger = def.ID, &def.Trigger
		d.Steps = boxes(def.Steps, "steps", errStep, d.Invalid)
	}
	return d
}

// boxes draws steps; the step errStep gets the message msg.
func boxes(steps []workflow.Step, field string, errStep *workflow.Step, msg string) []stepBox {
	out := make([]stepBox, 0, len(steps))
	for i := range steps {
		s := &steps[i]
		path := fmt.Sprintf("%s[%d]", field, i)
		b := stepBox{ID: s.ID, Type: s.Type, Path: path, ContinueOnError: s.ContinueOnError}
		if len(s.Input) > 0 {
			b.Input = clip(compactJSON(s.Input), 300)
		}
		if s.Retry != nil {
			b.Retry = fmt.Sprintf("%d attempts", s.Retry.Attempts)
		}
		if s.Timeout > 0 {
			b.Timeout = time.Duration(s.Timeout).String()
		}
		if s == errStep {
			b.Error = msg
		}
		for _, br := range []struct {
			label string
			steps []workflow.Step
			name  string
		}{{"then", s.Then, "then"}, {"else", s.Else, "else"}, {"for each item", s.Steps, "steps"}} {
			if len(br.steps) > 0 {
				b.Branches = append(b.Branches, branchBox{Label: br.label, Steps: boxes(br.steps, path+"."+br.name, errStep, msg)})
			}
		}
		out = append(out, b)
	}
	return out
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// prettyJSON indents a JSON value for display.
func prettyJSON(raw json.RawMessage) string {
	var buf bytes.Buffer
	if len(raw) == 0 || json.Indent(&buf, raw, "", "  ") != nil {
		return string(raw)
	}
	return buf.String()
}

func roundDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return "<1ms"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
