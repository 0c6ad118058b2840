package microsoft

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// DriveRef names a drive. The zero value is the signed-in user's drive
// (/me/drive). Set at most one field.
type DriveRef struct {
	// DriveID addresses /drives/{id} (any drive, including a SharePoint
	// document library).
	DriveID string
	// SiteID addresses a SharePoint site's default library, /sites/{id}/drive.
	SiteID string
	// GroupID addresses a Microsoft 365 group's library, /groups/{id}/drive.
	GroupID string
	// UserID addresses another user's OneDrive, /users/{id|upn}/drive.
	UserID string
}

// path returns the escaped drive path, e.g. "/me/drive".
func (d DriveRef) path() (string, error) {
	set := 0
	for _, v := range []string{d.DriveID, d.SiteID, d.GroupID, d.UserID} {
		if v != "" {
			set++
		}
	}
	switch {
	case set > 1:
		return "", errors.New("drive ref: set only one of drive, site, group or user id")
	case d.DriveID != "":
		return "/drives/" + escapeSegment(d.DriveID), nil
	case d.SiteID != "":
		return "/sites/" + escapeSegment(d.SiteID) + "/drive", nil
	case d.GroupID != "":
		return "/groups/" + escapeSegment(d.GroupID) + "/drive", nil
	case d.UserID != "":
		return "/users/" + escapeSegment(d.UserID) + "/drive", nil
	}
	return "/me/drive", nil
}

// ItemRef names a drive item: by ID, by Path from the drive root, or by a
// Path relative to the item ID (items/{id}:/path:). With neither set it is
// the drive's root folder.
type ItemRef struct {
	Drive DriveRef
	// ID is the item id (case-sensitive, opaque).
	ID string
	// Path is a slash-separated path ("/Documents/a.txt"); each segment is
	// percent-encoded on the wire. Paths resolve case-insensitively.
	Path string
}

// ByID is an item of the signed-in user's drive, by id.
func ByID(id string) ItemRef { return ItemRef{ID: id} }

// ByPath is an item of the signed-in user's drive, by path from its root.
func ByPath(path string) ItemRef { return ItemRef{Path: path} }

// Item names an item of drive d by id.
func (d DriveRef) Item(id string) ItemRef { return ItemRef{Drive: d, ID: id} }

// Path names an item of drive d by path from its root.
func (d DriveRef) Path(path string) ItemRef { return ItemRef{Drive: d, Path: path} }

// Child names the item called name inside this folder.
func (r ItemRef) Child(name string) ItemRef {
	r.Path = strings.TrimRight(r.Path, "/") + "/" + name
	return r
}

// urlPath returns the escaped Graph path of the item, followed by action
// (already escaped) when set: "/me/drive/root:/a/b:/children".
func (r ItemRef) urlPath(action string) (string, error) {
	drive, err := r.Drive.path()
	if err != nil {
		return "", err
	}
	segs, err := splitPath(r.Path)
	if err != nil {
		return "", err
	}
	p := drive + "/root"
	if r.ID != "" {
		p = drive + "/items/" + escapeSegment(r.ID)
	}
	if len(segs) > 0 {
		for i, s := range segs {
			segs[i] = escapeSegment(s)
		}
		p += ":/" + strings.Join(segs, "/") + ":"
	}
	if action != "" {
		p += "/" + action
	}
	return p, nil
}

// splitPath splits a drive path into its segments, refusing "." and "..".
func splitPath(path string) ([]string, error) {
	var segs []string
	for _, s := range strings.Split(path, "/") {
		switch s {
		case "":
			continue
		case ".", "..":
			return nil, fmt.Errorf("item path %q: dot segments are not allowed", path)
		}
		segs = append(segs, s)
	}
	return segs, nil
}

// escapeSegment percent-encodes everything but RFC 3986 unreserved
// characters, so names holding ':', '#', '%', '?', '\” or '+' survive.
func escapeSegment(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// Query holds OData query options. The zero value asks for nothing.
type Query struct {
	// Select lists the fields to return ("id" is always returned).
	Select []string
	// Expand is a raw $expand value, e.g. "children".
	Expand string
	// Top asks for this many items per page (Graph caps it at 1000 and
	// may return fewer).
	Top int
	// OrderBy is a raw $orderby value, e.g. "name desc" (business drives
	// support only name).
	OrderBy string
}

// encode returns the query string ("$select=id,name&$top=10").
func (q *Query) encode() string {
	if q == nil {
		return ""
	}
	var parts []string
	add := func(k, v string) { parts = append(parts, k+"="+escapeQuery(v)) }
	if len(q.Select) > 0 {
		add("$select", strings.Join(q.Select, ","))
	}
	if q.Expand != "" {
		add("$expand", q.Expand)
	}
	if q.Top > 0 {
		add("$top", strconv.Itoa(q.Top))
	}
	if q.OrderBy != "" {
		add("$orderby", q.OrderBy)
	}
	return strings.Join(parts, "&")
}

// escapeQuery percent-encodes a query value, keeping the commas that
// separate OData lists.
func escapeQuery(v string) string {
	var b strings.Builder
	for _, part := range strings.Split(v, ",") {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(escapeSegment(part))
	}
	return b.String()
}
