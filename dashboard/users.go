package dashboard

import (
	"context"
	"net/http"
	"strings"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/audit"
)

// usersPageSize is how many connected users one page lists.
const usersPageSize = 50

// connectedUser is one row of the Connected Users page: the user and the
// OneDrive accounts they connected.
type connectedUser struct {
	User        *driveway.ConnectedUser
	Name, Email string
	Credentials []*driveway.Credential
}

type usersData struct {
	Users []connectedUser
	// Next is the cursor of the next page ("" on the last one).
	Next string
}

// usersPage lists a project's connected users with their accounts, status
// and health, oldest id first, a page at a time.
func (h *handler) usersPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadProject(w, r)
	if !ok {
		return
	}
	d, err := h.loadUsers(r.Context(), p.ID, r.URL.Query().Get("after"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	audit.Note(r.Context(), audit.Event{Action: "users.view", Target: p.ID})
	v := &view{Flash: flashFrom(r), Title: "Connected users · " + p.Name, Project: p, Tab: "users", Data: d}
	h.render(w, r, http.StatusOK, "users", v)
}

func (h *handler) loadUsers(ctx context.Context, projectID, after string) (usersData, error) {
	store := h.opts.Admin.Store
	users, err := store.ListConnectedUsers(ctx, projectID, after, usersPageSize+1)
	if err != nil {
		return usersData{}, err
	}
	var d usersData
	if len(users) > usersPageSize {
		users = users[:usersPageSize]
		d.Next = users[len(users)-1].ID
	}
	for _, u := range users {
		creds, err := store.ListCredentials(ctx, projectID, u.ID)
		if err != nil {
			return usersData{}, err
		}
		d.Users = append(d.Users, connectedUser{User: u, Credentials: creds,
			Name: metaString(u.Metadata, "Name"), Email: metaString(u.Metadata, "Email")})
	}
	return d, nil
}

// metaString reads a metadata key the SDK normalises ("Name", "Email"),
// accepting other casings too.
func metaString(m map[string]any, key string) string {
	for k, v := range m {
		if strings.EqualFold(k, key) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

// disconnect removes one OneDrive account of a user, as the user's own
// disconnect does: tokens deleted, subscriptions removed, an event recorded.
func (h *handler) disconnect(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadProject(w, r)
	if !ok {
		return
	}
	if h.opts.Disconnect == nil {
		h.renderError(w, r, http.StatusNotImplemented, "Not available", "This server cannot disconnect accounts.")
		return
	}
	if err := h.opts.Disconnect(r.Context(), p.ID, r.PathValue("cid")); err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, projectPath(p.ID, "/users?done=disconnected"))
}
