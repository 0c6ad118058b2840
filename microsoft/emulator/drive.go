package emulator

import (
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Drive is one user's OneDrive. Items includes tombstones of deleted items,
// which delta reports.
type Drive struct {
	ID      string           `json:"id"`
	Mode    string           `json:"mode"`
	OwnerID string           `json:"ownerId"`
	Created time.Time        `json:"created"`
	RootID  string           `json:"rootId"`
	Items   map[string]*Item `json:"items"`
	// Seq counts changes; every changed item takes the next value.
	Seq int64 `json:"seq"`
	// Epoch changes when delta tokens are invalidated (410 resyncRequired).
	Epoch   int64             `json:"epoch"`
	NextN   int64             `json:"nextN"`
	Special map[string]string `json:"special"`
	Quota   int64             `json:"quota"`
	// Name and SiteID are set on a site's document library (CreateSite).
	Name   string `json:"name,omitempty"`
	SiteID string `json:"siteId,omitempty"`

	log      []logEntry // change log for delta, rebuilt on load
	binBytes int64      // bytes in the recycle bin, recounted on load
}

type logEntry struct {
	seq int64
	id  string
}

// Item is a file or folder. Children is rebuilt on load.
type Item struct {
	ID       string    `json:"id"`
	ParentID string    `json:"parentId,omitempty"`
	Name     string    `json:"name"`
	Folder   bool      `json:"folder,omitempty"`
	Created  time.Time `json:"created"`
	Modified time.Time `json:"modified"`
	// FSCreated and FSModified are the client-writable fileSystemInfo times.
	FSCreated   time.Time `json:"fsCreated"`
	FSModified  time.Time `json:"fsModified"`
	Tag         string    `json:"tag"` // GUID used in business eTags
	ETagV       int64     `json:"etagV"`
	CTagV       int64     `json:"ctagV"`
	Seq         int64     `json:"seq"`
	Deleted     bool      `json:"deleted,omitempty"`
	Purged      bool      `json:"purged,omitempty"`
	Size        int64     `json:"size"`
	Mime        string    `json:"mime,omitempty"`
	QuickXor    string    `json:"quickXor,omitempty"`
	SHA256      string    `json:"sha256,omitempty"`
	CreatedBy   string    `json:"createdBy,omitempty"`
	ModifiedBy  string    `json:"modifiedBy,omitempty"`
	Special     string    `json:"special,omitempty"`
	Description string    `json:"description,omitempty"`
	Content     *blob     `json:"-"`
	// ContentRef names the file holding Content in the state's blob
	// directory (persistence only).
	ContentRef string `json:"contentRef,omitempty"`
	// Inline is content inlined by the first state-file format; read only.
	Inline []byte `json:"content,omitempty"`
	// Links are the item's sharing links (createLink).
	Links []SharingLink `json:"links,omitempty"`
	// Versions are the file's past states, oldest first (versions.go);
	// VersionN is the current version's number (0 means 1).
	Versions []*Version `json:"versions,omitempty"`
	VersionN int        `json:"versionN,omitempty"`
	// Grants are the accounts the item was shared with (invite), which
	// reach it and what lies below it by items/{id} (invite.go).
	Grants []Grant `json:"grants,omitempty"`

	children map[string]string // lower-case name → id
}

// newDrive creates a user's drive with its root. Lock held.
func (e *Emulator) newDrive(mode string, owner *User) *Drive {
	d := &Drive{Mode: mode, OwnerID: owner.ID, Created: e.Now(), Items: map[string]*Item{},
		Special: map[string]string{}, Quota: e.opts.DriveQuota, NextN: 101}
	if d.Quota <= 0 {
		d.Quota = 1 << 40
	}
	if mode == ModePersonal {
		d.ID = owner.CID
	} else {
		d.ID = "b!" + e.token(48)[:64]
	}
	root := e.newItem(d, nil, "root", true, owner.ID)
	d.RootID = root.ID
	e.st.Drives[d.ID] = d
	return d
}

// newItem creates an item under parent (nil for the root). Lock held.
func (e *Emulator) newItem(d *Drive, parent *Item, name string, folder bool, by string) *Item {
	now := e.Now()
	it := &Item{Name: name, Folder: folder, Created: now, Modified: now, FSCreated: now, FSModified: now,
		Tag: strings.ToUpper(e.guid()), ETagV: 1, CTagV: 1, CreatedBy: by, ModifiedBy: by}
	if d.Mode == ModePersonal {
		it.ID = d.ID + "!" + strconv.FormatInt(d.NextN, 10)
		d.NextN++
	} else {
		it.ID = e.businessItemID()
	}
	if folder {
		it.children = map[string]string{}
	}
	d.Items[it.ID] = it
	if parent != nil {
		it.ParentID = parent.ID
		parent.children[strings.ToLower(name)] = it.ID
	}
	e.touch(d, it, true)
	return it
}

// touch records a change of it: a new delta sequence number, and a cTag bump
// on every ancestor folder. content says whether the content changed. Lock held.
func (e *Emulator) touch(d *Drive, it *Item, content bool) {
	d.Seq++
	it.Seq = d.Seq
	d.log = append(d.log, logEntry{seq: d.Seq, id: it.ID})
	if content && !it.Folder {
		it.CTagV++
	}
	for p := d.Items[it.ParentID]; p != nil; p = d.Items[p.ParentID] {
		p.CTagV++
	}
	e.changed()
	e.notifyChange(d, it)
}

// bump records a metadata change: new eTag, modified time. Lock held.
func (e *Emulator) bump(d *Drive, it *Item, by string, content bool) {
	it.ETagV++
	it.Modified = e.Now()
	if by != "" {
		it.ModifiedBy = by
	}
	e.touch(d, it, content)
}

// addSize adds delta to the size of every ancestor folder of it. Lock held.
func (d *Drive) addSize(it *Item, delta int64) {
	for p := d.Items[it.ParentID]; p != nil; p = d.Items[p.ParentID] {
		p.Size += delta
	}
}

// child finds a live child by name, case-insensitively. Lock held.
func (d *Drive) child(parent *Item, name string) *Item {
	if parent == nil || parent.children == nil {
		return nil
	}
	return d.Items[parent.children[strings.ToLower(name)]]
}

// live returns a non-deleted item by exact id. Lock held.
func (d *Drive) live(id string) *Item {
	it := d.Items[id]
	if it == nil || it.Deleted {
		return nil
	}
	return it
}

// sortedChildren returns the live children of a folder sorted by name.
func (d *Drive) sortedChildren(f *Item) []*Item {
	out := make([]*Item, 0, len(f.children))
	for _, id := range f.children {
		out = append(out, d.Items[id])
	}
	sort.Slice(out, func(i, j int) bool { return lessName(out[i].Name, out[j].Name) })
	return out
}

func lessName(a, b string) bool {
	la, lb := strings.ToLower(a), strings.ToLower(b)
	if la != lb {
		return la < lb
	}
	return a < b
}

// path returns "/drive/root:" plus the item's path, as in parentReference.path
// of a child of it. Lock held.
func (d *Drive) path(it *Item) string {
	var parts []string
	for p := it; p != nil && p.ParentID != ""; p = d.Items[p.ParentID] {
		parts = append(parts, p.Name)
	}
	var b strings.Builder
	b.WriteString("/drive/root:")
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteString("/" + parts[i])
	}
	return b.String()
}

// isAncestor reports whether a is it or an ancestor of it. Lock held.
func (d *Drive) isAncestor(a, it *Item) bool {
	for p := it; p != nil; p = d.Items[p.ParentID] {
		if p.ID == a.ID {
			return true
		}
	}
	return false
}

// driveType is Graph's driveType: personal, business, or documentLibrary
// for a site's library (which otherwise behaves as a business drive).
func (d *Drive) driveType() string {
	if d.SiteID != "" {
		return "documentLibrary"
	}
	return d.Mode
}

// eTag and cTag in the shape of the drive's mode.
func (d *Drive) eTag(it *Item) string {
	if d.Mode == ModeBusiness {
		return `"{` + it.Tag + `},` + strconv.FormatInt(it.ETagV, 10) + `"`
	}
	return "a" + base64.RawURLEncoding.EncodeToString([]byte(it.ID+"."+strconv.FormatInt(it.ETagV, 10)))
}

func (d *Drive) cTag(it *Item) string {
	if d.Mode == ModeBusiness {
		return `"c:{` + it.Tag + `},` + strconv.FormatInt(it.CTagV, 10) + `"`
	}
	return "a" + base64.RawURLEncoding.EncodeToString([]byte("c:"+it.ID+"."+strconv.FormatInt(it.CTagV, 10)))
}

// uniqueName returns name, or "name 1.ext", "name 2.ext", ... free in parent.
func (d *Drive) uniqueName(parent *Item, name string, folder bool) string {
	if d.child(parent, name) == nil {
		return name
	}
	stem, ext := name, ""
	if !folder {
		if i := strings.LastIndex(name, "."); i > 0 {
			stem, ext = name[:i], name[i:]
		}
	}
	for n := 1; ; n++ {
		c := stem + " " + strconv.Itoa(n) + ext
		if d.child(parent, c) == nil {
			return c
		}
	}
}

// deletedBytes is the size of the files in the recycle bin.
func (d *Drive) deletedBytes() int64 { return d.binBytes }

// recount recomputes binBytes from the items (after loading).
func (d *Drive) recount() {
	d.binBytes = 0
	for _, it := range d.Items {
		if it.Deleted && !it.Purged && !it.Folder {
			d.binBytes += it.Size
		}
	}
}

// fileCount counts live files.
func (d *Drive) fileCount() (n int64) {
	for _, it := range d.Items {
		if !it.Deleted && !it.Folder {
			n++
		}
	}
	return n
}

func lower(s string) string { return strings.ToLower(s) }

// fits reports whether growing the drive by delta bytes stays within quota
// (the recycle bin counts). Lock held.
func (d *Drive) fits(delta int64) bool {
	return delta <= 0 || d.Items[d.RootID].Size+d.deletedBytes()+delta <= d.Quota
}
