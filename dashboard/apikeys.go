package dashboard

import (
	"net/http"

	"github.com/drivewayhq/driveway"
)

type apiKeysData struct {
	Keys []*driveway.APIKey
	Name string // the create form's input after an error
	// Created is the key just created, and Secret its secret, shown this
	// once.
	Created *driveway.APIKey
	Secret  string
}

// apiKeysPage lists the project's API keys, with a form to create one.
func (h *handler) apiKeysPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadProject(w, r)
	if !ok {
		return
	}
	h.renderAPIKeys(w, r, http.StatusOK, &view{Flash: flashFrom(r)}, p, apiKeysData{})
}

// createAPIKey makes a project key and answers with its secret: the only
// time anyone sees it.
func (h *handler) createAPIKey(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadProject(w, r)
	if !ok {
		return
	}
	name := r.PostForm.Get("name")
	k, secret, err := h.opts.Admin.CreateAPIKey(r.Context(), p.ID, name)
	if errs, ok := fieldErrors(err, prefixField("", "name")); ok {
		v := &view{}
		v.setFieldErrors(errs)
		h.renderAPIKeys(w, r, http.StatusBadRequest, v, p, apiKeysData{Name: name})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := &view{Flash: "API key created. Copy the secret now: Driveway keeps only its hash."}
	h.renderAPIKeys(w, r, http.StatusOK, v, p, apiKeysData{Created: k, Secret: secret})
}

func (h *handler) revokeAPIKey(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadProject(w, r)
	if !ok {
		return
	}
	if err := h.opts.Admin.Store.RevokeAPIKey(r.Context(), p.ID, r.PathValue("kid"), h.now().UTC()); err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, projectPath(p.ID, "/api-keys?done=revoked"))
}

func (h *handler) renderAPIKeys(w http.ResponseWriter, r *http.Request, status int, v *view, p *driveway.Project, d apiKeysData) {
	keys, err := h.opts.Admin.Store.ListAPIKeys(r.Context(), p.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Keys = keys
	v.Title, v.Project, v.Tab, v.Data = "API keys · "+p.Name, p, "api-keys", d
	h.render(w, r, status, "api_keys", v)
}
