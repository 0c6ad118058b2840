package emulator

import (
	"net/http"
	"slices"
	"strings"
)

// serveFollowed answers me/followedSites and users/{id}/followedSites[/add|/remove]
// (https://learn.microsoft.com/en-us/graph/api/sites-list-followed,
// site-follow, site-unfollow). A user may change only their own list. Lock not held.
func (e *Emulator) serveFollowed(w http.ResponseWriter, r *http.Request, p *principal, who string, rest []string) {
	e.mu.Lock()
	u := e.userByLogin(who)
	if who == "me" {
		u = e.st.Users[p.UserID]
	}
	if u == nil || u.ID != p.UserID {
		e.fail(w, r, gerr(403, "accessDenied", "Access denied"))
		return
	}
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		ids := e.st.Follows[u.ID]
		e.writeSites(w, "sites", e.sitesOf(p, func(s *Site) bool { return slices.Contains(ids, s.ID) }))
	case len(rest) == 1 && (rest[0] == "add" || rest[0] == "remove") && r.Method == http.MethodPost:
		e.mu.Unlock()
		e.changeFollows(w, r, p, u.ID, rest[0] == "add")
	default:
		e.fail(w, r, gerr(400, "BadRequest", "Unsupported request: "+r.Method+" followedSites/"+strings.Join(rest, "/")))
	}
}

// changeFollows adds or removes the sites of the body {"value":[{"id"}]}.
// Every id must name a site the user may see, or nothing changes.
func (e *Emulator) changeFollows(w http.ResponseWriter, r *http.Request, p *principal, userID string, add bool) {
	var body struct {
		Value []struct {
			ID string `json:"id"`
		} `json:"value"`
	}
	if g := decodeJSON(r, &body); g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	if len(body.Value) == 0 {
		e.writeGraphError(w, r, gerr(400, "invalidRequest", "value must list at least one site."))
		return
	}
	e.mu.Lock()
	var sites []*Site
	for _, v := range body.Value {
		s := e.st.Sites[v.ID]
		if s == nil || !siteAllows(p, s) {
			e.fail(w, r, gerr(404, "itemNotFound", "Requested site could not be found"))
			return
		}
		sites = append(sites, s)
	}
	ids := e.st.Follows[userID]
	for _, s := range sites {
		ids = slices.DeleteFunc(ids, func(id string) bool { return id == s.ID })
		if add {
			ids = append(ids, s.ID)
		}
	}
	e.st.Follows[userID] = ids
	e.changed()
	if !add {
		e.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	e.writeSites(w, "sites", sites)
}

// serveGroup answers groups/{id}/drives and groups/{id}/sites/root for a
// group-connected site. Lock not held.
func (e *Emulator) serveGroup(w http.ResponseWriter, r *http.Request, p *principal, segs []string) {
	e.mu.Lock()
	s := e.siteByGroup(unescape(segs[0]))
	if s == nil || !siteAllows(p, s) {
		e.fail(w, r, gerr(404, "itemNotFound", "The group could not be found."))
		return
	}
	v := e.view(s)
	switch strings.Join(segs[1:], "/") {
	case "drives":
		e.serveSiteParts(w, r, p, v, []string{"drives"})
	case "sites/root":
		e.serveSiteParts(w, r, p, v, nil)
	default:
		e.fail(w, r, gerr(400, "BadRequest", "Resource not found for the segment '"+strings.Join(segs[1:], "/")+"'."))
	}
}
