package dashboard

import (
	"net/http"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/audit"
)

type apiKeysData struct {
	Keys []apiKeyRow
	Name string // the create form's input after an error
	Role string
	// Created is the key just created, and Secret its secret, shown this
	// once.
	Created *driveway.APIKey
	Secret  string
}

// apiKeyRow is a key as the page shows it.
type apiKeyRow struct {
	*driveway.APIKey
	Usable   bool   // neither revoked nor expired
	Surfaces string // "all" or a list
}

// keyLifetimes are the create form's expiry choices.
var keyLifetimes = map[string]time.Duration{"": 0, "30d": 30 * 24 * time.Hour, "90d": 90 * 24 * time.Hour, "365d": 365 * 24 * time.Hour}

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
	name, role := r.PostForm.Get("name"), r.PostForm.Get("role")
	spec := admin.KeySpec{ProjectID: p.ID, Name: name, Role: role}
	life, ok := keyLifetimes[r.PostForm.Get("expires")]
	if !ok {
		h.fail(w, r, driveway.Invalid("expires", "choose a lifetime from the list"))
		return
	}
	if life > 0 {
		spec.ExpiresAt = h.now().Add(life)
	}
	k, secret, err := h.opts.Admin.MintAPIKey(r.Context(), nil, spec)
	if errs, ok := fieldErrors(err, prefixField("", "name", "role")); ok {
		v := &view{}
		v.setFieldErrors(errs)
		h.renderAPIKeys(w, r, http.StatusBadRequest, v, p, apiKeysData{Name: name, Role: role})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	audit.Note(r.Context(), audit.Event{Action: "api_key.create", Target: k.ID,
		After: map[string]any{"name": k.Name, "role": k.Role, "expiresAt": k.ExpiresAt}})
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
	for _, k := range keys {
		row := apiKeyRow{APIKey: k, Usable: k.Active(h.now()), Surfaces: "all"}
		if k.Surfaces != nil {
			row.Surfaces = strings.Join(k.Surfaces, ", ")
		}
		d.Keys = append(d.Keys, row)
	}
	v.Title, v.Project, v.Tab, v.Data = "API keys · "+p.Name, p, "api-keys", d
	h.render(w, r, status, "api_keys", v)
}
