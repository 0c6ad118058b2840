package action

import (
	"time"

	"github.com/drivewayhq/driveway/microsoft"
)

// Item is a file or folder as actions return it. It never carries a
// pre-authenticated download URL.
type Item struct {
	ID                   string     `json:"id"`
	Name                 string     `json:"name"`
	IsFolder             bool       `json:"isFolder"`
	Size                 int64      `json:"size"`
	MimeType             string     `json:"mimeType,omitempty"`
	ChildCount           *int       `json:"childCount,omitempty"`
	WebURL               string     `json:"webUrl,omitempty"`
	ETag                 string     `json:"eTag,omitempty"`
	CTag                 string     `json:"cTag,omitempty"`
	QuickXorHash         string     `json:"quickXorHash,omitempty"`
	DriveID              string     `json:"driveId,omitempty"`
	ParentID             string     `json:"parentId,omitempty"`
	ParentPath           string     `json:"parentPath,omitempty"`
	CreatedDateTime      *time.Time `json:"createdDateTime,omitempty"`
	LastModifiedDateTime *time.Time `json:"lastModifiedDateTime,omitempty"`
	Deleted              bool       `json:"deleted,omitempty"`
}

// itemOf converts a Graph driveItem.
func itemOf(it *microsoft.Item) Item {
	out := Item{ID: it.ID, Name: it.Name, IsFolder: it.IsFolder() || it.Root != nil, Size: it.Size, WebURL: it.WebURL,
		ETag: it.ETag, CTag: it.CTag, QuickXorHash: it.QuickXorHash(), Deleted: it.Deleted != nil}
	if it.File != nil {
		out.MimeType = it.File.MimeType
	}
	if it.Folder != nil {
		n := it.Folder.ChildCount
		out.ChildCount = &n
	}
	if pr := it.ParentReference; pr != nil {
		out.DriveID, out.ParentID, out.ParentPath = pr.DriveID, pr.ID, pr.Path
	}
	if !it.CreatedDateTime.IsZero() {
		t := it.CreatedDateTime
		out.CreatedDateTime = &t
	}
	if !it.LastModifiedDateTime.IsZero() {
		t := it.LastModifiedDateTime
		out.LastModifiedDateTime = &t
	}
	return out
}

func itemsOf(list []microsoft.Item) []Item {
	out := make([]Item, 0, len(list))
	for i := range list {
		out = append(out, itemOf(&list[i]))
	}
	return out
}

// itemSchema is the output schema of Item.
func itemSchema() Schema {
	return Schema{"type": "object", "required": []string{"id", "name", "isFolder", "size"}, "properties": map[string]any{
		"id":                   str("The item id."),
		"name":                 str("The file or folder name."),
		"isFolder":             boolean("True for a folder."),
		"size":                 Schema{"type": "integer", "description": "Size in bytes (a folder: of its content)."},
		"mimeType":             str("The file's MIME type."),
		"childCount":           Schema{"type": "integer", "description": "A folder's number of children."},
		"webUrl":               str("The item in OneDrive on the web."),
		"eTag":                 str("Changes when the item or its metadata changes."),
		"cTag":                 str("Changes when the content changes."),
		"quickXorHash":         str("The content's QuickXorHash (base64)."),
		"driveId":              str("The drive holding the item."),
		"parentId":             str("The parent folder's id."),
		"parentPath":           str("The parent folder's path, like /drive/root:/Documents."),
		"createdDateTime":      Schema{"type": "string", "format": "date-time"},
		"lastModifiedDateTime": Schema{"type": "string", "format": "date-time"},
		"deleted":              boolean("True for a deleted item (in changes)."),
	}}
}

// Page is a listing: items and, when more follow, the token of the next
// page.
type Page struct {
	Items         []Item `json:"items"`
	NextPageToken string `json:"nextPageToken,omitempty"`
}

func pageSchema(desc string) Schema {
	return Schema{"type": "object", "required": []string{"items"}, "properties": map[string]any{
		"items":         arrayOf(desc, itemSchema()),
		"nextPageToken": str("Pass as pageToken to get the next page; absent on the last page."),
	}}
}
