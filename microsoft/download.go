package microsoft

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// DownloadOptions tune Download. The zero value reads the whole file.
type DownloadOptions struct {
	// Offset is the first byte to read; Length the number of bytes (zero:
	// to the end). They become a Range request.
	Offset, Length int64
	// IfNoneMatch is an eTag or cTag: Download returns ErrNotModified
	// while the file still has it.
	IfNoneMatch string
	// MaxResumes bounds how often a dropped connection is resumed
	// (default the client's MaxRetries).
	MaxResumes int
}

// Download is a file's content being streamed.
type Download struct {
	// Body yields the bytes. After a dropped connection it asks for the
	// rest with a Range request from the last byte received, as long as the
	// file's ETag is unchanged. Close it.
	Body io.ReadCloser
	// Size is the file's total size, Length the bytes Body yields (-1 if
	// unknown).
	Size, Length int64
	ContentType  string
	ETag         string
}

// Download streams the content of the file at ref: GET {item}/content
// with the bearer token, then the pre-authenticated URL Graph redirects to
// (302) without it.
func (c *DriveClient) Download(ctx context.Context, ref ItemRef, o *DownloadOptions) (*Download, error) {
	if o == nil {
		o = &DownloadOptions{}
	}
	if o.Offset < 0 || o.Length < 0 {
		return nil, errors.New("download: offset and length must not be negative")
	}
	r := &resumingReader{c: c, ctx: ctx, ref: ref, pos: o.Offset, end: -1, max: o.MaxResumes, inm: o.IfNoneMatch}
	if o.Length > 0 {
		r.end = o.Offset + o.Length
	}
	if r.max <= 0 {
		r.max = c.opts.MaxRetries
	}
	if err := r.open(true); err != nil {
		return nil, err
	}
	d := &Download{Body: r, Size: r.size, Length: -1, ContentType: r.ctype, ETag: r.etag}
	if r.size >= 0 {
		end := r.size
		if r.end >= 0 {
			end = min(r.end, r.size)
		}
		d.Length = end - o.Offset
	}
	return d, nil
}

// DownloadURL asks Graph where the content of ref is (the 302 of
// GET {item}/content) without reading it. The URL is pre-authenticated
// for a short time: a secret.
func (c *DriveClient) DownloadURL(ctx context.Context, ref ItemRef, ifNoneMatch string) (string, error) {
	p, err := ref.urlPath("content")
	if err != nil {
		return "", err
	}
	rq := &request{method: http.MethodGet, url: c.graphURL(p, ""), idempotent: true}
	if ifNoneMatch != "" {
		rq.header = http.Header{"If-None-Match": {ifNoneMatch}}
	}
	resp, err := c.send(ctx, rq)
	if err != nil {
		return "", fmt.Errorf("download: %w", err)
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return "", ErrNotModified
	case resp.StatusCode/100 == 3 && resp.Header.Get("Location") != "":
		return resp.Request.URL.ResolveReference(mustParse(resp.Header.Get("Location"))).String(), nil
	}
	return "", fmt.Errorf("download: graph answered %d without a location", resp.StatusCode)
}

// resumingReader reads [pos, end) of a file, reopening after errors.
type resumingReader struct {
	c     *DriveClient
	ctx   context.Context
	ref   ItemRef
	url   string
	pos   int64 // next byte to read
	end   int64 // exclusive end, -1 for the end of the file
	size  int64
	max   int
	tries int
	inm   string
	etag  string
	ctype string
	body  io.ReadCloser
	err   error // a read error to resume from on the next Read
}

func (r *resumingReader) Read(p []byte) (int, error) {
	for {
		if r.err != nil {
			if err := r.resume(); err != nil {
				return 0, err
			}
		}
		if r.body == nil || r.done() {
			return 0, io.EOF
		}
		if r.end >= 0 && int64(len(p)) > r.end-r.pos {
			p = p[:r.end-r.pos]
		}
		n, err := r.body.Read(p)
		r.pos += int64(n)
		switch {
		case err == io.EOF && (r.size < 0 || r.done()):
			return n, io.EOF
		case err != nil:
			r.err = err // io.EOF short of the size is a cut too
		}
		if n > 0 {
			return n, nil
		}
	}
}

func (r *resumingReader) done() bool {
	return (r.end >= 0 && r.pos >= r.end) || (r.size >= 0 && r.pos >= r.size)
}

func (r *resumingReader) resume() error {
	cause := r.err
	r.err = nil
	r.body.Close()
	r.body = nil
	if r.ctx.Err() != nil {
		return r.ctx.Err()
	}
	if r.tries >= r.max {
		return fmt.Errorf("download: connection lost at byte %d: %w", r.pos, cause)
	}
	r.tries++
	if err := sleep(r.ctx, backoff(r.tries-1)); err != nil {
		return err
	}
	return r.open(false)
}

// open fetches [pos, end) from the pre-authenticated URL. On a resume
// (first false) an expired URL is replaced once by a fresh one from Graph;
// the ETag check in accept then refuses a file that changed meanwhile.
func (r *resumingReader) open(first bool) error {
	fresh := r.url == ""
	if fresh {
		inm := r.inm
		if !first {
			inm = ""
		}
		u, err := r.c.DownloadURL(r.ctx, r.ref, inm)
		if err != nil {
			return err
		}
		r.url = u
	}
	resp, err := r.fetch()
	if err != nil && !first && !fresh && isExpiredURL(err) {
		r.url = ""
		return r.open(false)
	}
	if err != nil {
		return err
	}
	return r.accept(resp, first)
}

func (r *resumingReader) fetch() (*http.Response, error) {
	h := http.Header{}
	if r.pos > 0 || r.end >= 0 {
		rng := fmt.Sprintf("bytes=%d-", r.pos)
		if r.end >= 0 {
			rng += strconv.FormatInt(r.end-1, 10)
		}
		h.Set("Range", rng)
	}
	if r.inm != "" && r.etag == "" {
		h.Set("If-None-Match", r.inm)
	}
	resp, err := r.c.send(r.ctx, &request{method: http.MethodGet, url: r.url, noAuth: true, idempotent: true, header: h})
	if err != nil {
		return nil, fmt.Errorf("download: %w", err)
	}
	return resp, nil
}

// accept checks an answer of the download URL and takes its body.
func (r *resumingReader) accept(resp *http.Response, first bool) error {
	etag := resp.Header.Get("ETag")
	switch {
	case resp.StatusCode == http.StatusNotModified:
		resp.Body.Close()
		return ErrNotModified
	case !first && r.etag != "" && etag != "" && etag != r.etag:
		resp.Body.Close()
		return errors.New("download: the file changed while it was being read")
	case resp.StatusCode == http.StatusPartialContent:
		start, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != r.pos {
			resp.Body.Close()
			return errors.New("download: the server answered another range than asked")
		}
		r.size = total
	case resp.StatusCode == http.StatusOK:
		r.size = resp.ContentLength
		if r.pos > 0 { // Range ignored: skip what we have
			if _, err := io.CopyN(io.Discard, resp.Body, r.pos); err != nil {
				resp.Body.Close()
				return fmt.Errorf("download: skip to byte %d: %w", r.pos, err)
			}
		}
	default:
		resp.Body.Close()
		return fmt.Errorf("download: unexpected status %d", resp.StatusCode)
	}
	if first {
		r.etag, r.ctype = etag, resp.Header.Get("Content-Type")
	}
	r.body = resp.Body
	return nil
}

// parseContentRange reads "bytes 10-99/100".
func parseContentRange(v string) (start, total int64, ok bool) {
	rest, found := strings.CutPrefix(v, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, tot, found := strings.Cut(rest, "/")
	s, _, found2 := strings.Cut(rng, "-")
	if !found || !found2 {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(s, 10, 64)
	total, err2 := strconv.ParseInt(tot, 10, 64)
	if tot == "*" {
		total, err2 = -1, nil
	}
	return start, total, err1 == nil && err2 == nil
}

// isExpiredURL reports an answer meaning the pre-authenticated URL is no
// longer valid.
func isExpiredURL(err error) bool {
	ge := AsGraphError(err)
	return ge != nil && (ge.Status == http.StatusUnauthorized || ge.Status == http.StatusForbidden ||
		ge.Status == http.StatusNotFound || ge.Status == http.StatusGone)
}

func (r *resumingReader) Close() error {
	if r.body != nil {
		return r.body.Close()
	}
	return nil
}
