package proxy

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"sync"
)

// replay streams a request body to the upstream and keeps what it read,
// up to max bytes, so that the body can be sent once more after a 401 and
// a refresh. Each attempt reads the kept bytes first, then the rest of the
// inbound body; an older attempt's reader fails once a newer one exists.
type replay struct {
	mu       sync.Mutex
	src      io.ReadCloser
	kept     []byte
	max      int64
	overflow bool // more than max bytes were read: no replay
	srcDone  bool
	gen      int
}

func newReplay(src io.ReadCloser, max int64) *replay {
	return &replay{src: src, max: max}
}

var errStaleAttempt = errors.New("request body: superseded by a retry")

// attempt returns the body of the next attempt.
func (r *replay) attempt() io.ReadCloser {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gen++
	return &attemptBody{r: r, gen: r.gen}
}

// restart returns the body of the next attempt when every byte read so
// far is kept; the previous attempt's reader fails from then on.
func (r *replay) restart() (io.ReadCloser, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.overflow {
		return nil, false
	}
	r.gen++
	return &attemptBody{r: r, gen: r.gen}, true
}

type attemptBody struct {
	r   *replay
	gen int
	off int
}

func (a *attemptBody) Read(p []byte) (int, error) {
	r := a.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if a.gen != r.gen {
		return 0, errStaleAttempt
	}
	if a.off < len(r.kept) {
		n := copy(p, r.kept[a.off:])
		a.off += n
		return n, nil
	}
	if r.srcDone {
		return 0, io.EOF
	}
	n, err := r.src.Read(p)
	if n > 0 && !r.overflow {
		if int64(len(r.kept)+n) > r.max {
			r.overflow, r.kept = true, nil
		} else {
			r.kept = append(r.kept, p[:n]...)
			a.off = len(r.kept)
		}
	}
	if err == io.EOF {
		r.srcDone = true
	}
	return n, err
}

// Close does not close the inbound body: the server does, and a retry may
// still need it.
func (a *attemptBody) Close() error { return nil }

// autoContentType replaces "Content-Type: auto" (sent by the Connect SDK's
// request()) with application/json when the body starts like JSON, with
// application/octet-stream otherwise, and removes it without a body.
func autoContentType(r *http.Request) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		r.Header.Del("Content-Type")
		return
	}
	head := make([]byte, 0, 512)
	buf := make([]byte, 512)
	var err error
	for len(head) < cap(head) && err == nil {
		var n int
		n, err = r.Body.Read(buf[:cap(head)-len(head)])
		head = append(head, buf[:n]...)
		if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 {
			break
		}
	}
	t := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(head) == 0 && err == io.EOF:
		r.Header.Del("Content-Type")
	case len(t) > 0 && (t[0] == '{' || t[0] == '['):
		r.Header.Set("Content-Type", "application/json")
	default:
		r.Header.Set("Content-Type", "application/octet-stream")
	}
	r.Body = readCloser{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
}

type readCloser struct {
	io.Reader
	io.Closer
}
