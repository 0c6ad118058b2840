package dashboard

import (
	"net/http"
	"strings"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
)

type projectData struct {
	Name    string
	Origins string // one origin per line
}

// loadProject reads the project named by the path, rendering the failure
// (404 for an unknown id) when it cannot.
func (h *handler) loadProject(w http.ResponseWriter, r *http.Request) (*driveway.Project, bool) {
	p, err := h.opts.Admin.Store.GetProject(r.Context(), r.PathValue("pid"))
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return p, true
}

// projectPage shows a project's name and allowed origins.
func (h *handler) projectPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadProject(w, r)
	if !ok {
		return
	}
	v := &view{Flash: flashFrom(r)}
	h.renderProject(w, r, http.StatusOK, v, p, projectData{Name: p.Name, Origins: strings.Join(p.AllowedOrigins, "\n")})
}

func (h *handler) updateProject(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadProject(w, r)
	if !ok {
		return
	}
	form := projectData{Name: r.PostForm.Get("name"), Origins: r.PostForm.Get("origins")}
	_, err := h.opts.Admin.UpdateProject(r.Context(), p.ID, admin.ProjectInput{Name: form.Name, AllowedOrigins: splitLines(form.Origins)})
	if errs, ok := fieldErrors(err, projectField); ok {
		v := &view{}
		v.setFieldErrors(errs)
		h.renderProject(w, r, http.StatusBadRequest, v, p, form)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, projectPath(p.ID, "?done=saved"))
}

func (h *handler) renderProject(w http.ResponseWriter, r *http.Request, status int, v *view, p *driveway.Project, form projectData) {
	v.Title, v.Project, v.Tab, v.Data = p.Name, p, "project", form
	h.render(w, r, status, "project", v)
}

func projectField(apiField string) string {
	if strings.HasPrefix(apiField, "allowedOrigins") {
		return "origins"
	}
	if apiField == "name" {
		return "name"
	}
	return ""
}

// splitLines returns the non-blank lines of s, trimmed.
func splitLines(s string) []string {
	out := []string{}
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// flashes are the success messages a redirect may ask for with ?done=;
// the query names one, so no text from the URL reaches the page.
var flashes = map[string]string{
	"saved":   "Saved.",
	"added":   "Key added.",
	"deleted": "Key deleted.",
	"revoked": "API key revoked.",
}

func flashFrom(r *http.Request) string {
	return flashes[r.URL.Query().Get("done")]
}
