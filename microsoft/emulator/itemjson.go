package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"mime"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// driveItemJSON is the wire shape of a driveItem. Field order follows Graph.
type driveItemJSON struct {
	ODataContext    string          `json:"@odata.context,omitempty"`
	DownloadURL     string          `json:"@microsoft.graph.downloadUrl,omitempty"`
	CreatedBy       *identitySet    `json:"createdBy,omitempty"`
	CreatedDateTime string          `json:"createdDateTime,omitempty"`
	ETag            string          `json:"eTag,omitempty"`
	ID              string          `json:"id"`
	LastModifiedBy  *identitySet    `json:"lastModifiedBy,omitempty"`
	LastModified    string          `json:"lastModifiedDateTime,omitempty"`
	Name            string          `json:"name,omitempty"`
	ParentReference *itemReference  `json:"parentReference,omitempty"`
	WebURL          string          `json:"webUrl,omitempty"`
	CTag            string          `json:"cTag,omitempty"`
	Description     string          `json:"description,omitempty"`
	File            *fileFacet      `json:"file,omitempty"`
	FileSystemInfo  *fsInfo         `json:"fileSystemInfo,omitempty"`
	Folder          *folderFacet    `json:"folder,omitempty"`
	Root            *struct{}       `json:"root,omitempty"`
	SpecialFolder   *specialFacet   `json:"specialFolder,omitempty"`
	Deleted         *deletedFacet   `json:"deleted,omitempty"`
	SearchResult    *struct{}       `json:"searchResult,omitempty"`
	Size            *int64          `json:"size,omitempty"`
	Children        []driveItemJSON `json:"children,omitempty"`
}

type identitySet struct {
	User *identity `json:"user,omitempty"`
}

type identity struct {
	ID          string `json:"id,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Email       string `json:"email,omitempty"`
}

type itemReference struct {
	DriveID   string `json:"driveId"`
	DriveType string `json:"driveType"`
	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	Path      string `json:"path,omitempty"`
}

type fileFacet struct {
	MimeType string            `json:"mimeType"`
	Hashes   map[string]string `json:"hashes,omitempty"`
}

type fsInfo struct {
	CreatedDateTime      string `json:"createdDateTime"`
	LastModifiedDateTime string `json:"lastModifiedDateTime"`
}

type folderFacet struct {
	ChildCount int `json:"childCount"`
}

type specialFacet struct {
	Name string `json:"name"`
}

type deletedFacet struct {
	State string `json:"state"`
}

// renderOpts select variants of the driveItem shape.
type renderOpts struct {
	delta  bool // mode-specific omissions (parentReference.path on personal drives, deletes)
	noURL  bool // no downloadUrl (search)
	expand bool // embed children
}

// render builds the wire shape of it. Lock held.
func (e *Emulator) render(d *Drive, it *Item, o renderOpts) driveItemJSON {
	j := driveItemJSON{ID: it.ID, Name: it.Name, ETag: d.eTag(it),
		CreatedDateTime: isoTime(it.Created, d.Mode), LastModified: isoTime(it.Modified, d.Mode),
		CreatedBy: e.identity(it.CreatedBy), LastModifiedBy: e.identity(it.ModifiedBy),
		WebURL: e.webURL(d, it), Description: it.Description}
	size := it.Size
	j.Size = &size
	j.FileSystemInfo = &fsInfo{CreatedDateTime: isoTime(it.FSCreated, ModeBusiness), LastModifiedDateTime: isoTime(it.FSModified, ModeBusiness)}
	if !it.Folder || d.Mode == ModePersonal {
		j.CTag = d.cTag(it)
	}
	if d.Mode == ModeBusiness && o.delta && !it.Folder {
		j.CTag = "" // business delta drops cTag on create/modify
	}
	j.ParentReference = e.parentRef(d, it, o.delta && (d.Mode == ModePersonal || it.Deleted))
	if it.ParentID == "" {
		j.Root = &struct{}{}
	}
	if it.Special != "" {
		j.SpecialFolder = &specialFacet{Name: it.Special}
	}
	if it.Folder {
		j.Folder = &folderFacet{ChildCount: len(it.children)}
	} else {
		j.File = &fileFacet{MimeType: it.Mime, Hashes: map[string]string{"quickXorHash": it.QuickXor}}
		if it.SHA256 != "" && d.Mode == ModePersonal {
			j.File.Hashes["sha256Hash"] = it.SHA256
		}
		if !o.noURL && !it.Deleted {
			j.DownloadURL = e.downloadURL(d, it)
		}
	}
	if it.Deleted {
		j.Deleted = &deletedFacet{State: "deleted"}
		j.CTag, j.File, j.Folder = "", nil, nil
		if it.Folder {
			j.Folder = &folderFacet{}
		} else {
			j.File = &fileFacet{MimeType: it.Mime}
		}
		if d.Mode == ModeBusiness {
			j.Name = ""
		} else {
			j.Size = nil
		}
	}
	if o.expand && it.Folder {
		j.Children = []driveItemJSON{}
		for _, c := range d.sortedChildren(it) {
			j.Children = append(j.Children, e.render(d, c, renderOpts{}))
		}
	}
	return j
}

// parentRef is the item's parentReference; noPath leaves out path and name,
// as personal delta items come (Microsoft's delta page says path is never
// returned in delta, but work or school drives send it: onedrive-api-docs
// issue #298 quotes both, and clients such as abraunegg/onedrive rely on it).
func (e *Emulator) parentRef(d *Drive, it *Item, noPath bool) *itemReference {
	driveID := d.ID
	if e.opts.InconsistentDriveIDCase && d.Mode == ModePersonal {
		driveID = strings.ToLower(driveID)
	}
	ref := &itemReference{DriveID: driveID, DriveType: d.driveType()}
	p := d.Items[it.ParentID]
	if p == nil {
		return ref
	}
	ref.ID = p.ID
	if !noPath {
		ref.Path = d.path(p)
		if p.ParentID != "" {
			ref.Name = p.Name
		}
	}
	return ref
}

func (e *Emulator) identity(userID string) *identitySet {
	u := e.st.Users[userID]
	if u == nil {
		return nil
	}
	id := &identity{ID: u.ID, DisplayName: u.DisplayName}
	if u.TenantID != ConsumersTenantID {
		id.Email = u.Mail
	}
	return &identitySet{User: id}
}

func (e *Emulator) webURL(d *Drive, it *Item) string {
	p := strings.TrimPrefix(d.path(it), "/drive/root:")
	if d.Mode == ModePersonal {
		return "https://my.microsoftpersonalcontent.com/personal/" + strings.ToLower(d.ID) + "/Documents" + escapePath(p)
	}
	if s := e.driveSite(d); s != nil {
		v := e.view(s)
		return v.webURL() + "/" + strings.ReplaceAll(d.Name, " ", "%20") + escapePath(p)
	}
	site, who := e.businessSite(d)
	return "https://" + site + "-my.sharepoint.com/personal/" + who + "/Documents" + escapePath(p)
}

// businessSite names a business drive's tenant host prefix and personal
// site (adele_contoso_onmicrosoft_com). Lock held.
func (e *Emulator) businessSite(d *Drive) (site, who string) {
	site, who = "contoso", "user"
	if owner := e.st.Users[d.OwnerID]; owner != nil {
		who = strings.NewReplacer("@", "_", ".", "_").Replace(owner.UPN)
		if t := e.st.Tenants[owner.TenantID]; t != nil {
			site = strings.Split(t.Domain, ".")[0]
		}
	}
	return site, who
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i := range parts {
		parts[i] = url.PathEscape(parts[i])
	}
	return strings.Join(parts, "/")
}

// downloadURL returns a signed pre-authenticated URL for the item's
// current content. It expires after DownloadURLLifetime.
func (e *Emulator) downloadURL(d *Drive, it *Item) string {
	exp := strconv.FormatInt(e.Now().Add(e.opts.DownloadURLLifetime).Unix(), 10)
	v := strconv.FormatInt(it.CTagV, 10)
	sig := e.sign(d.ID, it.ID, exp, v)
	return e.preauth.String() + "/_preauth/download/" + url.PathEscape(d.ID) + "/" + url.PathEscape(it.ID) +
		"?e=" + exp + "&v=" + v + "&s=" + sig
}

// sign returns an HMAC over parts with the emulator's signing key.
func (e *Emulator) sign(parts ...string) string {
	m := hmac.New(sha256.New, e.key.D.Bytes())
	m.Write([]byte(strings.Join(parts, "\x00")))
	return b64url(m.Sum(nil))[:32]
}

// mimeOf decides a file's mime type from its name, like the service does.
func mimeOf(name string) string {
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(name))); t != "" {
		return strings.Split(t, ";")[0]
	}
	return "application/octet-stream"
}

// selectFields keeps only the fields named in $select (plus id).
func selectFields(v any, sel string) any {
	if sel == "" {
		return v
	}
	b, _ := json.Marshal(v)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	keep := map[string]bool{"id": true}
	for _, f := range strings.Split(sel, ",") {
		keep[strings.TrimSpace(f)] = true
	}
	for k := range m {
		if !keep[k] && !strings.HasPrefix(k, "@odata.") {
			delete(m, k)
		}
	}
	return m
}

// parseTime parses an ISO-8601 time from a request body.
func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UTC(), err == nil
}
