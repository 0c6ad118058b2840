package microsoft

import "time"

// Item is a driveItem: a file, a folder, a package or the root. Fields
// Graph left out are zero; facets (File, Folder, ...) are nil when absent.
type Item struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name,omitempty"`
	Size                 int64           `json:"size,omitempty"`
	ETag                 string          `json:"eTag,omitempty"`
	CTag                 string          `json:"cTag,omitempty"`
	WebURL               string          `json:"webUrl,omitempty"`
	Description          string          `json:"description,omitempty"`
	CreatedDateTime      time.Time       `json:"createdDateTime,omitzero"`
	LastModifiedDateTime time.Time       `json:"lastModifiedDateTime,omitzero"`
	CreatedBy            *IdentitySet    `json:"createdBy,omitempty"`
	LastModifiedBy       *IdentitySet    `json:"lastModifiedBy,omitempty"`
	ParentReference      *ItemReference  `json:"parentReference,omitempty"`
	FileSystemInfo       *FileSystemInfo `json:"fileSystemInfo,omitempty"`
	File                 *FileFacet      `json:"file,omitempty"`
	Folder               *FolderFacet    `json:"folder,omitempty"`
	Package              *PackageFacet   `json:"package,omitempty"`
	Root                 *struct{}       `json:"root,omitempty"`
	Deleted              *DeletedFacet   `json:"deleted,omitempty"`
	RemoteItem           *Item           `json:"remoteItem,omitempty"`
	// DownloadURL is the pre-authenticated download URL (about an hour),
	// when Graph included it. It is a secret: do not log it.
	DownloadURL string `json:"@microsoft.graph.downloadUrl,omitempty"`
}

// IsFolder reports whether the item is a folder (not a package).
func (it *Item) IsFolder() bool { return it.Folder != nil }

// QuickXorHash returns file.hashes.quickXorHash, or "".
func (it *Item) QuickXorHash() string {
	if it.File == nil || it.File.Hashes == nil {
		return ""
	}
	return it.File.Hashes.QuickXorHash
}

// ItemReference points at an item, usually the parent.
type ItemReference struct {
	DriveID   string `json:"driveId,omitempty"`
	DriveType string `json:"driveType,omitempty"`
	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	// Path is "/drive/root:/Folder" (absent in delta).
	Path   string `json:"path,omitempty"`
	SiteID string `json:"siteId,omitempty"`
}

// FileFacet marks a file.
type FileFacet struct {
	MimeType string  `json:"mimeType,omitempty"`
	Hashes   *Hashes `json:"hashes,omitempty"`
}

// Hashes of a file's content; only QuickXorHash is there on every drive type.
type Hashes struct {
	QuickXorHash string `json:"quickXorHash,omitempty"`
	SHA1Hash     string `json:"sha1Hash,omitempty"`
	SHA256Hash   string `json:"sha256Hash,omitempty"`
}

// FolderFacet marks a folder.
type FolderFacet struct {
	ChildCount int `json:"childCount"`
}

// PackageFacet marks a package (e.g. a OneNote notebook).
type PackageFacet struct {
	Type string `json:"type,omitempty"`
}

// DeletedFacet marks a deleted item in delta output.
type DeletedFacet struct {
	State string `json:"state,omitempty"`
}

// FileSystemInfo holds the client-side times (read-write).
type FileSystemInfo struct {
	CreatedDateTime      time.Time `json:"createdDateTime,omitzero"`
	LastModifiedDateTime time.Time `json:"lastModifiedDateTime,omitzero"`
}

// IdentitySet says who did something.
type IdentitySet struct {
	User        *IdentityRef `json:"user,omitempty"`
	Application *IdentityRef `json:"application,omitempty"`
	Group       *IdentityRef `json:"group,omitempty"`
}

// IdentityRef is one actor (user, application or group).
type IdentityRef struct {
	ID          string `json:"id,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Email       string `json:"email,omitempty"`
}

// ItemPage is one page of a listing. NextLink, when set, is the opaque
// link to the next page (pass it to NextPage).
type ItemPage struct {
	Items    []Item `json:"value"`
	NextLink string `json:"@odata.nextLink,omitempty"`
}

// Quota is a drive's space, in bytes.
type Quota struct {
	Total     int64  `json:"total"`
	Used      int64  `json:"used"`
	Remaining int64  `json:"remaining"`
	Deleted   int64  `json:"deleted"`
	State     string `json:"state,omitempty"`
}
