package microsoft

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strings"
)

// ErrNotModified is returned when an If-None-Match tag still matches (304).
var ErrNotModified = errors.New("graph: not modified")

// Get returns the item at ref (GET {item}). With ifNoneMatch set to an
// eTag or cTag it returns ErrNotModified while the item is unchanged.
func (c *DriveClient) Get(ctx context.Context, ref ItemRef, q *Query, ifNoneMatch string) (*Item, error) {
	p, err := ref.urlPath("")
	if err != nil {
		return nil, err
	}
	rq := &request{method: http.MethodGet, url: c.graphURL(p, q.encode()), idempotent: true}
	if ifNoneMatch != "" {
		rq.header = http.Header{"If-None-Match": {ifNoneMatch}}
	}
	var it Item
	resp, err := c.doJSON(ctx, rq, &it)
	if err != nil {
		return nil, fmt.Errorf("get item: %w", err)
	}
	if resp.StatusCode == http.StatusNotModified {
		return nil, ErrNotModified
	}
	return &it, nil
}

// ListChildren returns the first page of a folder's children. Follow
// page.NextLink with NextPage, or use Children to walk every page.
func (c *DriveClient) ListChildren(ctx context.Context, folder ItemRef, q *Query) (*ItemPage, error) {
	p, err := folder.urlPath("children")
	if err != nil {
		return nil, err
	}
	return c.page(ctx, c.graphURL(p, q.encode()), "list children")
}

// NextPage follows an @odata.nextLink of ListChildren or Search. The link
// must lie under the client's Graph base (it carries the bearer token).
func (c *DriveClient) NextPage(ctx context.Context, nextLink string) (*ItemPage, error) {
	if err := c.checkLink(nextLink); err != nil {
		return nil, err
	}
	return c.page(ctx, nextLink, "next page")
}

func (c *DriveClient) page(ctx context.Context, u, op string) (*ItemPage, error) {
	var pg ItemPage
	if _, err := c.doJSON(ctx, &request{method: http.MethodGet, url: u, idempotent: true}, &pg); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return &pg, nil
}

// Children yields every child of a folder, following next links. It stops
// at the first error, which it yields.
func (c *DriveClient) Children(ctx context.Context, folder ItemRef, q *Query) iter.Seq2[*Item, error] {
	return c.walk(ctx, func() (*ItemPage, error) { return c.ListChildren(ctx, folder, q) })
}

func (c *DriveClient) walk(ctx context.Context, first func() (*ItemPage, error)) iter.Seq2[*Item, error] {
	return func(yield func(*Item, error) bool) {
		pg, err := first()
		for {
			if err != nil {
				yield(nil, err)
				return
			}
			for i := range pg.Items {
				if !yield(&pg.Items[i], nil) {
					return
				}
			}
			if pg.NextLink == "" {
				return
			}
			pg, err = c.NextPage(ctx, pg.NextLink)
		}
	}
}

// Search searches below scope (the drive root when scope is the zero
// ItemRef) for text: GET {scope}/search(q='text'). Graph's index is
// eventually consistent: never use search to test for existence.
func (c *DriveClient) Search(ctx context.Context, scope ItemRef, text string, q *Query) (*ItemPage, error) {
	action := "search(q='" + escapeSegment(strings.ReplaceAll(text, "'", "''")) + "')"
	p, err := scope.urlPath(action)
	if err != nil {
		return nil, err
	}
	return c.page(ctx, c.graphURL(p, q.encode()), "search")
}

// Conflict behaviours for writes that may meet an existing name.
const (
	ConflictFail    = "fail"
	ConflictRename  = "rename"
	ConflictReplace = "replace"
)

func checkConflict(behavior string) error {
	switch behavior {
	case "", ConflictFail, ConflictRename, ConflictReplace:
		return nil
	}
	return fmt.Errorf("conflict behavior %q: want fail, rename or replace", behavior)
}

// CreateFolder creates a folder called name in parent (POST
// {parent}/children). conflict is ConflictFail, ConflictRename or
// ConflictReplace ("" leaves it to Graph). Graph answers a clash with 409
// nameAlreadyExists (a *GraphError, IsConflict) or, on some personal
// drives, with 200 and the existing folder: then existed is true, and
// with ConflictFail the folder comes back together with a 409 *GraphError,
// so "fail" always fails the same way. The result is checked to be a
// folder.
func (c *DriveClient) CreateFolder(ctx context.Context, parent ItemRef, name, conflict string) (it *Item, existed bool, err error) {
	if err := checkConflict(conflict); err != nil {
		return nil, false, err
	}
	p, err := parent.urlPath("children")
	if err != nil {
		return nil, false, err
	}
	body := map[string]any{"name": name, "folder": map[string]any{}}
	if conflict != "" {
		body["@microsoft.graph.conflictBehavior"] = conflict
	}
	rq := &request{method: http.MethodPost, url: c.graphURL(p, ""), body: jsonBody(body), contentType: "application/json"}
	var out Item
	resp, err := c.doJSON(ctx, rq, &out)
	if err != nil {
		return nil, false, fmt.Errorf("create folder: %w", err)
	}
	if out.Folder == nil {
		return nil, false, fmt.Errorf("create folder: an item named %q exists and is not a folder", name)
	}
	existed = resp.StatusCode == http.StatusOK && conflict != ConflictReplace
	if existed && conflict == ConflictFail {
		// Graph ignored "fail" and handed back the existing folder: report
		// the conflict the caller asked for, with the folder.
		return &out, true, &GraphError{Status: http.StatusConflict, Code: "nameAlreadyExists",
			Message: "graph answered 200 with the existing folder", RequestID: resp.Header.Get("request-id")}
	}
	return &out, existed, nil
}

// ItemUpdate is a rename and/or move. Empty fields are left unchanged.
type ItemUpdate struct {
	// Name is the new name.
	Name string
	// ParentID moves the item into this folder (the real id; "root" is
	// not accepted by Graph). ParentDriveID is optional; moves cannot cross
	// drives.
	ParentID, ParentDriveID string
	// Description sets the description.
	Description *string
	// FileSystemInfo sets the client-side times.
	FileSystemInfo *FileSystemInfo
	// IfMatch makes Graph refuse (412) when the item's eTag differs.
	IfMatch string
	// Conflict is the behaviour when the target name exists (Graph's
	// default is fail: 409).
	Conflict string
}

// Update renames and/or moves an item (PATCH {item}).
func (c *DriveClient) Update(ctx context.Context, ref ItemRef, u ItemUpdate) (*Item, error) {
	if err := checkConflict(u.Conflict); err != nil {
		return nil, err
	}
	p, err := ref.urlPath("")
	if err != nil {
		return nil, err
	}
	body := map[string]any{}
	if u.Name != "" {
		body["name"] = u.Name
	}
	if u.ParentID != "" {
		pr := map[string]string{"id": u.ParentID}
		if u.ParentDriveID != "" {
			pr["driveId"] = u.ParentDriveID
		}
		body["parentReference"] = pr
	}
	if u.Description != nil {
		body["description"] = *u.Description
	}
	if u.FileSystemInfo != nil {
		body["fileSystemInfo"] = u.FileSystemInfo
	}
	query := ""
	if u.Conflict != "" {
		query = "@microsoft.graph.conflictBehavior=" + u.Conflict
	}
	rq := &request{method: http.MethodPatch, url: c.graphURL(p, query), body: jsonBody(body),
		contentType: "application/json", idempotent: true, header: ifMatchHeader(u.IfMatch)}
	var out Item
	if _, err := c.doJSON(ctx, rq, &out); err != nil {
		return nil, fmt.Errorf("update item: %w", err)
	}
	return &out, nil
}

// Rename renames an item.
func (c *DriveClient) Rename(ctx context.Context, ref ItemRef, name string) (*Item, error) {
	return c.Update(ctx, ref, ItemUpdate{Name: name})
}

// Move moves an item into the folder newParentID, renaming it when
// newName is set.
func (c *DriveClient) Move(ctx context.Context, ref ItemRef, newParentID, newName string) (*Item, error) {
	return c.Update(ctx, ref, ItemUpdate{ParentID: newParentID, Name: newName})
}

func ifMatchHeader(tag string) http.Header {
	if tag == "" {
		return nil
	}
	return http.Header{"If-Match": {tag}}
}

// Delete moves an item (and its subtree) to the recycle bin (DELETE
// {item}). With ifMatch set Graph refuses (412) a changed item.
func (c *DriveClient) Delete(ctx context.Context, ref ItemRef, ifMatch string) error {
	p, err := ref.urlPath("")
	if err != nil {
		return err
	}
	rq := &request{method: http.MethodDelete, url: c.graphURL(p, ""), idempotent: true, header: ifMatchHeader(ifMatch)}
	if _, err := c.doJSON(ctx, rq, nil); err != nil {
		return fmt.Errorf("delete item: %w", err)
	}
	return nil
}

// PermanentDelete deletes an item without the recycle bin (POST
// {item}/permanentDelete). Business and SharePoint only; personal drives
// answer 400 notSupported.
func (c *DriveClient) PermanentDelete(ctx context.Context, ref ItemRef) error {
	p, err := ref.urlPath("permanentDelete")
	if err != nil {
		return err
	}
	rq := &request{method: http.MethodPost, url: c.graphURL(p, ""), idempotent: true}
	if _, err := c.doJSON(ctx, rq, nil); err != nil {
		return fmt.Errorf("permanent delete: %w", err)
	}
	return nil
}
