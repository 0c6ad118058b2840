package emulator

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Versions of files, as Microsoft documents driveItemVersion
// (https://learn.microsoft.com/en-us/graph/api/resources/driveitemversion):
//
//	GET    items/{id}/versions                            list, newest (the current one) first
//	GET    items/{id}/versions/{version-id}               one version; "current" names the current one
//	GET    items/{id}/versions/{version-id}/content       302 to the old bytes (400 for the current one)
//	POST   items/{id}/versions/{version-id}/restoreVersion 204; the restore is itself a new version
//	DELETE items/{id}/versions/{version-id}               204, business only (rclone cleanup uses it;
//	                                                      personal OneDrive answers "API not found")
//
// Every content write makes the old content a version. On business drives a
// fileSystemInfo change does too (SharePoint versions properties; rclone's
// OneDrive page: "changing the modification time of a file creates a second
// version"); personal drives do not version metadata. Business version ids
// are SharePoint's major versions "1.0", "2.0", ...; personal ids are "1",
// "2", ... with the current one listed as "current".

// Version is a past state of a file. The current state is the Item itself.
type Version struct {
	N          int       `json:"n"`
	Modified   time.Time `json:"modified"`
	ModifiedBy string    `json:"modifiedBy,omitempty"`
	Size       int64     `json:"size"`
	QuickXor   string    `json:"quickXor,omitempty"`
	SHA256     string    `json:"sha256,omitempty"`
	Content    *blob     `json:"-"`
	ContentRef string    `json:"contentRef,omitempty"`
}

// snapshot keeps the file's current state as a version. Lock held.
func (e *Emulator) snapshot(it *Item) {
	if it.Folder {
		return
	}
	it.Versions = append(it.Versions, &Version{N: it.versionN(), Modified: it.Modified, ModifiedBy: it.ModifiedBy,
		Size: it.Size, QuickXor: it.QuickXor, SHA256: it.SHA256, Content: it.Content})
	it.VersionN = it.versionN() + 1
}

// versionN is the number of the current version (1 for files never versioned).
func (it *Item) versionN() int { return max(it.VersionN, 1) }

// versionID is the wire id of version n.
func versionID(d *Drive, n int, current bool) string {
	switch {
	case d.Mode == ModeBusiness:
		return strconv.Itoa(n) + ".0"
	case current:
		return "current"
	}
	return strconv.Itoa(n)
}

// findVersion finds an old version by wire id; current reports "current"
// or the current version's own id. Lock held.
func findVersion(d *Drive, it *Item, id string) (v *Version, current bool) {
	if id == "current" || id == versionID(d, it.versionN(), false) {
		return nil, true
	}
	for _, v := range it.Versions {
		if versionID(d, v.N, false) == id {
			return v, false
		}
	}
	return nil, false
}

type versionJSON struct {
	ID             string       `json:"id"`
	LastModifiedBy *identitySet `json:"lastModifiedBy,omitempty"`
	LastModified   string       `json:"lastModifiedDateTime"`
	Size           int64        `json:"size"`
}

func (e *Emulator) renderVersion(d *Drive, it *Item, v *Version) versionJSON {
	if v == nil {
		return versionJSON{ID: versionID(d, it.versionN(), true), LastModifiedBy: e.identity(it.ModifiedBy),
			LastModified: isoTime(it.Modified, d.Mode), Size: it.Size}
	}
	return versionJSON{ID: versionID(d, v.N, false), LastModifiedBy: e.identity(v.ModifiedBy),
		LastModified: isoTime(v.Modified, d.Mode), Size: v.Size}
}

// serveVersions handles the action "versions[/{id}[/content|/restoreVersion]]".
func (e *Emulator) serveVersions(w http.ResponseWriter, r *http.Request, p *principal, t *target) {
	parts := strings.Split(strings.TrimPrefix(t.action, "versions"), "/")
	id, op := "", ""
	if len(parts) > 1 {
		id = unescape(parts[1])
	}
	if len(parts) > 2 {
		op = parts[2]
	}
	e.mu.Lock()
	it, _, _, g := t.resolve()
	if g == nil && (it == nil || it.Folder) {
		g = errNotFound()
	}
	if g != nil {
		e.fail(w, r, g)
		return
	}
	if id == "" && r.Method == "GET" {
		e.listVersions(w, t, it)
		return
	}
	e.versionOp(w, r, p, t, it, id, op)
}

// listVersions answers the list, newest first. Lock held; it unlocks.
func (e *Emulator) listVersions(w http.ResponseWriter, t *target, it *Item) {
	vals := []versionJSON{e.renderVersion(t.d, it, nil)}
	for i := len(it.Versions) - 1; i >= 0; i-- {
		vals = append(vals, e.renderVersion(t.d, it, it.Versions[i]))
	}
	ctx := e.context(t, "items('"+it.ID+"')/versions")
	e.mu.Unlock()
	writeJSON(w, 200, map[string]any{"@odata.context": ctx, "value": vals})
}

// versionOp serves one version. Lock held; it unlocks.
func (e *Emulator) versionOp(w http.ResponseWriter, r *http.Request, p *principal, t *target, it *Item, id, op string) {
	v, current := findVersion(t.d, it, id)
	switch {
	case v == nil && !current:
		e.fail(w, r, gerr(404, "itemNotFound", "The version could not be found."))
	case op == "" && r.Method == "GET":
		j := e.renderVersion(t.d, it, v)
		e.mu.Unlock()
		writeJSON(w, 200, j)
	case op == "content" && r.Method == "GET" && current:
		e.fail(w, r, errInvalid("You cannot get the content of the current version."))
	case op == "content" && r.Method == "GET":
		loc := e.versionURL(t.d, it, v)
		e.mu.Unlock()
		http.Redirect(w, r, loc, http.StatusFound)
	case op == "restoreVersion" && r.Method == "POST":
		if !current {
			e.setContent(t.d, it, v.Content, v.QuickXor, p.UserID)
		}
		e.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case op == "" && r.Method == "DELETE":
		e.deleteVersion(w, r, t.d, it, v)
	default:
		e.fail(w, r, gerr(400, "BadRequest", "Unsupported request: "+r.Method+" versions/"+op))
	}
}

// deleteVersion removes an old version (business only). Lock held; it unlocks.
func (e *Emulator) deleteVersion(w http.ResponseWriter, r *http.Request, d *Drive, it *Item, v *Version) {
	switch {
	case d.Mode != ModeBusiness:
		e.fail(w, r, gerr(400, "invalidRequest", "API not found"))
		return
	case v == nil:
		e.fail(w, r, errInvalid("The current version cannot be deleted."))
		return
	}
	for i, old := range it.Versions {
		if old == v {
			it.Versions = append(it.Versions[:i:i], it.Versions[i+1:]...)
		}
	}
	e.changed()
	e.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// versionURL is a signed pre-authenticated URL for an old version's bytes.
func (e *Emulator) versionURL(d *Drive, it *Item, v *Version) string {
	exp := strconv.FormatInt(e.Now().Add(e.opts.DownloadURLLifetime).Unix(), 10)
	ver := "ver" + strconv.Itoa(v.N)
	return e.preauth.String() + "/_preauth/download/" + url.PathEscape(d.ID) + "/" + url.PathEscape(it.ID) +
		"?e=" + exp + "&v=" + ver + "&s=" + e.sign(d.ID, it.ID, exp, ver)
}

// downloadable returns the bytes a signed download URL names: the current
// content when v is its cTag version, an old version when v is "ver{n}". Lock held.
func downloadable(d *Drive, it *Item, v string) (*blob, bool) {
	if n, ok := strings.CutPrefix(v, "ver"); ok {
		for _, old := range it.Versions {
			if strconv.Itoa(old.N) == n {
				return old.Content, true
			}
		}
		return nil, false
	}
	return it.Content, strconv.FormatInt(it.CTagV, 10) == v
}
