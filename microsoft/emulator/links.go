package emulator

import (
	"net/http"
	"slices"
	"strings"
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
	// Recipients are the user ids a "users" link admits (createLink's
	// recipients); nobody else may use it.
	Recipients []string `json:"recipients,omitempty"`
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
		Recipients         []struct {
			Email    string `json:"email"`
			ObjectID string `json:"objectId"`
		} `json:"recipients"`
	}
	if g := decodeJSON(r, &body); g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	if body.Scope == "" {
		body.Scope = "anonymous"
	}
	g := checkLink(t.d.Mode, body.Type, body.Scope)
	if g == nil && len(body.Recipients) > 0 && body.Scope != "users" {
		g = gerr(400, "invalidRequest", "recipients are only for links with scope users.")
	}
	if g == nil && t.d.Mode == ModePersonal && (!body.ExpirationDateTime.IsZero() || body.Password != "") {
		// Expiring and password links need a premium personal account
		// (rclone issue #5420: "accessDenied: accountUpgradeRequired").
		g = gerr(403, "accessDenied", "Account Upgrade is required for this operation.", "accountUpgradeRequired")
	}
	if g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	e.mu.Lock()
	it, _, _, g := t.resolve()
	if g == nil && it == nil {
		g = errNotFound()
	}
	var recipients []string
	for _, rc := range body.Recipients {
		if g != nil {
			break
		}
		var u *User
		if u, g = e.linkRecipient(t.d, rc.Email+rc.ObjectID); u != nil {
			recipients = append(recipients, u.ID)
		}
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
	for _, id := range recipients {
		if !slices.Contains(it.Links[i].Recipients, id) {
			it.Links[i].Recipients = append(it.Links[i].Recipients, id)
			e.changed()
		}
	}
	out := e.permissionJSON(t.d, it, it.Links[i])
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

// permissionJSON renders a link as Graph's permission resource. Lock held.
func (e *Emulator) permissionJSON(d *Drive, it *Item, l SharingLink) map[string]any {
	role := "read"
	if l.Type == "edit" {
		role = "write"
	}
	link := map[string]any{"type": l.Type, "scope": l.Scope, "webUrl": e.shareURL(d, it, l.Token),
		"preventsDownload": false}
	out := map[string]any{"id": l.ID, "roles": []string{role}, "shareId": "u!" + l.Token, "link": link, "hasPassword": l.Password}
	if !l.Expires.IsZero() {
		out["expirationDateTime"] = l.Expires.Format(time.RFC3339)
	}
	if l.Scope == "users" {
		who := []any{}
		for _, id := range l.Recipients {
			who = append(who, e.identity(id))
		}
		if d.Mode == ModeBusiness {
			out["grantedToIdentitiesV2"] = who
		} else {
			out["grantedToIdentities"] = who
		}
	}
	return out
}

// linkRecipient finds a "users" link's recipient in the directory: an
// account of the drive owner's kind (the owner's tenant, or personal).
// Lock held.
func (e *Emulator) linkRecipient(d *Drive, who string) (*User, *graphError) {
	u := e.directoryUser(who)
	owner := e.st.Users[d.OwnerID]
	if u == nil || owner == nil || u.TenantID != owner.TenantID {
		return nil, gerr(400, "invalidRequest", "Sharing links are not allowed for this recipient.", "sharingFailed")
	}
	return u, nil
}

// shareURL is a link's webUrl in the shapes Microsoft hands out (never the
// emulator's own host): https://1drv.ms/{kind}/c/{cid}/{token} on personal
// drives, https://{tenant}-my.sharepoint.com/:{kind}:/g/personal/{user}/{token}
// on business ones. The kind letter is f for folders and u for other files;
// the service also uses w, x, p, b, i and v by file type. The URLs are not
// served. Lock held.
func (e *Emulator) shareURL(d *Drive, it *Item, token string) string {
	kind := "u"
	if it.Folder {
		kind = "f"
	}
	if d.Mode == ModePersonal {
		return "https://1drv.ms/" + kind + "/c/" + strings.ToLower(d.ID) + "/" + token
	}
	site, who := e.businessSite(d)
	return "https://" + site + "-my.sharepoint.com/:" + kind + ":/g/personal/" + who + "/" + token
}
