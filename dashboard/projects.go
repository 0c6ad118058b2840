package dashboard

import (
	"net/http"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
)

type projectsData struct {
	Projects []projectRow
	Name     string // the create form's input after an error
	// Charts are this node's signals over the last 24 hours (none
	// without Options.Signals), sampled every SampleEvery.
	Charts      []chart
	SampleEvery string
}

// projectRow is a project with the state of its OneDrive settings.
type projectRow struct {
	*driveway.Project
	OneDrive *admin.IntegrationView
}

// projectsPage lists every project, with a form to create one.
func (h *handler) projectsPage(w http.ResponseWriter, r *http.Request) {
	h.renderProjects(w, r, http.StatusOK, &view{}, "")
}

func (h *handler) createProject(w http.ResponseWriter, r *http.Request) {
	name := r.PostForm.Get("name")
	p, err := h.opts.Admin.CreateProject(r.Context(), admin.ProjectInput{Name: name})
	if errs, ok := fieldErrors(err, func(string) string { return "name" }); ok {
		v := &view{}
		v.setFieldErrors(errs)
		h.renderProjects(w, r, http.StatusBadRequest, v, name)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, projectPath(p.ID, "/onedrive"))
}

func (h *handler) renderProjects(w http.ResponseWriter, r *http.Request, status int, v *view, name string) {
	list, err := h.opts.Admin.Store.ListProjects(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rows := make([]projectRow, 0, len(list))
	for _, p := range list {
		od, err := h.opts.Admin.GetIntegration(r.Context(), p.ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		rows = append(rows, projectRow{Project: p, OneDrive: od})
	}
	data := projectsData{Projects: rows, Name: name}
	if h.opts.Signals != nil {
		data.Charts, data.SampleEvery = chartsOf(h.opts.Signals.Signals(), h.now()), h.opts.Signals.Every().String()
	}
	v.Title, v.Data = "Projects", data
	h.render(w, r, status, "projects", v)
}
