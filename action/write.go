package action

import (
	"context"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
)

func conflictParam(def string) Schema {
	s := enum("What to do when the name is taken: fail, replace or rename (default "+def+").", "fail", "replace", "rename")
	s["default"] = def
	return s
}

// Deleted is the output of the delete actions.
type Deleted struct {
	ID      string `json:"id"`
	Deleted bool   `json:"deleted"`
}

func deletedSchema() Schema {
	return object(map[string]any{"id": str("The deleted item's id."), "deleted": boolean("Always true.")}, "id", "deleted")
}

func writeActions() []*Action {
	move := func(param, what string) map[string]any {
		return withDrive(map[string]any{param: nonEmpty("The " + what + "'s id."),
			"destinationFolderId": nonEmpty("The folder to move it into (\"root\" for the drive's root)."),
			"newName":             nonEmpty("A new name, to rename it on the way."),
			"conflictBehavior":    conflictParam("fail")})
	}
	return []*Action{
		{Name: "ONEDRIVE_CREATE_FOLDER", Description: "Create a folder in a parent folder (default: the drive's root).",
			Input: object(withDrive(map[string]any{"name": nonEmpty("The new folder's name."), "parentId": nonEmpty("The parent folder's id; default the root."),
				"conflictBehavior": conflictParam("fail")}), "name"), Output: itemSchema(), run: createFolder},
		{Name: "ONEDRIVE_MOVE_FOLDER", Description: "Move a folder (with its content) into another folder, optionally renaming it.",
			Input: object(move("folderId", "folder"), "folderId", "destinationFolderId"), Output: itemSchema(),
			run: func(ctx context.Context, c *call) (any, error) { return c.move(ctx, "folderId", true) }},
		{Name: "ONEDRIVE_MOVE_FILE", Description: "Move a file into another folder, optionally renaming it.",
			Input: object(move("fileId", "file"), "fileId", "destinationFolderId"), Output: itemSchema(),
			run: func(ctx context.Context, c *call) (any, error) { return c.move(ctx, "fileId", false) }},
		{Name: "ONEDRIVE_RENAME_ITEM", Description: "Rename a file or folder in place.",
			Input: object(withDrive(map[string]any{"itemId": nonEmpty("The item's id."), "name": nonEmpty("The new name."),
				"conflictBehavior": conflictParam("fail")}), "itemId", "name"), Output: itemSchema(), run: rename},
		{Name: "ONEDRIVE_COPY_ITEM", Description: "Copy a file or folder into a folder (default: the same folder), optionally under a new name, and wait for the copy.",
			Input: object(withDrive(map[string]any{"itemId": nonEmpty("The item to copy."),
				"destinationFolderId": nonEmpty("The folder to copy into; default the item's own folder."),
				"destinationDriveId":  nonEmpty("The drive of destinationFolderId, when another drive."),
				"newName":             nonEmpty("The copy's name; default the original's.")}), "itemId"),
			Output: copySchema(), run: copyItem},
		{Name: "ONEDRIVE_DELETE_FILE", Destructive: true, Description: "Delete a file (it goes to the recycle bin).",
			Input: object(withDrive(map[string]any{"fileId": nonEmpty("The file's id.")}), "fileId"), Output: deletedSchema(),
			run: func(ctx context.Context, c *call) (any, error) { return c.delete(ctx, "fileId", false) }},
		{Name: "ONEDRIVE_DELETE_FOLDER", Destructive: true, Description: "Delete a folder and everything in it (it goes to the recycle bin).",
			Input: object(withDrive(map[string]any{"folderId": nonEmpty("The folder's id.")}), "folderId"), Output: deletedSchema(),
			run: func(ctx context.Context, c *call) (any, error) { return c.delete(ctx, "folderId", true) }},
		{Name: "ONEDRIVE_CREATE_SHARING_LINK", Description: "Create (or get the existing) sharing link of a file or folder.",
			Input: object(withDrive(map[string]any{"itemId": nonEmpty("The item's id."),
				"type":               enum("view (read-only), edit, or embed (personal OneDrive only).", "view", "edit", "embed"),
				"scope":              enum("Who can use it; default the organisation's setting.", "anonymous", "organization", "users"),
				"expirationDateTime": Schema{"type": "string", "format": "date-time", "description": "When the link stops working."},
			}), "itemId", "type"), Output: linkSchema(), run: createLink},
	}
}

func conflict(c *call, def string) string {
	if v := stringParam(c.params, "conflictBehavior"); v != "" {
		return v
	}
	return def
}

func createFolder(ctx context.Context, c *call) (any, error) {
	parent := microsoft.ItemRef{Drive: c.sess.drive, ID: stringParam(c.params, "parentId")}
	it, _, err := c.drive().CreateFolder(ctx, parent, stringParam(c.params, "name"), conflict(c, microsoft.ConflictFail))
	if err != nil {
		return nil, graphError(err, "parent folder")
	}
	return itemOf(it), nil
}

// folderID resolves the id of a destination folder ("root" becomes the
// root's real id, which moves need).
func (c *call) folderID(ctx context.Context, param string) (string, error) {
	id := stringParam(c.params, param)
	it, err := c.drive().Get(ctx, c.sess.drive.Item(id), &microsoft.Query{Select: []string{"id", "folder", "root", "package"}}, "")
	if err != nil {
		return "", graphError(err, "destination folder")
	}
	if err := checkKind(it, param, true); err != nil {
		return "", err
	}
	return it.ID, nil
}

func (c *call) move(ctx context.Context, param string, folder bool) (any, error) {
	ref := c.sess.drive.Item(stringParam(c.params, param))
	it, err := c.drive().Get(ctx, ref, nil, "")
	if err != nil {
		return nil, graphError(err, kindName(folder))
	}
	if err := checkKind(it, param, folder); err != nil {
		return nil, err
	}
	dest, err := c.folderID(ctx, "destinationFolderId")
	if err != nil {
		return nil, err
	}
	moved, err := c.drive().Update(ctx, ref, microsoft.ItemUpdate{ParentID: dest, Name: stringParam(c.params, "newName"),
		Conflict: conflict(c, microsoft.ConflictFail)})
	if err != nil {
		return nil, graphError(err, kindName(folder))
	}
	return itemOf(moved), nil
}

func rename(ctx context.Context, c *call) (any, error) {
	it, err := c.drive().Update(ctx, c.sess.drive.Item(stringParam(c.params, "itemId")),
		microsoft.ItemUpdate{Name: stringParam(c.params, "name"), Conflict: conflict(c, microsoft.ConflictFail)})
	if err != nil {
		return nil, graphError(err, "item")
	}
	return itemOf(it), nil
}

func (c *call) delete(ctx context.Context, param string, folder bool) (any, error) {
	ref := c.sess.drive.Item(stringParam(c.params, param))
	it, err := c.drive().Get(ctx, ref, nil, "")
	if err != nil {
		return nil, graphError(err, kindName(folder))
	}
	if err := checkKind(it, param, folder); err != nil {
		return nil, err
	}
	if it.Root != nil {
		return nil, &Error{Err: driveway.Invalid(param, "the root folder cannot be deleted")}
	}
	if err := c.drive().Delete(ctx, ref, ""); err != nil {
		return nil, graphError(err, kindName(folder))
	}
	return Deleted{ID: it.ID, Deleted: true}, nil
}

// Copied is the output of ONEDRIVE_COPY_ITEM.
type Copied struct {
	Status string `json:"status"`
	Item   *Item  `json:"item,omitempty"`
}

func copySchema() Schema {
	return Schema{"type": "object", "required": []string{"status"}, "properties": map[string]any{
		"status": enum("completed, or inProgress when the copy outlasted the wait (it goes on in the background).", "completed", "inProgress"),
		"item":   itemSchema(),
	}}
}

func copyItem(ctx context.Context, c *call) (any, error) {
	src := c.sess.drive.Item(stringParam(c.params, "itemId"))
	dst := microsoft.CopyTarget{ParentID: stringParam(c.params, "destinationFolderId"), DriveID: stringParam(c.params, "destinationDriveId"),
		Name: stringParam(c.params, "newName")}
	if dst.ParentID == "" {
		it, err := c.drive().Get(ctx, src, nil, "")
		if err != nil {
			return nil, graphError(err, "item")
		}
		if it.ParentReference == nil {
			return nil, &Error{Err: driveway.Invalid("destinationFolderId", "destinationFolderId is required to copy the root")}
		}
		dst.ParentID, dst.DriveID = it.ParentReference.ID, it.ParentReference.DriveID
	}
	monitor, err := c.drive().Copy(ctx, src, dst, "")
	if err != nil {
		return nil, graphError(err, "item")
	}
	wctx, cancel := context.WithTimeout(ctx, c.ex.copyWait())
	defer cancel()
	st, err := c.drive().WaitCopy(wctx, monitor)
	if err != nil && wctx.Err() != nil && ctx.Err() == nil {
		return Copied{Status: "inProgress"}, nil
	}
	if err != nil {
		return nil, graphError(err, "item")
	}
	out := Copied{Status: "completed"}
	if st.ResourceID != "" {
		ref := microsoft.ItemRef{Drive: c.sess.drive, ID: st.ResourceID}
		if dst.DriveID != "" {
			ref.Drive = microsoft.DriveRef{DriveID: dst.DriveID}
		}
		if it, err := c.drive().Get(ctx, ref, nil, ""); err == nil {
			item := itemOf(it)
			out.Item = &item
		}
	}
	return out, nil
}

// Link is the output of ONEDRIVE_CREATE_SHARING_LINK.
type Link struct {
	ID     string   `json:"id"`
	Type   string   `json:"type"`
	Scope  string   `json:"scope,omitempty"`
	WebURL string   `json:"webUrl"`
	Roles  []string `json:"roles,omitempty"`
}

func linkSchema() Schema {
	return Schema{"type": "object", "required": []string{"id", "type", "webUrl"}, "properties": map[string]any{
		"id": str("The permission id."), "type": str("view, edit or embed."), "scope": str("anonymous, organization or users."),
		"webUrl": str("The link to share."), "roles": arrayOf("read or write.", str("A role.")),
	}}
}

func createLink(ctx context.Context, c *call) (any, error) {
	o := microsoft.LinkOptions{Type: stringParam(c.params, "type"), Scope: stringParam(c.params, "scope")}
	if v := stringParam(c.params, "expirationDateTime"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, &Error{Err: driveway.Invalid("expirationDateTime", "expirationDateTime must be an RFC 3339 date-time")}
		}
		o.Expiration = t
	}
	p, err := c.drive().CreateLink(ctx, c.sess.drive.Item(stringParam(c.params, "itemId")), o)
	if err != nil {
		return nil, graphError(err, "item")
	}
	return Link{ID: p.ID, Type: p.Link.Type, Scope: p.Link.Scope, WebURL: p.Link.WebURL, Roles: p.Roles}, nil
}
