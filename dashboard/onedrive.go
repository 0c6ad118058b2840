package dashboard

import (
	"net/http"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
)

type oneDriveData struct {
	View         *admin.IntegrationView
	Form         oneDriveForm
	Scopes       []scopeOption
	AccountTypes []choice
	Clouds       []choice
	MinExpiry    string // tomorrow, for the date input
}

// oneDrivePage shows the OneDrive settings form.
func (h *handler) oneDrivePage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadProject(w, r)
	if !ok {
		return
	}
	cur, err := h.opts.Admin.GetIntegration(r.Context(), p.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := &view{Flash: flashFrom(r)}
	h.renderOneDrive(w, r, http.StatusOK, v, p, cur, formFromView(cur))
}

// saveOneDrive validates and saves the settings. On a validation error the
// form comes back with the operator's input, except the secret's value.
func (h *handler) saveOneDrive(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadProject(w, r)
	if !ok {
		return
	}
	cur, err := h.opts.Admin.GetIntegration(r.Context(), p.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	form := formFromRequest(r)
	in, errs := form.input(cur.ClientSecrets, r.PostForm.Get("new_secret"))
	if errs == nil {
		_, err = h.opts.Admin.PutIntegration(r.Context(), p.ID, in)
		errs, ok = fieldErrors(err, oneDriveField)
		if !ok && err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if errs != nil {
		v := &view{}
		v.setFieldErrors(errs)
		h.renderOneDrive(w, r, http.StatusBadRequest, v, p, cur, form)
		return
	}
	redirect(w, r, projectPath(p.ID, "/onedrive?done=saved"))
}

func (h *handler) renderOneDrive(w http.ResponseWriter, r *http.Request, status int, v *view, p *driveway.Project, cur *admin.IntegrationView, f oneDriveForm) {
	v.Title, v.Project, v.Tab = "OneDrive settings · "+p.Name, p, "onedrive"
	v.Data = oneDriveData{
		View: cur, Form: f, Scopes: f.scopeOptions(), AccountTypes: f.accountTypes(), Clouds: f.clouds(),
		MinExpiry: h.now().UTC().AddDate(0, 0, 1).Format(dateLayout),
	}
	h.render(w, r, status, "onedrive", v)
}
