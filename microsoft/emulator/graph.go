package emulator

import (
	"net/http"
	"net/url"
	"strings"
)

// target is what a Graph drive URL addresses.
type target struct {
	d      *Drive
	base   *Item    // the item named by root, items/{id} or special/{name}
	path   []string // decoded path segments relative to base
	action string   // children, content, delta, copy, search(...), ... ("" for the item)
	drive  bool     // the drive itself (no item)
	prefix string   // the URL path up to the drive, for links
	head   bool     // a HEAD request: special folders are not created
	// readOnly is set when the caller reaches the item only through a
	// read grant (invite.go): writes are refused.
	readOnly bool
}

// serveGraph handles everything under /v1.0. path starts with "/".
func (e *Emulator) serveGraph(w http.ResponseWriter, r *http.Request, path string) {
	p := e.authenticate(w, r)
	if p == nil {
		return
	}
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	switch {
	case segs[0] == "subscriptions":
		e.serveSubscriptions(w, r, p, segs[1:])
		return
	case path == "/me" || (segs[0] == "users" && len(segs) == 2):
		e.serveUser(w, r, p, segs)
		return
	case path == "/me/drives":
		e.serveDrives(w, r, p)
		return
	case e.serveShape(w, r, p, segs): // sites, shares, search/query (shapes.go)
		return
	}
	t, g := e.resolveDrive(p, segs, r.Method == "HEAD")
	if g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	e.serveDriveTarget(w, r, p, t)
}

// resolveDrive finds the drive and parses the rest of the URL into a target.
func (e *Emulator) resolveDrive(p *principal, segs []string, head bool) (*target, *graphError) {
	var owner, driveID string
	var rest []string
	switch {
	case len(segs) >= 2 && segs[0] == "me" && segs[1] == "drive":
		owner, rest = p.UserID, segs[2:]
		if owner == "" {
			return nil, gerr(400, "BadRequest", "/me request is only valid with delegated authentication flow.")
		}
	case len(segs) >= 1 && segs[0] == "drive":
		owner, rest = p.UserID, segs[1:]
	case len(segs) >= 2 && segs[0] == "drives":
		driveID, rest = unescape(segs[1]), segs[2:]
	case len(segs) >= 3 && segs[0] == "sites":
		return e.resolveSiteDrive(p, segs[1:], head)
	case len(segs) >= 3 && (segs[0] == "users" || segs[0] == "groups") && segs[2] == "drive":
		owner, rest = unescape(segs[1]), segs[3:]
	default:
		return nil, gerr(400, "BadRequest", "Resource not found for the segment '"+segs[0]+"'.")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var d *Drive
	if driveID != "" {
		d = e.driveByID(driveID)
	} else if u := e.userByLogin(owner); u != nil {
		d = e.st.Drives[u.DriveID]
	} else if dd := e.driveByID(owner); dd != nil {
		d = dd // groups/{id} may name a drive id
	} else if s := e.siteByGroup(owner); s != nil && len(s.DriveIDs) > 0 {
		d = e.st.Drives[s.DriveIDs[0]] // a group-connected site's default library
	}
	if d == nil {
		return nil, gerr(404, "itemNotFound", "The drive could not be found.")
	}
	denied := !e.canAccess(p, d)
	if denied && (len(rest) < 2 || rest[0] != "items") {
		return nil, gerr(403, "accessDenied", "Access denied")
	}
	t := &target{d: d, prefix: "/drives/" + d.ID, head: head}
	g := e.parseItemPath(t, p, strings.Join(rest, "/"))
	if denied && (g != nil || !e.grantReach(p, t)) {
		return nil, gerr(403, "accessDenied", "Access denied")
	}
	return t, g
}

// driveByID finds a drive; personal drive ids compare case-insensitively,
// as the real service hands them out in inconsistent case. Lock held.
func (e *Emulator) driveByID(id string) *Drive {
	if d, ok := e.st.Drives[id]; ok {
		return d
	}
	for _, d := range e.st.Drives {
		if d.Mode == ModePersonal && strings.EqualFold(strings.TrimLeft(d.ID, "0"), strings.TrimLeft(id, "0")) {
			return d
		}
	}
	return nil
}

// parseItemPath parses "root", "items/{id}", "special/{name}", optional
// ":/path:" and an action, from the escaped rest of the URL. Lock held.
func (e *Emulator) parseItemPath(t *target, p *principal, rest string) *graphError {
	p0 := p
	d := t.d
	var after string
	switch {
	case rest == "":
		t.drive = true
		return nil
	case strings.HasPrefix(rest, "root"):
		t.base, after = d.Items[d.RootID], rest[len("root"):]
	case strings.HasPrefix(rest, "items/"):
		id, tail := splitID(rest[len("items/"):])
		id = unescape(id)
		if base, p, ok := strings.Cut(id, ":"); ok {
			// Kiota SDKs percent-encode "root:/path:" as one item id.
			return e.parseItemPath(t, p0, reencode(base, p)+tail)
		}
		if id == "root" {
			t.base = d.Items[d.RootID]
		} else if t.base = d.live(id); t.base == nil {
			return errNotFound()
		}
		after = tail
	case strings.HasPrefix(rest, "special/"):
		name, tail := splitID(rest[len("special/"):])
		it, g := e.special(d, p, strings.ToLower(unescape(name)), !t.head)
		if g != nil {
			return g
		}
		t.base, after = it, tail
	case strings.HasPrefix(rest, "search("):
		t.base, t.action = d.Items[d.RootID], rest
		return nil
	default:
		return gerr(400, "BadRequest", "Resource not found for the segment '"+rest+"'.")
	}
	if strings.HasPrefix(after, ":") {
		pathPart := after[1:]
		if i := strings.Index(pathPart, ":"); i >= 0 {
			pathPart, after = pathPart[:i], pathPart[i+1:]
		} else {
			after = ""
		}
		t.path = splitItemPath(pathPart)
	}
	t.action = strings.TrimPrefix(after, "/")
	return nil
}

// splitItemPath decodes the path of "root:/path:" and then splits it, so an
// encoded "/" (%2F) separates segments: Graph's front end decodes the URL
// before routing (microsoftgraph/microsoft-graph-docs#10167 shows %2F taken
// as a separator; names cannot hold "/"). "." segments are dropped and ".."
// removes the previous one, as URL normalisation does; it never climbs
// above the addressed item.
func splitItemPath(escaped string) []string {
	var out []string
	for _, s := range strings.Split(unescape(escaped), "/") {
		switch s {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, s)
		}
	}
	return out
}

// splitID splits "ID/rest" or "ID:/path" at the first "/" or ":".
func splitID(s string) (id, tail string) {
	if i := strings.IndexAny(s, "/:"); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// resolve walks t.path from t.base. It returns the item if it exists, or
// the parent and missing name if only the last segment is missing. Lock held.
func (t *target) resolve() (it, parent *Item, name string, g *graphError) {
	cur := t.base
	for i, seg := range t.path {
		next := t.d.child(cur, seg)
		if next == nil {
			if i == len(t.path)-1 && cur.Folder {
				return nil, cur, seg, nil
			}
			return nil, nil, "", errNotFound()
		}
		cur = next
	}
	return cur, nil, "", nil
}

// serveDriveTarget dispatches on method and action.
func (e *Emulator) serveDriveTarget(w http.ResponseWriter, r *http.Request, p *principal, t *target) {
	if !p.allowed(r.Method) || (t.readOnly && r.Method != "GET" && r.Method != "HEAD") {
		e.writeGraphError(w, r, gerr(403, "accessDenied", "Access denied. The token does not grant the permission this request needs."))
		return
	}
	if t.drive {
		e.serveDrive(w, r, p, t.d)
		return
	}
	a := t.action
	switch {
	case a == "" && (r.Method == "GET" || r.Method == "HEAD"):
		e.getItem(w, r, t)
	case a == "" && r.Method == "PATCH":
		e.patchItem(w, r, p, t)
	case a == "" && r.Method == "DELETE":
		e.deleteItem(w, r, p, t)
	case a == "" && r.Method == "PUT":
		e.commitBySourceURL(w, r, p, t)
	case a == "children" && r.Method == "GET":
		e.listChildren(w, r, t)
	case a == "children" && r.Method == "POST":
		e.createFolder(w, r, p, t)
	case a == "content" && r.Method == "GET":
		e.getContent(w, r, t)
	case a == "content" && r.Method == "PUT":
		e.putContent(w, r, p, t)
	case a == "createUploadSession" && r.Method == "POST":
		e.createUploadSession(w, r, p, t)
	case a == "copy" && r.Method == "POST":
		e.copyItem(w, r, p, t)
	case a == "createLink" && r.Method == "POST":
		e.createLink(w, r, p, t)
	case a == "permanentDelete" && r.Method == "POST":
		e.permanentDelete(w, r, p, t)
	case a == "invite" && r.Method == "POST":
		e.invite(w, r, p, t)
	case a == "permissions" || strings.HasPrefix(a, "permissions/"):
		e.servePermissions(w, r, t)
	case a == "versions" || strings.HasPrefix(a, "versions/"):
		e.serveVersions(w, r, p, t)
	case (a == "delta" || strings.HasPrefix(a, "delta(")) && r.Method == "GET":
		e.delta(w, r, t)
	case strings.HasPrefix(a, "search(") && r.Method == "GET":
		e.search(w, r, t)
	default:
		e.writeGraphError(w, r, gerr(400, "BadRequest", "Unsupported request: "+r.Method+" "+a))
	}
}

// resolveForWrite is resolve, creating missing intermediate folders (the
// service does so for path-addressed uploads). Lock held.
func (e *Emulator) resolveForWrite(t *target, by string) (it, parent *Item, name string, g *graphError) {
	cur := t.base
	for i, seg := range t.path {
		next := t.d.child(cur, seg)
		if next == nil {
			if i == len(t.path)-1 {
				return nil, cur, seg, nil
			}
			if next, _, g = e.mkdir(t.d, cur, seg, conflictFail, by); g != nil {
				return nil, nil, "", g
			}
		}
		if i < len(t.path)-1 && !next.Folder {
			return nil, nil, "", errNotFound()
		}
		cur = next
	}
	return cur, nil, "", nil
}

// reencode rebuilds "root:/a/b:" or "items/{id}:/a/b:" from a decoded item
// id, escaping each path segment again.
func reencode(base, p string) string {
	prefix := "items/" + url.PathEscape(base)
	if base == "root" {
		prefix = "root"
	}
	p, closed := strings.CutSuffix(p, ":")
	segs := strings.Split(p, "/")
	for i := range segs {
		segs[i] = url.PathEscape(segs[i])
	}
	out := prefix + ":" + strings.Join(segs, "/")
	if closed {
		out += ":"
	}
	return out
}
