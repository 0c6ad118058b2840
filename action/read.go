package action

import (
	"context"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
)

func pagingProps(props map[string]any) map[string]any {
	props["pageSize"] = integer("Items per page (Graph may return fewer).", 1, 1000)
	props["pageToken"] = nonEmpty("The nextPageToken of the previous page.")
	return withDrive(props)
}

func readActions() []*Action {
	return []*Action{
		{Name: "ONEDRIVE_GET_FILE_BY_ID", ReadOnly: true, Description: "Get a file's metadata (name, size, type, dates, parent) by its id.",
			Input: object(withDrive(map[string]any{"fileId": nonEmpty("The file's id.")}), "fileId"), Output: itemSchema(),
			run: func(ctx context.Context, c *call) (any, error) { return c.getKind(ctx, "fileId", false) }},
		{Name: "ONEDRIVE_GET_FOLDER_BY_ID", ReadOnly: true, Description: "Get a folder's metadata by its id (\"root\" is the drive's root folder).",
			Input: object(withDrive(map[string]any{"folderId": nonEmpty("The folder's id.")}), "folderId"), Output: itemSchema(),
			run: func(ctx context.Context, c *call) (any, error) { return c.getKind(ctx, "folderId", true) }},
		{Name: "ONEDRIVE_GET_ITEM_BY_PATH", ReadOnly: true, Description: "Get a file or folder by its path from the drive's root, like /Documents/report.docx.",
			Input: object(withDrive(map[string]any{"path": pathSchema("The item's path from the drive root.")}), "path"), Output: itemSchema(),
			run: getByPath},
		{Name: "ONEDRIVE_LIST_CONTENTS", ReadOnly: true, Description: "List the files and folders in a folder (default: the drive's root), a page at a time.",
			Input:  object(pagingProps(map[string]any{"folderId": nonEmpty("The folder's id; default the root."), "path": pathSchema("The folder's path, instead of folderId.")})),
			Output: pageSchema("The folder's children."), run: listContents},
		{Name: "ONEDRIVE_SEARCH_FILES", ReadOnly: true, Description: "Search files by name and content below a folder (default: the whole drive). The index lags recent changes.",
			Input:  object(pagingProps(map[string]any{"query": nonEmpty("The text to search for."), "folderId": nonEmpty("Search below this folder.")}), "query"),
			Output: pageSchema("Matching files."), run: func(ctx context.Context, c *call) (any, error) { return c.search(ctx, false) }},
		{Name: "ONEDRIVE_SEARCH_FOLDERS", ReadOnly: true, Description: "Search folders by name below a folder (default: the whole drive). The index lags recent changes.",
			Input:  object(pagingProps(map[string]any{"query": nonEmpty("The text to search for."), "folderId": nonEmpty("Search below this folder.")}), "query"),
			Output: pageSchema("Matching folders."), run: func(ctx context.Context, c *call) (any, error) { return c.search(ctx, true) }},
		{Name: "ONEDRIVE_LIST_DRIVES", ReadOnly: true, Description: "List the user's drives, or with siteId the document libraries of a SharePoint site.",
			Input: object(withDrive(map[string]any{})), Output: drivesSchema(), run: listDrives},
		{Name: "ONEDRIVE_LIST_CHANGES", ReadOnly: true, Description: "List what changed in the drive since a cursor. Without a cursor: every item (or, with latest, nothing, and a cursor for changes from now on). Repeat with the returned cursor while hasMore is true.",
			Input: object(withDrive(map[string]any{"cursor": nonEmpty("The cursor a previous call returned."),
				"latest":   boolean("Without a cursor: skip the enumeration and return a cursor for changes from now on."),
				"pageSize": integer("Changes per page, for the first call without a cursor (later pages keep it).", 1, 1000)})),
			Output: changesSchema(), run: listChanges},
	}
}

func pathSchema(desc string) Schema {
	return Schema{"type": "string", "minLength": 1, "pattern": "^/", "description": desc + " It starts with /."}
}

// getKind gets the item named by the id parameter and checks that it is a
// folder (wantFolder) or a file.
func (c *call) getKind(ctx context.Context, param string, wantFolder bool) (any, error) {
	it, err := c.drive().Get(ctx, c.sess.drive.Item(stringParam(c.params, param)), nil, "")
	if err != nil {
		return nil, graphError(err, kindName(wantFolder))
	}
	if err := checkKind(it, param, wantFolder); err != nil {
		return nil, err
	}
	return itemOf(it), nil
}

func kindName(folder bool) string {
	if folder {
		return "folder"
	}
	return "file"
}

func checkKind(it *microsoft.Item, param string, wantFolder bool) error {
	folder := it.IsFolder() || it.Root != nil
	if folder == wantFolder {
		return nil
	}
	if wantFolder {
		return &Error{Err: driveway.Invalid(param, "%s names a file, not a folder", param)}
	}
	return &Error{Err: driveway.Invalid(param, "%s names a folder, not a file", param)}
}

func getByPath(ctx context.Context, c *call) (any, error) {
	it, err := c.drive().Get(ctx, c.sess.drive.Path(stringParam(c.params, "path")), nil, "")
	if err != nil {
		return nil, graphError(err, "item")
	}
	return itemOf(it), nil
}

// folderRef is the folder named by folderId or path, else the root.
func (c *call) folderRef(idParam string) microsoft.ItemRef {
	if id := stringParam(c.params, idParam); id != "" {
		return c.sess.drive.Item(id)
	}
	if p := stringParam(c.params, "path"); p != "" && p != "/" {
		return c.sess.drive.Path(p)
	}
	return microsoft.ItemRef{Drive: c.sess.drive}
}

func (c *call) query() *microsoft.Query {
	return &microsoft.Query{Top: int(intParam(c.params, "pageSize", 0))}
}

func listContents(ctx context.Context, c *call) (any, error) {
	if stringParam(c.params, "folderId") != "" && stringParam(c.params, "path") != "" {
		return nil, &Error{Err: driveway.Invalid("path", "set folderId or path, not both")}
	}
	p, err := c.listPage(ctx, func() (*microsoft.ItemPage, error) {
		return c.drive().ListChildren(ctx, c.folderRef("folderId"), c.query())
	}, nil)
	return p, graphError(err, "folder")
}

func (c *call) search(ctx context.Context, folders bool) (any, error) {
	p, err := c.listPage(ctx, func() (*microsoft.ItemPage, error) {
		return c.drive().Search(ctx, c.folderRef("folderId"), stringParam(c.params, "query"), c.query())
	}, func(it *microsoft.Item) bool { return it.IsFolder() == folders && it.Package == nil })
	return p, graphError(err, "folder")
}

// Drives is the output of ONEDRIVE_LIST_DRIVES.
type Drives struct {
	Drives []Drive `json:"drives"`
}

// Drive is one drive (a OneDrive or a document library).
type Drive struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	DriveType string `json:"driveType"`
	WebURL    string `json:"webUrl,omitempty"`
}

func drivesSchema() Schema {
	return object(map[string]any{"drives": arrayOf("The drives.", object(map[string]any{
		"id": str("The drive id (pass it as driveId)."), "name": str("The drive's name."),
		"driveType": enum("personal, business or documentLibrary.", "personal", "business", "documentLibrary"),
		"webUrl":    str("The drive on the web."),
	}, "id", "driveType"))}, "drives")
}

func listDrives(ctx context.Context, c *call) (any, error) {
	var list []microsoft.Drive
	if c.sess.drive.DriveID != "" {
		d, err := c.drive().GetDrive(ctx, c.sess.drive)
		if err != nil {
			return nil, graphError(err, "drive")
		}
		list = []microsoft.Drive{*d}
	} else {
		var err error
		if list, err = c.drive().ListDrives(ctx, microsoft.DriveRef{SiteID: c.sess.drive.SiteID}); err != nil {
			return nil, graphError(err, "drive")
		}
	}
	out := Drives{Drives: []Drive{}}
	for _, d := range list {
		out.Drives = append(out.Drives, Drive{ID: d.ID, Name: d.Name, DriveType: d.DriveType, WebURL: d.WebURL})
	}
	return out, nil
}

// Changes is the output of ONEDRIVE_LIST_CHANGES.
type Changes struct {
	Items   []Item `json:"items"`
	Cursor  string `json:"cursor"`
	HasMore bool   `json:"hasMore"`
}

func changesSchema() Schema {
	return Schema{"type": "object", "required": []string{"items", "cursor", "hasMore"}, "properties": map[string]any{
		"items":   arrayOf("Changed items, in their latest state (deleted ones have deleted: true).", itemSchema()),
		"cursor":  str("Pass it back as cursor: for the next page while hasMore, later for new changes."),
		"hasMore": boolean("True when more changes are waiting: call again at once with cursor."),
	}}
}

func listChanges(ctx context.Context, c *call) (any, error) {
	cur, err := decodeCursor(stringParam(c.params, "cursor"))
	if err != nil {
		return nil, err
	}
	if stringParam(c.params, "cursor") == "" && boolParam(c.params, "latest", false) {
		link, err := c.drive().DeltaLatest(ctx, c.sess.drive)
		if err != nil {
			return nil, graphError(err, "drive")
		}
		return &Changes{Items: []Item{}, Cursor: pageToken{Link: link}.encode()}, nil
	}
	page, err := c.drive().Delta(ctx, c.sess.drive, cur.Link, c.query())
	if err != nil {
		if driveway.ErrorCode(graphError(err, "drive")) == driveway.EINTERNAL && cur.Link != "" {
			return nil, &Error{Err: driveway.Invalid("cursor", "the cursor is not one this API returned")}
		}
		return nil, graphError(err, "drive")
	}
	items := page.Items[min(cur.Skip, len(page.Items)):]
	out := &Changes{Items: itemsOf(items), Cursor: pageToken{Link: page.DeltaLink}.encode(), HasMore: page.NextLink != ""}
	if out.HasMore {
		out.Cursor = pageToken{Link: page.NextLink}.encode()
	}
	return out, nil
}

func decodeCursor(s string) (pageToken, error) {
	t, err := decodePageToken(s)
	if err != nil {
		return t, &Error{Err: driveway.Invalid("cursor", "the cursor is not one this API returned")}
	}
	return t, nil
}

// CapChanges is CapPage for ONEDRIVE_LIST_CHANGES: when it drops items,
// Cursor points back at the same Graph page past what was returned, and
// HasMore is true. cursorIn is the cursor the changes were read with.
func CapChanges(ch *Changes, cursorIn string, maxBytes int) bool {
	p := &Page{Items: ch.Items}
	if !CapPage(p, cursorIn, maxBytes) {
		return false
	}
	ch.Items, ch.Cursor, ch.HasMore = p.Items, p.NextPageToken, true
	return true
}
