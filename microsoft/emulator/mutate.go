package emulator

import (
	"strings"
	"time"
)

// Conflict behaviours.
const (
	conflictFail    = "fail"
	conflictReplace = "replace"
	conflictRename  = "rename"
)

// writeFile stores content as the file name in parent, honouring conflict.
// It returns the item and whether it was created. Lock held.
func (e *Emulator) writeFile(d *Drive, parent *Item, name string, b *blob, qx, conflict, by string) (*Item, bool, *graphError) {
	if g := validName(d, parent, name, false); g != nil {
		return nil, false, g
	}
	if conflict == "" {
		conflict = conflictReplace
	}
	existing := d.child(parent, name)
	if existing != nil {
		switch {
		case conflict == conflictFail:
			return nil, false, errNameExists()
		case conflict == conflictRename:
			name = d.uniqueName(parent, name, false)
			existing = nil
		case existing.Folder:
			return nil, false, errNameExists()
		}
	}
	grow := b.size
	if existing != nil {
		grow -= existing.Size
	}
	if !d.fits(grow) {
		return nil, false, gerr(507, "quotaLimitReached", "Insufficient Space Available", "quota")
	}
	if existing != nil {
		e.setContent(d, existing, b, qx, by)
		return existing, false, nil
	}
	it := e.newItem(d, parent, name, false, by)
	it.Mime = mimeOf(name)
	it.Content, it.Size, it.QuickXor, it.SHA256 = b, b.size, qx, b.sha256
	d.addSize(it, b.size)
	return it, true, nil
}

// setContent replaces a file's content. Lock held.
func (e *Emulator) setContent(d *Drive, it *Item, b *blob, qx, by string) {
	e.snapshot(it)
	d.addSize(it, b.size-it.Size)
	it.Content, it.Size, it.QuickXor, it.SHA256 = b, b.size, qx, b.sha256
	it.FSModified = e.Now()
	e.bump(d, it, by, true)
}

// mkdir creates a folder. status is 201, or 200 for the personal quirk. Lock held.
func (e *Emulator) mkdir(d *Drive, parent *Item, name, conflict, by string) (*Item, int, *graphError) {
	if g := validName(d, parent, name, true); g != nil {
		return nil, 0, g
	}
	if existing := d.child(parent, name); existing != nil {
		switch {
		case conflict == "" && e.opts.CreateFolderQuirk && d.Mode == ModePersonal && existing.Folder:
			return existing, 200, nil
		case conflict == conflictRename:
			name = d.uniqueName(parent, name, true)
		case conflict == conflictReplace:
			e.remove(d, existing, by)
		default:
			return nil, 0, errNameExists()
		}
	}
	return e.newItem(d, parent, name, true, by), 201, nil
}

// itemPatch is the writable subset of a driveItem.
type itemPatch struct {
	Name            *string `json:"name"`
	Description     *string `json:"description"`
	ParentReference *struct {
		ID      string `json:"id"`
		DriveID string `json:"driveId"`
		Path    string `json:"path"`
	} `json:"parentReference"`
	FileSystemInfo *fsInfoPatch `json:"fileSystemInfo"`
	Conflict       string       `json:"@microsoft.graph.conflictBehavior"`
}

// update applies a rename, move, description or fileSystemInfo change. Lock held.
func (e *Emulator) update(d *Drive, it *Item, p itemPatch, conflict, by string) *graphError {
	if p.Conflict != "" {
		conflict = p.Conflict
	}
	newParent, g := e.patchParent(d, it, p)
	if g != nil {
		return g
	}
	name := it.Name
	if p.Name != nil {
		if g := validName(d, newParent, *p.Name, it.Folder); g != nil {
			return g
		}
		name = *p.Name
	}
	if newParent != nil && (newParent.ID != it.ParentID || name != it.Name) {
		if g := e.relocate(d, it, newParent, name, conflict, by); g != nil {
			return g
		}
	}
	if p.Description != nil {
		it.Description = *p.Description
	}
	if p.FileSystemInfo != nil && d.Mode == ModeBusiness {
		e.snapshot(it) // SharePoint versions property changes
	}
	p.FileSystemInfo.apply(it)
	e.bump(d, it, by, false)
	return nil
}

// fsInfoPatch is a writable fileSystemInfo (PATCH, createUploadSession).
type fsInfoPatch struct {
	CreatedDateTime      string `json:"createdDateTime"`
	LastModifiedDateTime string `json:"lastModifiedDateTime"`
}

// apply sets the client times it names, to the second. Lock held.
func (fs *fsInfoPatch) apply(it *Item) {
	if fs == nil {
		return
	}
	if t, ok := parseTime(fs.CreatedDateTime); ok {
		it.FSCreated = t.Truncate(time.Second)
	}
	if t, ok := parseTime(fs.LastModifiedDateTime); ok {
		it.FSModified = t.Truncate(time.Second)
	}
}

// patchParent resolves the parentReference of a PATCH: the current parent
// when absent, 400 for cross-drive moves, missing folders and cycles. Lock held.
func (e *Emulator) patchParent(d *Drive, it *Item, p itemPatch) (*Item, *graphError) {
	ref := p.ParentReference
	if ref == nil || (ref.ID == "" && ref.Path == "") {
		return d.Items[it.ParentID], nil
	}
	if ref.DriveID != "" && !strings.EqualFold(ref.DriveID, d.ID) {
		return nil, gerr(400, "invalidRequest", "Cross-drive moves are not supported; use copy.")
	}
	np := d.live(ref.ID)
	if ref.ID == "" {
		np = e.lookupPath(d, ref.Path)
	}
	if np == nil || !np.Folder {
		return nil, gerr(400, "invalidRequest", "The parent item does not exist or is not a folder.")
	}
	if it.ParentID == "" || d.isAncestor(it, np) {
		return nil, gerr(400, "invalidRequest", "An item cannot be moved into itself or its children.")
	}
	return np, nil
}

// relocate renames and/or moves it into parent, resolving a name clash by
// conflict (default fail → 409). Lock held.
func (e *Emulator) relocate(d *Drive, it, parent *Item, name, conflict, by string) *graphError {
	if other := d.child(parent, name); other != nil && other.ID != it.ID {
		switch conflict {
		case conflictReplace:
			e.remove(d, other, by)
		case conflictRename:
			name = d.uniqueName(parent, name, it.Folder)
		default:
			return errNameExists()
		}
	}
	old := d.Items[it.ParentID]
	delete(old.children, strings.ToLower(it.Name))
	d.addSize(it, -it.Size)
	it.ParentID, it.Name = parent.ID, name
	parent.children[strings.ToLower(name)] = it.ID
	d.addSize(it, it.Size)
	if old.ID != parent.ID {
		old.CTagV++
	}
	return nil
}

// lookupPath resolves "/drive/root:/a/b" or "/a/b". Lock held.
func (e *Emulator) lookupPath(d *Drive, p string) *Item {
	if i := strings.Index(p, ":"); i >= 0 {
		p = p[i+1:]
	}
	cur := d.Items[d.RootID]
	for _, s := range strings.Split(strings.Trim(p, "/"), "/") {
		if s == "" {
			continue
		}
		if cur = d.child(cur, s); cur == nil {
			return nil
		}
	}
	return cur
}

// remove moves an item and its subtree to the recycle bin. Lock held.
func (e *Emulator) remove(d *Drive, it *Item, by string) {
	if parent := d.Items[it.ParentID]; parent != nil {
		delete(parent.children, strings.ToLower(it.Name))
	}
	d.addSize(it, -it.Size)
	e.markDeleted(d, it, by)
}

func (e *Emulator) markDeleted(d *Drive, it *Item, by string) {
	for _, id := range it.children {
		e.markDeleted(d, d.Items[id], by)
	}
	it.Deleted = true
	if !it.Folder {
		d.binBytes += it.Size
	}
	for k, v := range d.Special {
		if v == it.ID {
			delete(d.Special, k)
		}
	}
	e.bump(d, it, by, false)
}

// purge removes deleted items from the recycle bin for good. Lock held.
func (e *Emulator) purge(d *Drive, it *Item) {
	for _, c := range d.Items {
		if c.Deleted && !c.Purged && d.isAncestor(it, c) {
			c.Purged, c.Content = true, nil
			if !c.Folder {
				d.binBytes -= c.Size
			}
		}
	}
	e.changed()
}
