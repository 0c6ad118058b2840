package emulator

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Site is a SharePoint team or communication site of a business tenant,
// created with CreateSite. Besides these stored sites the emulator derives
// two kinds from its directory (shapes.go): the tenant's root site and
// each work account's personal site, whose library is the user's OneDrive.
type Site struct {
	ID          string `json:"id"` // "{host},{collection guid},{web guid}"
	TenantID    string `json:"tenantId"`
	Path        string `json:"path"` // server-relative: "/sites/marketing", a subsite "/sites/marketing/campaigns"
	DisplayName string `json:"displayName"`
	Description string `json:"description,omitempty"`
	// ParentID is the site a subsite lies under ("" for a site collection).
	ParentID string `json:"parentId,omitempty"`
	// GroupID is the Microsoft 365 group of a group-connected team site:
	// groups/{GroupID}/drive is the site's default library.
	GroupID string `json:"groupId,omitempty"`
	// Members are the user ids allowed in a private site; empty means
	// every account of the tenant.
	Members []string `json:"members,omitempty"`
	// DriveIDs are the document libraries, the default ("Documents") first.
	DriveIDs []string  `json:"driveIds"`
	Created  time.Time `json:"created"`
}

// SiteSpec describes a site for CreateSite.
type SiteSpec struct {
	TenantID    string
	Path        string // "/sites/{name}" or a subsite "/sites/{name}/{sub}" (its parent must exist)
	DisplayName string
	Description string
	GroupID     string   // makes it a group-connected team site
	Members     []string // user ids or UPNs of a private site; empty: the whole tenant
	// Libraries are the names of its document libraries; default
	// ["Documents"]. The first is the site's default drive.
	Libraries []string
}

// CreateSite creates a site with its document libraries. The libraries'
// owner (as the emulator records drive owners) is the first member, or
// the tenant's first account by UPN, so the tenant must have one.
func (e *Emulator) CreateSite(spec SiteSpec) (Site, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.st.Tenants[spec.TenantID]
	path := "/" + strings.Trim(strings.ToLower(spec.Path), "/")
	switch {
	case t == nil || t.Personal:
		return Site{}, fmt.Errorf("create site: no business tenant %q", spec.TenantID)
	case !strings.HasPrefix(path, "/sites/") && !strings.HasPrefix(path, "/teams/"):
		return Site{}, fmt.Errorf("create site: path %q must start with /sites/ or /teams/", spec.Path)
	case e.storedSite(t, path) != nil:
		return Site{}, fmt.Errorf("create site: %s already exists", path)
	}
	s := &Site{TenantID: t.ID, Path: path, DisplayName: spec.DisplayName, Description: spec.Description,
		GroupID: spec.GroupID, Created: e.Now()}
	if parent := e.parentSite(t, path); parent != nil {
		s.ParentID = parent.ID
	} else if strings.Count(path, "/") > 2 {
		return Site{}, fmt.Errorf("create site: no parent site for %s", path)
	}
	for _, m := range spec.Members {
		u := e.userByLogin(m)
		if u == nil || u.TenantID != t.ID {
			return Site{}, fmt.Errorf("create site: no account %q in the tenant", m)
		}
		s.Members = append(s.Members, u.ID)
	}
	owner := e.siteOwner(t, s)
	if owner == nil {
		return Site{}, fmt.Errorf("create site: the tenant has no accounts")
	}
	s.ID = siteID(tenantLabel(t)+".sharepoint.com", path)
	libs := spec.Libraries
	if len(libs) == 0 {
		libs = []string{"Documents"}
	}
	for _, name := range libs {
		d := e.newDrive(ModeBusiness, owner)
		d.Name, d.SiteID = name, s.ID
		s.DriveIDs = append(s.DriveIDs, d.ID)
	}
	e.st.Sites[s.ID] = s
	e.changed()
	return *s, nil
}

// siteID derives a site id: the host, a collection GUID from the first two
// path segments and a web GUID from the whole path, so a subsite shares
// its collection's GUID as in SharePoint.
func siteID(host, path string) string {
	segs := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 3)
	coll := "/" + strings.Join(segs[:min(2, len(segs))], "/")
	g := func(s string) string {
		b := sha256.Sum256([]byte(s))
		return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	}
	return host + "," + g("collection:"+host+coll) + "," + g("web:"+host+path)
}

// siteOwner is the first member, else the tenant's first account. Lock held.
func (e *Emulator) siteOwner(t *Tenant, s *Site) *User {
	if len(s.Members) > 0 {
		return e.st.Users[s.Members[0]]
	}
	var owner *User
	for _, u := range e.st.Users {
		if u.TenantID == t.ID && (owner == nil || u.UPN < owner.UPN) {
			owner = u
		}
	}
	return owner
}

// storedSite finds a tenant's site by server-relative path. Lock held.
func (e *Emulator) storedSite(t *Tenant, path string) *Site {
	path = strings.TrimSuffix(strings.ToLower(path), "/")
	for _, s := range e.st.Sites {
		if s.TenantID == t.ID && s.Path == path {
			return s
		}
	}
	return nil
}

// parentSite is the deepest site whose path contains path. Lock held.
func (e *Emulator) parentSite(t *Tenant, path string) *Site {
	var best *Site
	for _, s := range e.st.Sites {
		if s.TenantID == t.ID && strings.HasPrefix(path, s.Path+"/") && (best == nil || len(s.Path) > len(best.Path)) {
			best = s
		}
	}
	return best
}

// siteByRef finds a stored site by id or by "{host}:/{path}". Lock held.
func (e *Emulator) siteByRef(t *Tenant, ref string) *Site {
	if s := e.st.Sites[ref]; s != nil && s.TenantID == t.ID {
		return s
	}
	for _, s := range e.st.Sites {
		if s.TenantID == t.ID && strings.EqualFold(s.ID, ref) {
			return s
		}
	}
	host, path, ok := strings.Cut(ref, ":")
	if !ok || !strings.EqualFold(host, tenantLabel(t)+".sharepoint.com") {
		return nil
	}
	return e.storedSite(t, path)
}

// siteByGroup finds the site of a Microsoft 365 group. Lock held.
func (e *Emulator) siteByGroup(groupID string) *Site {
	for _, s := range e.st.Sites {
		if s.GroupID != "" && strings.EqualFold(s.GroupID, groupID) {
			return s
		}
	}
	return nil
}

// siteAllows reports whether p may use a stored site: an account of its
// tenant, and a member when the site is private. App-only callers of the
// tenant pass (site-level grants for app-only tokens are not emulated).
func siteAllows(p *principal, s *Site) bool {
	if p.TenantID != s.TenantID {
		return false
	}
	return len(s.Members) == 0 || p.UserID == "" || slices.Contains(s.Members, p.UserID)
}

// view renders a stored site through the derived-site type. Lock held.
func (e *Emulator) view(s *Site) *site {
	t := e.st.Tenants[s.TenantID]
	v := &site{host: tenantLabel(t) + ".sharepoint.com", path: s.Path, name: s.DisplayName, tenant: t, stored: s}
	if len(s.DriveIDs) > 0 {
		v.drive = e.st.Drives[s.DriveIDs[0]]
	}
	return v
}

// sitesOf lists the stored sites p may use, by path, that keep returns
// true for. Lock held.
func (e *Emulator) sitesOf(p *principal, keep func(*Site) bool) []*Site {
	var out []*Site
	for _, s := range e.st.Sites {
		if siteAllows(p, s) && keep(s) {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// driveSite returns the stored site a drive is a library of, or nil. Lock held.
func (e *Emulator) driveSite(d *Drive) *Site {
	if d.SiteID == "" {
		return nil
	}
	return e.st.Sites[d.SiteID]
}
