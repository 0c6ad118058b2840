package filechange

import (
	"slices"
	"strings"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
)

// diffResult is what one delta round changes: index entries to write and
// to delete, and the changes in the order delta listed their items.
type diffResult struct {
	put     []*driveway.DriveItemEntry
	deleted []string
	changes []*Change
}

// diff names each change of items (delta's latest states; an item seen
// twice counts once, at its last state) against index. With full set
// (a full enumeration after 410), an indexed item that items do not list
// was deleted.
func diff(w *driveway.DriveWatch, index map[string]*driveway.DriveItemEntry, items []microsoft.Item, full bool) *diffResult {
	last := map[string]int{}
	for i := range items {
		last[items[i].ID] = i
	}
	old := index
	next := make(map[string]*driveway.DriveItemEntry, len(index))
	for k, v := range index {
		next[k] = v
	}
	r := &diffResult{}
	type pending struct {
		c   *Change
		was *driveway.DriveItemEntry
	}
	var ps []pending
	for i := range items {
		it := &items[i]
		if last[it.ID] != i || it.RemoteItem != nil {
			continue
		}
		was := old[it.ID]
		if it.Deleted != nil {
			if was == nil {
				continue
			}
			delete(next, it.ID)
			r.deleted = append(r.deleted, it.ID)
			if !was.Root {
				ps = append(ps, pending{&Change{Type: Deleted, Item: itemOf(it)}, was})
			}
			continue
		}
		e := entryOf(w, it)
		next[it.ID] = e
		if was != nil && *was == *e {
			continue // nothing new: the same eTag was already seen (dedupe)
		}
		r.put = append(r.put, e)
		if e.Root {
			continue
		}
		if t := changeType(was, e); t != "" {
			ps = append(ps, pending{&Change{Type: t, Item: itemOf(it)}, was})
		}
	}
	if full {
		seen := map[string]bool{}
		for i := range items {
			if items[i].Deleted == nil {
				seen[items[i].ID] = true
			}
		}
		for id, was := range old {
			if !seen[id] && next[id] != nil {
				delete(next, id)
				r.deleted = append(r.deleted, id)
				if !was.Root {
					ps = append(ps, pending{&Change{Type: Deleted, Item: Item{ID: id, Name: was.Name, Folder: was.Folder,
						ParentID: was.ParentID, ETag: was.ETag}}, was})
				}
			}
		}
	}
	for _, id := range orphans(next, r.deleted) {
		was := next[id]
		delete(next, id)
		r.deleted = append(r.deleted, id)
		ps = append(ps, pending{&Change{Type: Deleted, Item: Item{ID: id, Name: was.Name, Folder: was.Folder,
			ParentID: was.ParentID, ETag: was.ETag}}, was})
	}
	for _, p := range ps {
		fillPaths(p.c, p.was, old, next)
		p.c.ProjectID, p.c.UserID, p.c.CredentialID = w.ProjectID, w.UserID, w.CredentialID
		p.c.ID = changeID(p.c)
		r.changes = append(r.changes, p.c)
	}
	return r
}

// changeType names the change from was to now; "" when it is none the
// customer hears about (a folder's eTag moving because of its children).
func changeType(was, now *driveway.DriveItemEntry) string {
	switch {
	case was == nil:
		return Created
	case was.ParentID != now.ParentID:
		return Moved
	case was.Name != now.Name:
		return Renamed
	case now.Folder:
		return ""
	case was.ETag != now.ETag:
		return Updated
	}
	return ""
}

// fillPaths sets the item's path (from the new index) and, when the item
// was known, its previous name, parent and path (from the old index).
func fillPaths(c *Change, was *driveway.DriveItemEntry, old, next map[string]*driveway.DriveItemEntry) {
	if c.Type == Deleted {
		c.Item.Path = pathOf(was, old)
		if c.Item.Name == "" {
			c.Item.Name = was.Name
		}
		c.Item.Folder = was.Folder
		if c.Item.ParentID == "" {
			c.Item.ParentID = was.ParentID
		}
		return
	}
	c.Item.Path = pathOf(next[c.Item.ID], next)
	if was != nil && (c.Type == Moved || c.Type == Renamed) {
		c.Previous = &Previous{Name: was.Name, ParentID: was.ParentID, Path: pathOf(was, old)}
	}
}

// pathOf walks e's parents up to the root; "" when one is unknown.
func pathOf(e *driveway.DriveItemEntry, index map[string]*driveway.DriveItemEntry) string {
	var parts []string
	for n := 0; e != nil && n < 1000; n++ {
		if e.Root {
			if len(parts) == 0 {
				return "/"
			}
			for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
				parts[i], parts[j] = parts[j], parts[i]
			}
			return "/" + strings.Join(parts, "/")
		}
		parts = append(parts, e.Name)
		e = index[e.ParentID]
	}
	return ""
}

// orphans returns the entries below deleted folders that delta did not
// list as deleted themselves (personal drives list only the folder),
// parents before children.
func orphans(next map[string]*driveway.DriveItemEntry, deleted []string) []string {
	gone := map[string]bool{}
	for _, id := range deleted {
		gone[id] = true
	}
	children := map[string][]string{}
	for id, e := range next {
		children[e.ParentID] = append(children[e.ParentID], id)
	}
	var out []string
	queue := append([]string(nil), deleted...)
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		kids := children[id]
		slices.Sort(kids)
		for _, k := range kids {
			if !gone[k] {
				gone[k] = true
				out = append(out, k)
				queue = append(queue, k)
			}
		}
	}
	return out
}
