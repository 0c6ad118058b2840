package action

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
)

func contentActions() []*Action {
	return []*Action{
		{Name: "ONEDRIVE_SAVE_FILE", Destructive: true,
			Description: "Save a file: create it, or replace the file of the same name (see conflictBehavior). The content is text (content), base64 (contentBase64) or fetched from a public URL (url); large files stream through an upload session. Give name (with parentId, default the root) or path.",
			Input: object(withDrive(map[string]any{
				"name":             Schema{"type": "string", "minLength": 1, "pattern": `^[^/\\]+$`, "description": "The file name, like report.pdf."},
				"parentId":         nonEmpty("The folder to save into; default the drive's root."),
				"path":             pathSchema("The file's full path, instead of name and parentId."),
				"content":          str("The content as text (UTF-8)."),
				"contentBase64":    Schema{"type": "string", "contentEncoding": "base64", "description": "The content, base64-encoded."},
				"url":              Schema{"type": "string", "format": "uri", "pattern": "^https?://", "description": "A public http(s) URL to fetch the content from."},
				"conflictBehavior": conflictParam("replace"),
				"size":             Schema{"type": "integer", "minimum": 0, "description": "The content's size in bytes: required when the content is a streamed multipart part."},
			})), Output: itemSchema(), run: saveFile},
		{Name: "ONEDRIVE_DOWNLOAD_FILE", ReadOnly: true,
			Description: "Download a file's content: small files come back as base64 (contentBase64); larger ones as a short-lived Driveway link (downloadUrl) that streams the bytes.",
			Input:       object(withDrive(map[string]any{"fileId": nonEmpty("The file's id."), "path": pathSchema("The file's path, instead of fileId.")})),
			Output: Schema{"type": "object", "required": []string{"file"}, "properties": map[string]any{
				"file":          itemSchema(),
				"contentBase64": Schema{"type": "string", "contentEncoding": "base64", "description": "The content, for small files."},
				"downloadUrl":   Schema{"type": "string", "format": "uri", "description": "A link that streams the content, for large files; no credentials needed until expiresAt."},
				"expiresAt":     Schema{"type": "string", "format": "date-time"},
			}}, run: download},
	}
}

// saveTarget is where SAVE_FILE writes.
func (c *call) saveTarget() (microsoft.ItemRef, error) {
	path, name, parent := stringParam(c.params, "path"), stringParam(c.params, "name"), stringParam(c.params, "parentId")
	switch {
	case path != "" && (name != "" || parent != ""):
		return microsoft.ItemRef{}, &Error{Err: driveway.Invalid("path", "set path, or name with parentId, not both")}
	case path != "":
		if strings.HasSuffix(path, "/") {
			return microsoft.ItemRef{}, &Error{Err: driveway.Invalid("path", "path must end with the file name")}
		}
		return c.sess.drive.Path(path), nil
	case name == "":
		return microsoft.ItemRef{}, &Error{Err: driveway.Invalid("name", "name is required (or path)")}
	case parent != "":
		return microsoft.ItemRef{Drive: c.sess.drive, ID: parent, Path: name}, nil
	}
	return c.sess.drive.Path("/" + name), nil
}

func saveFile(ctx context.Context, c *call) (any, error) {
	target, err := c.saveTarget()
	if err != nil {
		return nil, err
	}
	opts := &microsoft.UploadOptions{Conflict: conflict(c, microsoft.ConflictReplace)}
	sources := 0
	for _, k := range []string{"content", "contentBase64", "url"} {
		if _, ok := c.params[k]; ok {
			sources++
		}
	}
	if c.stream != nil {
		sources++
	}
	if sources != 1 {
		return nil, &Error{Err: driveway.Invalid("content", "give exactly one of content, contentBase64, url or a file part")}
	}
	var it *microsoft.Item
	switch {
	case c.stream != nil:
		size := intParam(c.params, "size", -1)
		if size < 0 {
			return nil, &Error{Err: driveway.Invalid("size", "size is required with a streamed file part")}
		}
		it, err = c.drive().UploadStream(ctx, target, c.stream, size, opts)
	case c.params["url"] != nil:
		it, err = c.saveURL(ctx, target, opts)
	default:
		var b []byte
		if b, err = c.inlineContent(); err != nil {
			return nil, err
		}
		it, err = c.drive().Upload(ctx, target, strings.NewReader(string(b)), int64(len(b)), opts)
	}
	if err != nil {
		return nil, graphError(err, "folder")
	}
	return itemOf(it), nil
}

func (c *call) inlineContent() ([]byte, error) {
	if s, ok := c.params["contentBase64"].(string); ok {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			if b, err = base64.RawStdEncoding.DecodeString(s); err != nil {
				return nil, &Error{Err: driveway.Invalid("contentBase64", "contentBase64 is not valid base64")}
			}
		}
		return b, nil
	}
	return []byte(stringParam(c.params, "content")), nil
}

// saveURL fetches the url parameter through the guarded client and
// uploads it, streamed when the server sends its length, else spooled to a
// temporary file first.
func (c *call) saveURL(ctx context.Context, target microsoft.ItemRef, opts *microsoft.UploadOptions) (*microsoft.Item, error) {
	if c.ex.Fetch == nil {
		return nil, &Error{Err: driveway.Errorf(driveway.EUNAVAILABLE, "saving from a URL is not enabled on this server")}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, stringParam(c.params, "url"), nil)
	if err != nil {
		return nil, &Error{Err: driveway.Invalid("url", "url is not a valid URL")}
	}
	resp, err := c.ex.Fetch.Do(req)
	if err != nil {
		c.ex.logger().InfoContext(ctx, "save file: fetch refused or failed", "err", err)
		return nil, &Error{Err: driveway.Invalid("url", "the URL could not be fetched: it must be a public http(s) address that answers")}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, &Error{Err: driveway.Invalid("url", "fetching the URL answered %d", resp.StatusCode)}
	}
	if resp.ContentLength >= 0 {
		it, err := c.drive().UploadStream(ctx, target, resp.Body, resp.ContentLength, opts)
		return it, fetchError(err)
	}
	f, err := os.CreateTemp("", "driveway-save-*")
	if err != nil {
		return nil, fmt.Errorf("spool url: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	n, err := io.Copy(f, resp.Body)
	if err != nil {
		return nil, fetchError(&microsoft.TransportError{Op: "fetch", Err: err})
	}
	it, err := c.drive().Upload(ctx, target, f, n, opts)
	return it, err
}

// fetchError reports a failed read of the fetched body as the URL's fault.
func fetchError(err error) error {
	var te *microsoft.TransportError
	if err != nil && microsoft.AsGraphError(err) == nil && asTransport(err, &te) && te.Op == "fetch" {
		return &Error{Err: driveway.Invalid("url", "reading the URL's content failed")}
	}
	return err
}

// File content out.

// Downloaded is the output of ONEDRIVE_DOWNLOAD_FILE.
type Downloaded struct {
	File          Item       `json:"file"`
	ContentBase64 *string    `json:"contentBase64,omitempty"`
	DownloadURL   string     `json:"downloadUrl,omitempty"`
	ExpiresAt     *time.Time `json:"expiresAt,omitempty"`
}

func download(ctx context.Context, c *call) (any, error) {
	ref := c.sess.drive.Item(stringParam(c.params, "fileId"))
	switch p := stringParam(c.params, "path"); {
	case p != "" && stringParam(c.params, "fileId") != "":
		return nil, &Error{Err: driveway.Invalid("path", "set fileId or path, not both")}
	case p != "":
		ref = c.sess.drive.Path(p)
	case stringParam(c.params, "fileId") == "":
		return nil, &Error{Err: driveway.Invalid("fileId", "fileId is required (or path)")}
	}
	it, err := c.drive().Get(ctx, ref, nil, "")
	if err != nil {
		return nil, graphError(err, "file")
	}
	if err := checkKind(it, "fileId", false); err != nil {
		return nil, err
	}
	out := Downloaded{File: itemOf(it)}
	if it.Size > c.inline {
		link, exp, err := c.ex.signLink(c.sess, it.ID, it.Name)
		if err != nil {
			return nil, err
		}
		out.DownloadURL, out.ExpiresAt = link, &exp
		return out, nil
	}
	d, err := c.drive().Download(ctx, c.sess.drive.Item(it.ID), nil)
	if err != nil {
		return nil, graphError(err, "file")
	}
	defer d.Body.Close()
	b, err := io.ReadAll(io.LimitReader(d.Body, c.inline+1))
	if err != nil {
		return nil, graphError(err, "file")
	}
	s := base64.StdEncoding.EncodeToString(b)
	out.ContentBase64 = &s
	return out, nil
}
