package filechange

import (
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
)

// Change types.
const (
	Created = "created"
	Updated = "updated"
	Renamed = "renamed"
	Moved   = "moved"
	Deleted = "deleted"
)

// ChangeTypes lists every change type.
var ChangeTypes = []string{Created, Updated, Renamed, Moved, Deleted}

// Change is one change of one item, named by diffing delta against the
// item index.
type Change struct {
	// ID is stable for the change ("chg_" + a hash of the credential, the
	// item, its eTag and the type): a hook called twice for one change
	// (the hook job runs at least once) can drop the repeat.
	ID           string `json:"id"`
	ProjectID    string `json:"projectId"`
	UserID       string `json:"userId"`
	CredentialID string `json:"credentialId"`
	// DriveID is the drive of the credential the change was seen in
	// (stamped when the round commits; "" if the credential was gone).
	DriveID string `json:"driveId,omitempty"`
	Type    string `json:"type"` // Created, Updated, Renamed, Moved, Deleted
	Item    Item   `json:"item"`
	// Previous is the item as the index knew it (renamed, moved,
	// deleted); nil otherwise.
	Previous *Previous `json:"previous,omitempty"`
}

// Kind is the event kind: "onedrive.file.created", "onedrive.folder.moved"...
func (c *Change) Kind() string {
	if c.Item.Folder {
		return "onedrive.folder." + c.Type
	}
	return "onedrive.file." + c.Type
}

// Item is what a change says about the item.
type Item struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Path         string    `json:"path,omitempty"` // "/Documents/a.txt" when the index knows every ancestor
	Folder       bool      `json:"folder"`
	ParentID     string    `json:"parentId,omitempty"`
	Size         int64     `json:"size"`
	MimeType     string    `json:"mimeType,omitempty"`
	QuickXorHash string    `json:"quickXorHash,omitempty"`
	SHA1Hash     string    `json:"sha1Hash,omitempty"`
	SHA256Hash   string    `json:"sha256Hash,omitempty"`
	ETag         string    `json:"eTag,omitempty"`
	CTag         string    `json:"cTag,omitempty"`
	ModifiedBy   string    `json:"modifiedBy,omitempty"` // display name, else email, else id
	ModifiedAt   time.Time `json:"modifiedAt,omitzero"`
	WebURL       string    `json:"webUrl,omitempty"`
}

// Previous is the item's earlier place and name.
type Previous struct {
	Name     string `json:"name"`
	ParentID string `json:"parentId,omitempty"`
	Path     string `json:"path,omitempty"`
}

// Payload is the change as JSON-ready data: the event's Data and the
// workflow trigger.
func (c *Change) Payload() map[string]any {
	m := map[string]any{"id": c.ID, "type": c.Type, "kind": c.Kind(), "credentialId": c.CredentialID,
		"userId": c.UserID, "item": c.Item}
	if c.Previous != nil {
		m["previous"] = *c.Previous
	}
	if c.DriveID != "" {
		m["driveId"] = c.DriveID
	}
	return m
}

// itemOf copies what Graph said about it.
func itemOf(it *microsoft.Item) Item {
	out := Item{ID: it.ID, Name: it.Name, Folder: it.IsFolder(), Size: it.Size, ETag: it.ETag, CTag: it.CTag,
		ModifiedAt: it.LastModifiedDateTime, WebURL: it.WebURL}
	if it.ParentReference != nil {
		out.ParentID = it.ParentReference.ID
	}
	if f := it.File; f != nil {
		out.MimeType = f.MimeType
		if h := f.Hashes; h != nil {
			out.QuickXorHash, out.SHA1Hash, out.SHA256Hash = h.QuickXorHash, h.SHA1Hash, h.SHA256Hash
		}
	}
	if by := it.LastModifiedBy; by != nil && by.User != nil {
		out.ModifiedBy = firstNonEmpty(by.User.DisplayName, by.User.Email, by.User.ID)
	}
	return out
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// entryOf is the index entry of a live item.
func entryOf(w *driveway.DriveWatch, it *microsoft.Item) *driveway.DriveItemEntry {
	e := &driveway.DriveItemEntry{ProjectID: w.ProjectID, CredentialID: w.CredentialID, ItemID: it.ID, Name: it.Name,
		Folder: it.IsFolder(), Root: it.Root != nil, ETag: it.ETag, CTag: it.CTag}
	if it.ParentReference != nil && e.Root == false {
		e.ParentID = it.ParentReference.ID
	}
	return e
}
