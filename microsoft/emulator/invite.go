package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Grant is an item shared with an account by POST items/{id}/invite
// (https://learn.microsoft.com/en-us/graph/api/driveitem-invite). The
// account reaches the item, and everything below it, by
// drives/{drive}/items/{id}; it lists it in me/drive/sharedWithMe.
type Grant struct {
	ID     string    `json:"id"`
	UserID string    `json:"userId"`
	Role   string    `json:"role"` // read or write
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// inviteBody is invite's request. Mail is never sent: sendInvitation
// and message are accepted and ignored.
type inviteBody struct {
	Recipients []struct {
		Email    string `json:"email"`
		ObjectID string `json:"objectId"`
	} `json:"recipients"`
	Roles          []string `json:"roles"`
	RequireSignIn  bool     `json:"requireSignIn"`
	SendInvitation bool     `json:"sendInvitation"`
	Message        string   `json:"message"`
}

// invite grants each recipient the role. Recipients must be accounts of
// the emulated directory that may hold the item: the owner's tenant for a
// business drive, a personal account for a personal one. Anyone else
// answers 400 sharingFailed, as the service does for recipients it will
// not share with (guests and external sharing are not emulated).
func (e *Emulator) invite(w http.ResponseWriter, r *http.Request, p *principal, t *target) {
	var body inviteBody
	if g := decodeJSON(r, &body); g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	if g := checkInvite(body); g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	e.mu.Lock()
	it, _, _, g := t.resolve()
	if g == nil && it == nil {
		g = errNotFound()
	}
	var users []*User
	for _, rc := range body.Recipients {
		if g != nil {
			break
		}
		var u *User
		u, g = e.recipient(t.d, rc.Email+rc.ObjectID)
		users = append(users, u)
	}
	if g != nil {
		e.fail(w, r, g)
		return
	}
	vals := []any{}
	for _, u := range users {
		gr := e.addGrant(it, u.ID, body.Roles[0], p.UserID)
		vals = append(vals, e.grantJSON(t.d, gr, nil))
	}
	e.changed()
	e.mu.Unlock()
	writeJSON(w, 200, map[string]any{"@odata.context": e.GraphURL() + "/$metadata#Collection(permission)", "value": vals})
}

func checkInvite(b inviteBody) *graphError {
	switch {
	case len(b.Recipients) == 0:
		return gerr(400, "invalidRequest", "At least one recipient is required.")
	case len(b.Roles) != 1 || (b.Roles[0] != "read" && b.Roles[0] != "write"):
		return gerr(400, "invalidRequest", "roles must be [\"read\"] or [\"write\"].")
	}
	return nil
}

// recipient finds an invitee by e-mail, UPN or object id. Lock held.
func (e *Emulator) recipient(d *Drive, who string) (*User, *graphError) {
	u := e.directoryUser(who)
	owner := e.st.Users[d.OwnerID]
	switch {
	case u == nil || owner == nil || u.TenantID != owner.TenantID:
		return nil, gerr(400, "invalidRequest", "Sharing invitations are not allowed for this account.", "sharingFailed")
	case u.ID == owner.ID:
		return nil, gerr(400, "invalidRequest", "The owner already has access to the item.")
	}
	return u, nil
}

// directoryUser finds an account by id, UPN or e-mail. Lock held.
func (e *Emulator) directoryUser(who string) *User {
	if u := e.userByLogin(who); u != nil {
		return u
	}
	for _, x := range e.st.Users {
		if x.Mail != "" && strings.EqualFold(x.Mail, who) {
			return x
		}
	}
	return nil
}

// addGrant adds or updates the grant of userID on it. Lock held.
func (e *Emulator) addGrant(it *Item, userID, role, by string) Grant {
	for i := range it.Grants {
		if it.Grants[i].UserID == userID {
			it.Grants[i].Role = role
			return it.Grants[i]
		}
	}
	g := Grant{ID: "grant-" + e.guid(), UserID: userID, Role: role, By: by, At: e.Now()}
	it.Grants = append(it.Grants, g)
	return g
}

// removeGrant deletes the grant pid of it. Lock held.
func (e *Emulator) removeGrant(it *Item, pid string) bool {
	i := slices.IndexFunc(it.Grants, func(g Grant) bool { return g.ID == pid })
	if i < 0 {
		return false
	}
	it.Grants = slices.Delete(it.Grants, i, i+1)
	e.changed()
	return true
}

// grantPermissions renders the grants on it and, inherited, on its
// ancestors. Personal drives name the ancestor in inheritedFrom; work or
// school drives do not return it (the permission resource page). Lock held.
func (e *Emulator) grantPermissions(d *Drive, it *Item) []map[string]any {
	var out []map[string]any
	for a := it; a != nil; a = d.Items[a.ParentID] {
		for _, g := range a.Grants {
			var from *Item
			if a != it {
				from = a
			}
			out = append(out, e.grantJSON(d, g, from))
		}
	}
	return out
}

// grantJSON renders a grant as a permission. Lock held.
func (e *Emulator) grantJSON(d *Drive, g Grant, from *Item) map[string]any {
	out := map[string]any{"id": g.ID, "roles": []string{g.Role}}
	who := map[string]any{"user": e.identity(g.UserID).User}
	if d.Mode == ModeBusiness {
		out["grantedToV2"] = who
	} else {
		out["grantedTo"] = who
	}
	if from != nil && d.Mode == ModePersonal {
		out["inheritedFrom"] = map[string]any{"driveId": d.ID, "id": from.ID, "path": d.path(from)}
	}
	return out
}

// grantReach reports whether a grant on t's item or an ancestor lets p
// reach it, and marks t read-only for a read grant. Lock held.
func (e *Emulator) grantReach(p *principal, t *target) bool {
	if p.UserID == "" || t.base == nil {
		return false
	}
	for a := t.base; a != nil; a = t.d.Items[a.ParentID] {
		for _, g := range a.Grants {
			if g.UserID == p.UserID && !a.Deleted {
				t.readOnly = g.Role != "write"
				return true
			}
		}
	}
	return false
}

func isSharedWithMe(segs []string) bool {
	n := len(segs)
	return (n == 3 && segs[0] == "me" && segs[1] == "drive" && segs[2] == "sharedWithMe") ||
		(n == 2 && segs[0] == "drive" && segs[1] == "sharedWithMe")
}

// sharedWithMe lists the items granted to the signed-in user, each with
// the remoteItem facet that names the drive it lives in. Lock not held.
func (e *Emulator) sharedWithMe(w http.ResponseWriter, r *http.Request, p *principal) {
	if p.UserID == "" {
		e.writeGraphError(w, r, gerr(400, "BadRequest", "/me request is only valid with delegated authentication flow."))
		return
	}
	e.mu.Lock()
	vals := []any{}
	for _, d := range e.st.Drives {
		for _, it := range d.Items {
			if it.Deleted || !slices.ContainsFunc(it.Grants, func(g Grant) bool { return g.UserID == p.UserID }) {
				continue
			}
			vals = append(vals, e.sharedItem(d, it, p.UserID))
		}
	}
	e.mu.Unlock()
	writeJSON(w, 200, map[string]any{"@odata.context": e.GraphURL() + "/$metadata#Collection(driveItem)", "value": vals})
}

// sharedItem renders one shared item. Lock held.
func (e *Emulator) sharedItem(d *Drive, it *Item, userID string) map[string]any {
	b, _ := json.Marshal(e.render(d, it, renderOpts{noURL: true}))
	var remote map[string]any
	_ = json.Unmarshal(b, &remote)
	for _, k := range []string{"@odata.context", "@microsoft.graph.downloadUrl", "cTag", "eTag"} {
		delete(remote, k)
	}
	i := slices.IndexFunc(it.Grants, func(g Grant) bool { return g.UserID == userID })
	remote["shared"] = map[string]any{"owner": e.identity(d.OwnerID), "sharedBy": e.identity(it.Grants[i].By),
		"sharedDateTime": isoTime(it.Grants[i].At, d.Mode)}
	out := map[string]any{"id": it.ID, "name": it.Name, "webUrl": remote["webUrl"], "remoteItem": remote,
		"lastModifiedDateTime": remote["lastModifiedDateTime"], "createdDateTime": remote["createdDateTime"]}
	if v, ok := remote["size"]; ok {
		out["size"] = v
	}
	for _, k := range []string{"file", "folder"} {
		if v, ok := remote[k]; ok {
			out[k] = v
		}
	}
	return out
}

// Share grants recipient (an id, UPN or e-mail) the role ("read" or
// "write") on the item at path in user's drive (user may be a drive id),
// as invite does. It returns the permission id.
func (e *Emulator) Share(user, path, recipient, role string) (string, error) {
	if g := checkInvite(inviteBody{Recipients: make([]struct {
		Email    string `json:"email"`
		ObjectID string `json:"objectId"`
	}, 1), Roles: []string{role}}); g != nil {
		return "", fmt.Errorf("share: %s", g.Message)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	d, u, it, err := e.find(user, path)
	if err != nil {
		return "", fmt.Errorf("share: %w", err)
	}
	to, g := e.recipient(d, recipient)
	if g != nil {
		return "", fmt.Errorf("share: %s", g.Message)
	}
	gr := e.addGrant(it, to.ID, role, u.ID)
	e.changed()
	return gr.ID, nil
}
