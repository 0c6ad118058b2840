package dashboard

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/workflow"
)

// runsData is the task history page.
type runsData struct {
	Runs      []*driveway.WorkflowRun
	Workflows []*driveway.Workflow // for the filter
	// The filters as typed.
	WorkflowID, UserID, Status, Since, Until string
	Statuses                                 []string
	// Older is the link to the next page, "" on the last.
	Older string
}

var runStatuses = []string{driveway.RunQueued, driveway.RunRunning, driveway.RunSucceeded, driveway.RunFailed, driveway.RunCancelled}

// runsPage lists runs, newest first, 50 a page, filtered by workflow,
// user, status and creation dates (since and until, whole days in UTC).
func (h *handler) runsPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.workflowProject(w, r)
	if !ok {
		return
	}
	qs := r.URL.Query()
	d := runsData{WorkflowID: qs.Get("workflow"), UserID: qs.Get("user"), Status: qs.Get("status"),
		Since: qs.Get("since"), Until: qs.Get("until"), Statuses: runStatuses}
	q := workflow.RunQuery{WorkflowID: d.WorkflowID, UserID: d.UserID, Status: d.Status, Cursor: qs.Get("cursor")}
	v := &view{Title: "Task history · " + p.Name, Project: p, Tab: "workflows"}
	if t, err := time.Parse(time.DateOnly, d.Since); err == nil {
		q.Since = t
	} else if d.Since != "" {
		v.Error = "The since date is not a date like 2027-06-30."
	}
	if t, err := time.Parse(time.DateOnly, d.Until); err == nil {
		q.Until = t.Add(24 * time.Hour)
	} else if d.Until != "" {
		v.Error = "The until date is not a date like 2027-06-30."
	}
	page, err := h.opts.Workflows.ListRuns(r.Context(), p.ID, q)
	status := http.StatusOK
	if driveway.ErrorCode(err) == driveway.EINVALID {
		v.Error, status = driveway.ErrorMessage(err), http.StatusBadRequest
		page, err = &workflow.RunPage{}, nil
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if v.Error != "" {
		status = http.StatusBadRequest
	}
	d.Runs = page.Runs
	if page.Next != "" {
		next := url.Values{}
		for k, val := range map[string]string{"workflow": d.WorkflowID, "user": d.UserID, "status": d.Status,
			"since": d.Since, "until": d.Until, "cursor": page.Next} {
			if val != "" {
				next.Set(k, val)
			}
		}
		d.Older = projectPath(p.ID, "/runs?"+next.Encode())
	}
	if d.Workflows, err = h.opts.Admin.Store.ListWorkflows(r.Context(), p.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	v.Data = d
	h.render(w, r, status, "workflows_runs", v)
}

// runPage shows a run and each step's input, output, attempts, error and
// duration, secrets redacted.
func (h *handler) runPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.workflowProject(w, r)
	if !ok {
		return
	}
	d, err := h.opts.Workflows.RunDetail(r.Context(), p.ID, r.PathValue("rid"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := &view{Title: "Run " + d.Run.ID + " · " + p.Name, Project: p, Tab: "workflows",
		Flash: workflowFlashes[r.URL.Query().Get("done")], Data: d}
	h.render(w, r, http.StatusOK, "workflows_run", v)
}

// workflowRunAction cancels or re-runs the run, then shows it.
func (h *handler) workflowRunAction(done string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := h.workflowProject(w, r)
		if !ok {
			return
		}
		act := h.opts.Workflows.Cancel
		if done == "rerun" {
			act = h.opts.Workflows.Rerun
		}
		rid := r.PathValue("rid")
		if err := act(r.Context(), p.ID, rid); err != nil {
			h.fail(w, r, err)
			return
		}
		redirect(w, r, projectPath(p.ID, "/runs/"+url.PathEscape(rid)+"?done="+done))
	}
}

// secretName is a project secret's name: read in templates as
// secrets.<name>.
var secretName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// saveSecret sets a project secret from the Workflows page. The value is
// never rendered back, not even after an error.
func (h *handler) saveSecret(w http.ResponseWriter, r *http.Request) {
	p, ok := h.workflowProject(w, r)
	if !ok {
		return
	}
	name, value := strings.TrimSpace(r.PostForm.Get("secret_name")), r.PostForm.Get("secret_value")
	errs := map[string]string{}
	switch {
	case !secretName.MatchString(name):
		errs["secret_name"] = "Use 1 to 64 letters, digits or _, not starting with a digit."
	case value == "":
		errs["secret_value"] = "Enter the value."
	case len(value) < workflow.MinSecretLen:
		errs["secret_value"] = "At least " + strconv.Itoa(workflow.MinSecretLen) + " bytes: a shorter value cannot be kept out of run history."
	case len(value) > 64<<10:
		errs["secret_value"] = "At most 64 KiB."
	}
	if len(errs) > 0 {
		v := &view{}
		v.setFieldErrors(errs)
		h.renderWorkflows(w, r, http.StatusBadRequest, v, p, name)
		return
	}
	if err := h.opts.Admin.Store.PutProjectSecret(r.Context(), &driveway.ProjectSecret{ProjectID: p.ID, Name: name, Value: value}); err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, projectPath(p.ID, "/workflows?done=secret-saved"))
}

func (h *handler) deleteSecret(w http.ResponseWriter, r *http.Request) {
	p, ok := h.workflowProject(w, r)
	if !ok {
		return
	}
	if err := h.opts.Admin.Store.DeleteProjectSecret(r.Context(), p.ID, r.PathValue("name")); err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, projectPath(p.ID, "/workflows?done=secret-deleted"))
}
