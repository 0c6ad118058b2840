package emulator

import (
	"net/http"
	"slices"
	"strings"
)

// The site routes (https://learn.microsoft.com/en-us/graph/api/resources/site):
//
//	GET  sites?search={q}                      sites whose name, title or description contain q ("*": all)
//	GET  sites/{ref}                           ref: root, {host}, {site id}, {host}:/{path}[:]
//	GET  sites/{ref}/sites                     subsites
//	GET  sites/{ref}/drives                    document libraries
//	     sites/{ref}/drive[/...]               the default library, as a drive
//	     sites/{ref}/drives/{drive-id}[/...]   one library, as a drive
//	GET  me/followedSites
//	POST users/{id}/followedSites/add|remove   {"value":[{"id": site id}]}
//	GET  groups/{id}/drives, groups/{id}/sites/root
//	     groups/{id}/drive[/...]               (graph.go resolveDrive)

// serveSite routes sites/{ref}[/...]. Lock not held.
func (e *Emulator) serveSite(w http.ResponseWriter, r *http.Request, p *principal, rest []string) {
	ref, after, g := splitSiteRef(rest)
	if g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	e.mu.Lock()
	s, g := e.findSite(p, ref)
	if g == nil {
		g = e.siteAccess(p, s)
	}
	if g != nil {
		e.fail(w, r, g)
		return
	}
	e.serveSiteParts(w, r, p, s, after)
}

// serveSiteParts answers a found site's routes. Lock held; it unlocks.
func (e *Emulator) serveSiteParts(w http.ResponseWriter, r *http.Request, p *principal, s *site, after []string) {
	get := r.Method == http.MethodGet
	switch {
	case len(after) == 0 && get:
		body := e.siteJSON(s)
		e.mu.Unlock()
		writeJSON(w, 200, selectFields(body, qp(r, "select")))
	case len(after) == 1 && after[0] == "sites" && get:
		e.writeSites(w, "sites", e.sitesOf(p, func(x *Site) bool { return s.stored != nil && x.ParentID == s.stored.ID }))
	case len(after) == 1 && after[0] == "drives" && get:
		body := map[string]any{"@odata.context": e.GraphURL() + "/$metadata#drives", "value": e.libraries(s)}
		e.mu.Unlock()
		writeJSON(w, 200, body)
	case len(after) >= 1 && (after[0] == "drive" || after[0] == "drives"):
		t, g := e.siteDriveTarget(p, s, after, r.Method == http.MethodHead)
		e.mu.Unlock()
		if g != nil {
			e.writeGraphError(w, r, g)
			return
		}
		e.serveDriveTarget(w, r, p, t)
	default:
		e.fail(w, r, gerr(400, "BadRequest", "Resource not found for the segment '"+strings.Join(after, "/")+"'."))
	}
}

// siteAccess decides whether p may use a found site. Lock held.
func (e *Emulator) siteAccess(p *principal, s *site) *graphError {
	switch {
	case s.stored != nil && !siteAllows(p, s.stored):
		return gerr(403, "accessDenied", "Access denied")
	case s.stored != nil:
		return nil
	case s.drive == nil:
		return gerr(404, "itemNotFound", "The site has no document library.")
	case !e.canAccess(p, s.drive):
		return gerr(403, "accessDenied", "Access denied")
	}
	return nil
}

// libraries renders a site's document libraries. Lock held.
func (e *Emulator) libraries(s *site) []any {
	out := []any{}
	if s.stored == nil {
		if s.drive != nil {
			out = append(out, e.driveJSON(s.drive))
		}
		return out
	}
	for _, id := range s.stored.DriveIDs {
		out = append(out, e.driveJSON(e.st.Drives[id]))
	}
	return out
}

// siteDriveTarget parses drive[/...] or drives/{id}[/...] after a site.
// Lock held.
func (e *Emulator) siteDriveTarget(p *principal, s *site, after []string, head bool) (*target, *graphError) {
	d, rest := s.drive, after[1:]
	if after[0] == "drives" {
		if len(after) < 2 {
			return nil, gerr(400, "BadRequest", "Resource not found for the segment 'drives'.")
		}
		d, rest = e.siteLibrary(s, unescape(after[1])), after[2:]
	}
	if d == nil {
		return nil, gerr(404, "itemNotFound", "The drive could not be found.")
	}
	t := &target{d: d, prefix: "/drives/" + d.ID, head: head}
	return t, e.parseItemPath(t, p, strings.Join(rest, "/"))
}

// siteLibrary finds one of a site's libraries by drive id. Lock held.
func (e *Emulator) siteLibrary(s *site, id string) *Drive {
	if s.stored == nil {
		if s.drive != nil && s.drive.ID == id {
			return s.drive
		}
		return nil
	}
	if slices.Contains(s.stored.DriveIDs, id) {
		return e.st.Drives[id]
	}
	return nil
}

// resolveSiteDrive is resolveDrive for sites/{ref}/drive... (subscription
// resources take this path). Lock not held.
func (e *Emulator) resolveSiteDrive(p *principal, rest []string, head bool) (*target, *graphError) {
	ref, after, g := splitSiteRef(rest)
	if g != nil {
		return nil, g
	}
	if len(after) == 0 || (after[0] != "drive" && after[0] != "drives") {
		return nil, gerr(400, "BadRequest", "Resource not found for the segment 'sites'.")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s, g := e.findSite(p, ref)
	if g == nil {
		g = e.siteAccess(p, s)
	}
	if g != nil {
		return nil, g
	}
	return e.siteDriveTarget(p, s, after, head)
}

// writeSites answers a collection of stored sites. Lock held; it unlocks.
func (e *Emulator) writeSites(w http.ResponseWriter, ctx string, sites []*Site) {
	vals := []any{}
	for _, s := range sites {
		j := e.siteJSON(e.view(s))
		delete(j, "@odata.context")
		vals = append(vals, j)
	}
	e.mu.Unlock()
	writeJSON(w, 200, map[string]any{"@odata.context": e.GraphURL() + "/$metadata#" + ctx, "value": vals})
}

// searchSites is GET sites?search={q}: the tenant's root site and stored
// sites whose name, display name or description contain q, without case;
// "*" matches all. Lock not held.
func (e *Emulator) searchSites(w http.ResponseWriter, r *http.Request, p *principal) {
	q := strings.ToLower(qp(r, "search"))
	e.mu.Lock()
	t := e.st.Tenants[p.TenantID]
	if t == nil || t.Personal {
		e.fail(w, r, gerr(400, "BadRequest", "SharePoint sites are not available for personal Microsoft accounts."))
		return
	}
	match := func(fields ...string) bool {
		for _, f := range fields {
			if q == "*" || q == "" || strings.Contains(strings.ToLower(f), q) {
				return true
			}
		}
		return false
	}
	found := e.sitesOf(p, func(s *Site) bool {
		return match(s.DisplayName, s.Path[strings.LastIndex(s.Path, "/")+1:], s.Description)
	})
	vals := []any{}
	if root := e.rootSite(t); root.drive != nil && match(root.name) {
		j := e.siteJSON(root)
		delete(j, "@odata.context")
		vals = append(vals, j)
	}
	for _, s := range found {
		j := e.siteJSON(e.view(s))
		delete(j, "@odata.context")
		vals = append(vals, j)
	}
	e.mu.Unlock()
	writeJSON(w, 200, map[string]any{"@odata.context": e.GraphURL() + "/$metadata#sites", "value": vals})
}
