package emulator

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

// serveShape answers the Graph shapes that address a drive or an item
// through something else than a user or a drive id: sites (sites/root,
// sites/{hostname}, sites/{hostname}:/{path}:, sites/{site-id}), shares
// (shares/{shareId or "u!" + base64url(sharing URL)}), POST search/query
// and POST $batch. It reports whether it handled the request. Beta paths
// arrive here too: /beta is an alias of /v1.0 over the same model.
func (e *Emulator) serveShape(w http.ResponseWriter, r *http.Request, p *principal, segs []string) bool {
	switch {
	case len(segs) == 1 && segs[0] == "$batch" && r.Method == http.MethodPost:
		e.serveBatch(w, r)
	case len(segs) >= 2 && segs[0] == "search" && segs[1] == "query":
		e.searchQuery(w, r, p)
	case len(segs) == 1 && segs[0] == "sites" && r.Method == http.MethodGet:
		e.searchSites(w, r, p)
	case len(segs) >= 2 && segs[0] == "sites":
		e.serveSite(w, r, p, segs[1:])
	case len(segs) >= 2 && segs[0] == "me" && segs[1] == "followedSites":
		e.serveFollowed(w, r, p, "me", segs[2:])
	case len(segs) >= 3 && segs[0] == "users" && segs[2] == "followedSites":
		e.serveFollowed(w, r, p, unescape(segs[1]), segs[3:])
	case len(segs) >= 3 && segs[0] == "groups" && (segs[2] == "drives" || segs[2] == "sites"):
		e.serveGroup(w, r, p, segs[1:])
	case isSharedWithMe(segs):
		e.sharedWithMe(w, r, p)
	case len(segs) >= 2 && segs[0] == "shares":
		e.serveShare(w, r, p, segs[1:])
	default:
		return false
	}
	return true
}

// site is a SharePoint site as the emulator derives it from its directory:
// a business tenant's root site ({tenant}.sharepoint.com) with one document
// library, and each work account's personal site
// ({tenant}-my.sharepoint.com/personal/{upn with _}) whose library is the
// user's OneDrive. Sites are not stored: ids are derived from the tenant
// and the path.
type site struct {
	host, path string // path "" for a root site, else "/personal/..."
	name       string
	tenant     *Tenant
	drive      *Drive
	personal   bool
	stored     *Site // set for a site made with CreateSite
}

func (s *site) id() string {
	if s.stored != nil {
		return s.stored.ID
	}
	sum := sha256.Sum256([]byte(s.host + s.path))
	g := func(b []byte) string { return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]) }
	return s.host + "," + g(sum[:16]) + "," + g(sum[16:])
}

func (s *site) webURL() string { return "https://" + s.host + s.path }

func tenantLabel(t *Tenant) string { return strings.Split(t.Domain, ".")[0] }

// splitSiteRef splits the escaped segments after sites/ into the site
// reference ("root", a host name, a site id, or "{host}:/{path}") and the
// segments after it. "{host}:/{path}:/drive" closes the path with a colon;
// without the closing colon the whole rest is the path.
func splitSiteRef(rest []string) (ref string, after []string, g *graphError) {
	first := unescape(rest[0])
	host, p, isPath := strings.Cut(first, ":")
	if !isPath {
		return first, rest[1:], nil
	}
	var pathSegs []string
	if p != "" {
		return "", nil, gerr(400, "BadRequest", "Invalid hostname for this tenancy")
	}
	for i, s := range rest[1:] {
		seg := unescape(s)
		if name, ok := strings.CutSuffix(seg, ":"); ok {
			pathSegs = append(pathSegs, name)
			return host + ":/" + strings.Join(pathSegs, "/"), rest[i+2:], nil
		}
		pathSegs = append(pathSegs, seg)
	}
	return host + ":/" + strings.Join(pathSegs, "/"), nil, nil
}

// findSite resolves a site reference for p. Lock held.
func (e *Emulator) findSite(p *principal, ref string) (*site, *graphError) {
	if d := e.driveOfLogin(ref); d != nil { // sites/{user or drive id}, as before sites existed
		return &site{host: "emulator", path: "/" + d.ID, drive: d, personal: true}, nil
	}
	t := e.st.Tenants[p.TenantID]
	if t == nil || t.Personal {
		return nil, gerr(400, "BadRequest", "SharePoint sites are not available for personal Microsoft accounts.")
	}
	if s := e.siteByRef(t, ref); s != nil {
		return e.view(s), nil
	}
	host, path, _ := strings.Cut(ref, ":")
	if i := strings.Index(host, ","); i >= 0 { // a site id: host,collection,web
		host = host[:i]
	}
	path = strings.TrimSuffix(strings.ToLower(path), "/")
	label := tenantLabel(t)
	switch {
	case ref == "root" || (strings.EqualFold(host, label+".sharepoint.com") && path == ""):
		return e.rootSite(t), nil
	case strings.EqualFold(host, label+"-my.sharepoint.com"):
		for _, u := range e.st.Users {
			s := e.personalSite(t, u)
			if u.TenantID == t.ID && s.path == path {
				return s, nil
			}
		}
	}
	return nil, gerr(404, "itemNotFound", "Requested site could not be found")
}

// rootSite returns the tenant's root site, creating its document library
// on first use (a drive with an id derived from the tenant, owned by the
// tenant's first user so that the tenant's accounts may use it). Lock held.
func (e *Emulator) rootSite(t *Tenant) *site {
	s := &site{host: tenantLabel(t) + ".sharepoint.com", name: "Communication site", tenant: t}
	sum := sha256.Sum256([]byte("site-library:" + t.ID))
	id := "b!" + base64.RawURLEncoding.EncodeToString(append(sum[:], sum[:16]...))[:64]
	if d := e.st.Drives[id]; d != nil {
		s.drive = d
		return s
	}
	var owner *User
	for _, u := range e.st.Users {
		if u.TenantID == t.ID && (owner == nil || u.UPN < owner.UPN) {
			owner = u
		}
	}
	if owner == nil {
		return s
	}
	d := e.newDrive(ModeBusiness, owner)
	delete(e.st.Drives, d.ID)
	d.ID = id
	e.st.Drives[id] = d
	e.changed()
	s.drive = d
	return s
}

// driveOfLogin is the drive of a user (id or UPN) or a drive id. Lock held.
func (e *Emulator) driveOfLogin(s string) *Drive {
	if u := e.userByLogin(s); u != nil {
		return e.st.Drives[u.DriveID]
	}
	return e.driveByID(s)
}

// personalSite is a work account's OneDrive as a site. Lock held.
func (e *Emulator) personalSite(t *Tenant, u *User) *site {
	who := strings.NewReplacer("@", "_", ".", "_").Replace(strings.ToLower(u.UPN))
	return &site{host: tenantLabel(t) + "-my.sharepoint.com", path: "/personal/" + who, name: u.DisplayName,
		tenant: t, drive: e.st.Drives[u.DriveID], personal: true}
}

// siteJSON renders a site as Graph's site resource. Lock held.
func (e *Emulator) siteJSON(s *site) map[string]any {
	name := s.path[strings.LastIndex(s.path, "/")+1:]
	created := e.Now()
	if s.drive != nil {
		created = s.drive.Created
	}
	out := map[string]any{"@odata.context": e.GraphURL() + "/$metadata#sites/$entity", "id": s.id(),
		"name": name, "displayName": s.name, "webUrl": s.webURL(), "isPersonalSite": s.personal,
		"createdDateTime": isoTime(created, ModeBusiness), "lastModifiedDateTime": isoTime(created, ModeBusiness),
		"siteCollection": map[string]any{"hostname": s.host}, "root": map[string]any{}}
	if s.stored != nil { // root marks a site collection's root site only
		delete(out, "root")
		out["description"] = s.stored.Description
		out["createdDateTime"] = isoTime(s.stored.Created, ModeBusiness)
	}
	return out
}
