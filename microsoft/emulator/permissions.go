package emulator

import (
	"net/http"
	"strings"
)

// The permissions of an item (https://learn.microsoft.com/en-us/graph/api/resources/permission):
//
//	GET    items/{id}/permissions        the owner, then the item's sharing links (createLink)
//	GET    items/{id}/permissions/{pid}  one of them
//	DELETE items/{id}/permissions/{pid}  removes a sharing link (204); the owner cannot be removed
//	POST   items/{id}/invite             400 invalidRequest / sharingFailed
//
// Invitations are refused as Microsoft now refuses them on many business and
// personal accounts ("the invite API returns 400 sharingFailed for any
// recipient on affected accounts", rclone's OneDrive tests); granting access
// to other users is not emulated. Business permissions carry grantedToV2,
// personal ones grantedTo, as rclone's API types record.

// servePermissions handles the actions invite, permissions and permissions/{id}.
func (e *Emulator) servePermissions(w http.ResponseWriter, r *http.Request, t *target) {
	if t.action == "invite" {
		e.writeGraphError(w, r, gerr(400, "invalidRequest", "Sharing invitations are not allowed for this account.", "sharingFailed"))
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
	perms := e.permissions(t.d, it)
	pid, one := strings.CutPrefix(t.action, "permissions/")
	switch {
	case !one && r.Method == "GET":
		e.mu.Unlock()
		writeJSON(w, 200, map[string]any{"value": perms})
	case one && r.Method == "GET":
		e.mu.Unlock()
		for _, p := range perms {
			if p["id"] == pid {
				writeJSON(w, 200, p)
				return
			}
		}
		e.writeGraphError(w, r, gerr(404, "itemNotFound", "The permission could not be found."))
	case one && r.Method == "DELETE":
		e.deletePermission(w, r, it, unescape(pid))
	default:
		e.fail(w, r, gerr(400, "invalidRequest", "Unsupported request: "+r.Method+" "+t.action))
	}
}

// permissions renders the owner and the sharing links of it. Lock held.
func (e *Emulator) permissions(d *Drive, it *Item) []map[string]any {
	owner := map[string]any{"id": "owner-" + d.OwnerID, "roles": []string{"owner"}}
	if u := e.st.Users[d.OwnerID]; u != nil {
		who := map[string]any{"user": map[string]any{"id": u.ID, "displayName": u.DisplayName, "email": u.Mail}}
		if d.Mode == ModeBusiness {
			owner["grantedToV2"] = who
		} else {
			owner["grantedTo"] = who
		}
	}
	out := []map[string]any{owner}
	for _, l := range it.Links {
		out = append(out, e.permissionJSON(d, it, l))
	}
	return append(out, e.grantPermissions(d, it)...)
}

// deletePermission removes a sharing link. Lock held; it unlocks.
func (e *Emulator) deletePermission(w http.ResponseWriter, r *http.Request, it *Item, pid string) {
	for i, l := range it.Links {
		if l.ID == pid {
			it.Links = append(it.Links[:i:i], it.Links[i+1:]...)
			e.changed()
			e.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	if e.removeGrant(it, pid) {
		e.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if strings.HasPrefix(pid, "owner-") {
		e.fail(w, r, gerr(403, "accessDenied", "The owner's permission cannot be removed."))
		return
	}
	e.fail(w, r, gerr(404, "itemNotFound", "The permission could not be found."))
}
