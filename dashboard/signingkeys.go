package dashboard

import (
	"net/http"
	"slices"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
)

type signingKeysData struct {
	Keys []*driveway.SigningKey
	// The add form's input after an error.
	ID, Audience, PEM string
	// GenAlg and GenAudience are the generate form's input.
	GenAlg, GenAudience string
	// Generated is the key just generated, and PrivateKey its private half,
	// shown this once.
	Generated  *driveway.SigningKey
	PrivateKey string
}

// signingKeysPage lists the project's user-token keys, with forms to add a
// public key and to generate a pair.
func (h *handler) signingKeysPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadProject(w, r)
	if !ok {
		return
	}
	h.renderSigningKeys(w, r, http.StatusOK, &view{Flash: flashFrom(r)}, p, signingKeysData{GenAlg: driveway.AlgES256})
}

func (h *handler) addSigningKey(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadProject(w, r)
	if !ok {
		return
	}
	in := admin.SigningKeyInput{ID: r.PostForm.Get("id"), Audience: r.PostForm.Get("audience"), PEM: r.PostForm.Get("pem")}
	_, err := h.opts.Admin.AddSigningKey(r.Context(), p.ID, in)
	if errs, ok := fieldErrors(err, prefixField("add_", "id", "pem", "audience")); ok {
		v := &view{}
		v.setFieldErrors(errs)
		d := signingKeysData{ID: in.ID, Audience: in.Audience, PEM: in.PEM, GenAlg: driveway.AlgES256}
		h.renderSigningKeys(w, r, http.StatusBadRequest, v, p, d)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, projectPath(p.ID, "/signing-keys?done=added"))
}

// generateSigningKey makes a key pair and answers with its private key: the
// only time anyone sees it.
func (h *handler) generateSigningKey(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadProject(w, r)
	if !ok {
		return
	}
	alg, aud := r.PostForm.Get("alg"), r.PostForm.Get("audience")
	k, priv, err := h.opts.Admin.GenerateSigningKey(r.Context(), p.ID, alg, aud)
	if errs, ok := fieldErrors(err, prefixField("gen_", "alg", "audience")); ok {
		v := &view{}
		v.setFieldErrors(errs)
		h.renderSigningKeys(w, r, http.StatusBadRequest, v, p, signingKeysData{GenAlg: alg, GenAudience: aud})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := &view{Flash: "Key pair generated. Copy the private key now: Driveway keeps no copy of it."}
	h.renderSigningKeys(w, r, http.StatusOK, v, p, signingKeysData{GenAlg: alg, Generated: k, PrivateKey: priv})
}

func (h *handler) deleteSigningKey(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadProject(w, r)
	if !ok {
		return
	}
	if err := h.opts.Admin.Store.DeleteSigningKey(r.Context(), p.ID, r.PathValue("kid")); err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, projectPath(p.ID, "/signing-keys?done=deleted"))
}

func (h *handler) renderSigningKeys(w http.ResponseWriter, r *http.Request, status int, v *view, p *driveway.Project, d signingKeysData) {
	keys, err := h.opts.Admin.Store.ListSigningKeys(r.Context(), p.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Keys = keys
	v.Title, v.Project, v.Tab, v.Data = "Signing keys · "+p.Name, p, "signing-keys", d
	h.render(w, r, status, "signing_keys", v)
}

// prefixField names a form's fields by the API field with a prefix, for
// pages with more than one form; fields the form lacks map to "".
func prefixField(prefix string, fields ...string) func(string) string {
	return func(apiField string) string {
		if slices.Contains(fields, apiField) {
			return prefix + apiField
		}
		return ""
	}
}
