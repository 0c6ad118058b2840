package microsoft

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// UploadSession is Graph's upload session. UploadURL is pre-authenticated
// (a secret: never log it) and takes no Authorization header.
type UploadSession struct {
	UploadURL          string    `json:"uploadUrl,omitempty"`
	ExpirationDateTime time.Time `json:"expirationDateTime,omitzero"`
	// NextExpectedRanges are the missing ranges, e.g. ["26-"]; empty once
	// every byte arrived.
	NextExpectedRanges []string `json:"nextExpectedRanges"`
}

// CreateUploadSession opens an upload session for the file at target
// (POST {target}/createUploadSession). Most callers want Upload.
func (c *DriveClient) CreateUploadSession(ctx context.Context, target ItemRef, conflict, ifMatch string) (*UploadSession, error) {
	if err := checkConflict(conflict); err != nil {
		return nil, err
	}
	p, err := target.urlPath("createUploadSession")
	if err != nil {
		return nil, err
	}
	item := map[string]any{}
	if conflict != "" {
		item["@microsoft.graph.conflictBehavior"] = conflict
	}
	rq := &request{method: http.MethodPost, url: c.graphURL(p, ""), body: jsonBody(map[string]any{"item": item}),
		contentType: "application/json", header: ifMatchHeader(ifMatch)}
	var s UploadSession
	if _, err := c.doJSON(ctx, rq, &s); err != nil {
		return nil, fmt.Errorf("create upload session: %w", err)
	}
	if s.UploadURL == "" {
		return nil, errors.New("create upload session: graph gave no upload url")
	}
	return &s, nil
}

// UploadSessionStatus reads a session's state (GET {uploadUrl}).
func (c *DriveClient) UploadSessionStatus(ctx context.Context, uploadURL string) (*UploadSession, error) {
	var s UploadSession
	rq := &request{method: http.MethodGet, url: uploadURL, noAuth: true, idempotent: true}
	if _, err := c.doJSON(ctx, rq, &s); err != nil {
		return nil, fmt.Errorf("upload session status: %w", err)
	}
	return &s, nil
}

// CancelUploadSession deletes a session (DELETE {uploadUrl}).
func (c *DriveClient) CancelUploadSession(ctx context.Context, uploadURL string) error {
	rq := &request{method: http.MethodDelete, url: uploadURL, noAuth: true, idempotent: true}
	if _, err := c.doJSON(ctx, rq, nil); err != nil {
		return fmt.Errorf("cancel upload session: %w", err)
	}
	return nil
}

func (c *DriveClient) sessionUpload(ctx context.Context, target ItemRef, src *uploadSource, o *UploadOptions) (it *Item, err error) {
	s, err := c.CreateUploadSession(ctx, target, o.Conflict, o.IfMatch)
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	defer func() {
		if err != nil {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cancelTimeout)
			defer cancel()
			_ = c.CancelUploadSession(cctx, s.UploadURL)
		}
	}()
	src.startStream(ctx, c.opts.ChunkSize)
	defer src.stop()
	return c.sendFragments(ctx, target, s.UploadURL, src, o)
}

// sendFragments sends the source in order. After a failure it asks the
// session where to go on (nextExpectedRanges) instead of trusting its own
// offset, so bytes Graph committed are skipped and bytes it lost are resent.
func (c *DriveClient) sendFragments(ctx context.Context, target ItemRef, uploadURL string, src *uploadSource, o *UploadOptions) (*Item, error) {
	var off int64
	failures := 0
	for {
		n := int(min(c.opts.ChunkSize, src.size-off))
		bodyFn, err := src.fragment(off, n)
		if err != nil {
			return nil, err
		}
		hashed := make(chan error, 1)
		go func() { hashed <- src.hashFragment(off, n) }()
		it, next, closed, err := c.putFragment(ctx, uploadURL, src.size, bodyFn, off, n)
		if herr := <-hashed; herr != nil {
			return nil, herr
		}
		if !closed {
			src.pin(off, n) // the transport may still be reading the buffer
		}
		if err == nil && it != nil {
			return it, nil
		}
		if err == nil && next > off {
			off, failures = next, 0
			if o.Progress != nil {
				o.Progress(off)
			}
			continue
		}
		if err == nil {
			err = fmt.Errorf("graph expects byte %d after a fragment at %d", next, off)
		}
		wait, retry := c.fragmentWait(err, failures)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !retry {
			return nil, fmt.Errorf("upload fragment at %d: %w", off, err)
		}
		failures++
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
		resumed, it, err := c.resumeAt(ctx, target, uploadURL, src, off+int64(n) == src.size)
		if err != nil || it != nil {
			return it, err
		}
		off = resumed
	}
}

// putFragment sends the n bytes at off. It returns the item once the last
// fragment is committed, or the next offset Graph expects, and whether the
// transport is done with the body.
func (c *DriveClient) putFragment(ctx context.Context, uploadURL string, total int64, bodyFn func() io.Reader, off int64, n int) (*Item, int64, bool, error) {
	if err := c.gate.wait(ctx); err != nil {
		return nil, 0, true, err
	}
	body := &trackedBody{r: bodyFn()}
	rq := &request{method: http.MethodPut, url: uploadURL, noAuth: true, size: int64(n),
		bodyFn: func() io.Reader { return body },
		header: http.Header{"Content-Range": {fmt.Sprintf("bytes %d-%d/%d", off, off+int64(n)-1, total)}}}
	_, resp, err := c.roundTrip(ctx, rq)
	closed := body.closed.Load()
	if err != nil {
		return nil, 0, closed, err
	}
	if resp.StatusCode >= 400 {
		ge := readGraphError(resp)
		if ge.RetryAfter > 0 && ge.throttled() {
			c.gate.hold(ge.RetryAfter)
		}
		return nil, 0, closed, ge
	}
	if resp.StatusCode == http.StatusAccepted {
		var s UploadSession
		if _, err := decodeBody(resp, &s); err != nil {
			return nil, 0, closed, err
		}
		next := off + int64(n)
		if len(s.NextExpectedRanges) > 0 {
			next, err = rangeStart(s.NextExpectedRanges[0])
		}
		return nil, next, closed, err
	}
	var it Item
	if _, err := decodeBody(resp, &it); err != nil {
		return nil, 0, closed, err
	}
	return &it, 0, closed, nil
}

// fragmentWait decides whether a failed fragment is retried and after
// how long: dropped connections, 416 (ask the session), throttling and
// 5xx are; anything else (404 session gone, 409 name clash at commit, 507
// quota) is not.
func (c *DriveClient) fragmentWait(err error, failures int) (time.Duration, bool) {
	if failures >= c.opts.MaxRetries {
		return 0, false
	}
	var te *TransportError
	if errors.As(err, &te) {
		return backoff(failures), true
	}
	ge := AsGraphError(err)
	if ge == nil {
		return 0, false
	}
	switch ge.Status {
	case http.StatusRequestedRangeNotSatisfiable:
		return 0, true
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout, 509:
		wait := ge.RetryAfter
		if wait == 0 {
			wait = backoff(failures)
		}
		return wait, wait <= c.opts.MaxRetryAfter
	}
	return 0, false
}

// resumeAt asks the session for the first missing byte. When the session
// is gone after the last fragment was sent, the commit may have happened
// with its answer lost: the target is read back and accepted when its size
// matches (the hash is checked afterwards).
func (c *DriveClient) resumeAt(ctx context.Context, target ItemRef, uploadURL string, src *uploadSource, sentLast bool) (int64, *Item, error) {
	s, err := c.UploadSessionStatus(ctx, uploadURL)
	if err != nil {
		if sentLast && IsNotFound(err) {
			if it, gerr := c.Get(ctx, target, nil, ""); gerr == nil && it.Size == src.size {
				return 0, it, nil
			}
		}
		return 0, nil, fmt.Errorf("upload: resume: %w", err)
	}
	if len(s.NextExpectedRanges) == 0 {
		return 0, nil, errors.New("upload: resume: graph holds every byte but did not commit the file")
	}
	off, err := rangeStart(s.NextExpectedRanges[0])
	return off, nil, err
}

// rangeStart parses the start of "12345-" or "12345-55232".
func rangeStart(r string) (int64, error) {
	start, _, _ := strings.Cut(r, "-")
	n, err := strconv.ParseInt(strings.TrimSpace(start), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("upload: malformed nextExpectedRanges %q", r)
	}
	return n, nil
}

// decodeBody reads a JSON answer into v.
func decodeBody(resp *http.Response, v any) (*http.Response, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxJSONBody))
	if err != nil {
		return nil, &TransportError{Op: "read answer", Err: errors.New("answer cut short")}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("graph answered %d with malformed JSON", resp.StatusCode)
	}
	return resp, nil
}

// trackedBody is a request body that records when the transport closed it.
type trackedBody struct {
	r      io.Reader
	closed atomic.Bool
}

func (b *trackedBody) Read(p []byte) (int, error) { return b.r.Read(p) }

func (b *trackedBody) Close() error {
	b.closed.Store(true)
	return nil
}
