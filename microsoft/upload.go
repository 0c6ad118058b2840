package microsoft

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/drivewayhq/driveway/microsoft/quickxor"
)

// UploadOptions tune Upload and UploadStream. The zero value replaces an
// existing file of the same name (Graph's default for content writes).
type UploadOptions struct {
	// Conflict is ConflictFail, ConflictRename or ConflictReplace; empty
	// leaves Graph's default (replace).
	Conflict string
	// IfMatch makes Graph refuse (412) when the existing file's eTag
	// differs.
	IfMatch string
	// QuickXorHash, when set, is the base64 QuickXorHash the caller expects
	// (computed earlier from the source). Otherwise the hash of the bytes
	// sent is used. Either way it is compared with Graph's.
	QuickXorHash string
	// Progress, when set, is called with the number of bytes Graph has
	// committed, after every fragment.
	Progress func(committed int64)
}

// HashMismatchError reports that Graph's QuickXorHash of the uploaded file
// differs from the expected one. The file exists in the drive (Item).
type HashMismatchError struct {
	Want, Got string
	Item      *Item
}

func (e *HashMismatchError) Error() string {
	return fmt.Sprintf("upload: quickXorHash mismatch: want %s, graph has %s", e.Want, e.Got)
}

// Upload writes size bytes read from src to the file at target: a path
// (ByPath("/a/b.txt")), a name below a folder id (ItemRef{ID: parent,
// Path: "b.txt"}), or an existing file id (replaced). Files up to
// SimpleUploadMax (4 MiB) and empty files go in one PUT; larger ones
// through an upload session, in fragments of ChunkSize that are resumed
// from Graph's nextExpectedRanges after a 416, 5xx, throttling or a dropped
// connection, so committed bytes are never sent twice. The session is
// cancelled when the upload fails. The QuickXorHash is checked: a
// difference is a *HashMismatchError.
func (c *DriveClient) Upload(ctx context.Context, target ItemRef, src io.ReaderAt, size int64, o *UploadOptions) (*Item, error) {
	return c.upload(ctx, target, &uploadSource{ra: src, size: size}, o)
}

// UploadStream is Upload from a reader that cannot seek (a request body).
// It reads ahead while it sends, holding two fragments (2 × ChunkSize
// bytes) in memory: enough to resend a fragment Graph did
// not commit; committed bytes are never needed again. After a failure one
// Read of r may still be in flight when UploadStream returns (an
// http.Request.Body tolerates that).
func (c *DriveClient) UploadStream(ctx context.Context, target ItemRef, r io.Reader, size int64, o *UploadOptions) (*Item, error) {
	return c.upload(ctx, target, &uploadSource{r: r, size: size}, o)
}

func (c *DriveClient) upload(ctx context.Context, target ItemRef, src *uploadSource, o *UploadOptions) (*Item, error) {
	if o == nil {
		o = &UploadOptions{}
	}
	if err := checkConflict(o.Conflict); err != nil {
		return nil, err
	}
	if src.size < 0 {
		return nil, errors.New("upload: size must be known")
	}
	src.h = quickxor.New()
	var it *Item
	var err error
	if src.size <= c.opts.SimpleUploadMax {
		it, err = c.simpleUpload(ctx, target, src, o)
	} else {
		it, err = c.sessionUpload(ctx, target, src, o)
	}
	if err != nil {
		return nil, err
	}
	return c.verifyHash(ctx, target.Drive, it, src, o)
}

// simpleUpload sends the whole file in one PUT {target}/content.
func (c *DriveClient) simpleUpload(ctx context.Context, target ItemRef, src *uploadSource, o *UploadOptions) (*Item, error) {
	p, err := target.urlPath("content")
	if err != nil {
		return nil, err
	}
	src.startStream(ctx, src.size)
	defer src.stop()
	n := int(src.size)
	bodyFn, err := src.fragment(0, n)
	if err == nil {
		err = src.hashFragment(0, n)
	}
	if err != nil {
		return nil, err
	}
	query := ""
	if o.Conflict != "" {
		query = "@microsoft.graph.conflictBehavior=" + o.Conflict
	}
	rq := &request{method: http.MethodPut, url: c.graphURL(p, query), contentType: "application/octet-stream",
		header: ifMatchHeader(o.IfMatch), idempotent: o.Conflict != ConflictRename}
	if n > 0 {
		rq.bodyFn, rq.size = bodyFn, src.size
	}
	var it Item
	if _, err := c.doJSON(ctx, rq, &it); err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	if o.Progress != nil {
		o.Progress(src.size)
	}
	return &it, nil
}

// verifyHash compares Graph's QuickXorHash with the expected one. Graph
// may leave the hash out just after an upload: the item is read once more,
// and if it is still missing the upload is accepted unverified.
func (c *DriveClient) verifyHash(ctx context.Context, d DriveRef, it *Item, src *uploadSource, o *UploadOptions) (*Item, error) {
	want := o.QuickXorHash
	if want == "" {
		want = base64.StdEncoding.EncodeToString(src.h.Sum(nil))
	}
	got := it.QuickXorHash()
	if got == "" && it.ID != "" {
		if again, err := c.Get(ctx, d.Item(it.ID), nil, ""); err == nil {
			it, got = again, again.QuickXorHash()
		}
	}
	if got != "" && got != want {
		return it, &HashMismatchError{Want: want, Got: got, Item: it}
	}
	return it, nil
}

// cancelTimeout bounds the DELETE of a failed upload session.
const cancelTimeout = 10 * time.Second
