package emulator

import (
	"net/http"
	"slices"
	"time"
)

// SharingLink is a sharing link of an item, as createLink makes it.
type SharingLink struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`  // view, edit or embed
	Scope     string    `json:"scope"` // anonymous, organization or users
	Token     string    `json:"token"`
	Expires   time.Time `json:"expires,omitzero"`
	Password  bool      `json:"password,omitempty"`
	CreatedBy string    `json:"createdBy"`
}

// createLink is POST items/{id}/createLink: 201 with a new permission, or
// 200 with the existing link of the same type and scope (the service
// returns an existing link rather than making a second one). embed is
// personal-only and organization scope business-only, as in the service.
func (e *Emulator) createLink(w http.ResponseWriter, r *http.Request, p *principal, t *target) {
	var body struct {
		Type               string    `json:"type"`
		Scope              string    `json:"scope"`
		Password           string    `json:"password"`
		ExpirationDateTime time.Time `json:"expirationDateTime"`
	}
	if g := decodeJSON(r, &body); g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	if body.Scope == "" {
		body.Scope = "anonymous"
	}
	if g := checkLink(t.d.Mode, body.Type, body.Scope); g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	e.mu.Lock()
	it, _, _, g := t.resolve()
	if g == nil && it == nil {
		g = errNotFound()
	}
	if g != nil {
		e.fail(w, r, g)
		return
	}
	status := http.StatusOK
	i := slices.IndexFunc(it.Links, func(l SharingLink) bool { return l.Type == body.Type && l.Scope == body.Scope })
	if i < 0 {
		it.Links = append(it.Links, SharingLink{ID: e.guid(), Type: body.Type, Scope: body.Scope, Token: e.token(22),
			Expires: body.ExpirationDateTime.UTC(), Password: body.Password != "", CreatedBy: p.UserID})
		i, status = len(it.Links)-1, http.StatusCreated
		e.changed()
	}
	out := e.permissionJSON(it.Links[i])
	e.mu.Unlock()
	writeJSON(w, status, out)
}

func checkLink(mode, typ, scope string) *graphError {
	switch {
	case typ != "view" && typ != "edit" && typ != "embed":
		return gerr(400, "invalidRequest", "The link type must be view, edit or embed.")
	case scope != "anonymous" && scope != "organization" && scope != "users":
		return gerr(400, "invalidRequest", "The link scope must be anonymous, organization or users.")
	case typ == "embed" && mode != ModePersonal:
		return gerr(400, "invalidRequest", "Embed links are only supported on OneDrive Personal.", "notSupported")
	case scope == "organization" && mode == ModePersonal:
		return gerr(400, "invalidRequest", "Organization links are not supported on OneDrive Personal.", "notSupported")
	}
	return nil
}

// permissionJSON renders a link as Graph's permission resource.
func (e *Emulator) permissionJSON(l SharingLink) map[string]any {
	role := "read"
	if l.Type == "edit" {
		role = "write"
	}
	link := map[string]any{"type": l.Type, "scope": l.Scope, "webUrl": e.base.String() + "/_share/" + l.Token,
		"preventsDownload": false}
	out := map[string]any{"id": l.ID, "roles": []string{role}, "shareId": "u!" + l.Token, "link": link, "hasPassword": l.Password}
	if !l.Expires.IsZero() {
		out["expirationDateTime"] = l.Expires.Format(time.RFC3339)
	}
	return out
}
