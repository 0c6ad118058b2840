package emulator

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	fragmentUnit = 320 << 10 // non-final fragments must be multiples of 320 KiB
	fragmentMax  = 60 << 20  // each fragment must be smaller than 60 MiB
)

// uploadSession is a resumable upload in progress.
type uploadSession struct {
	mu       sync.Mutex // serialises fragments
	id       string
	driveID  string
	parentID string
	name     string
	itemID   string // existing file being replaced, if addressed by id
	conflict string
	deferred bool
	by       string
	total    int64 // -1 until the first fragment
	bb       *blobBuilder
	expires  time.Time
	ready    bool // all bytes in, waiting for an explicit commit
	// fsInfo and description are the item properties the session was
	// created with (driveItemUploadableProperties), set at commit.
	fsInfo      *fsInfoPatch
	description *string
}

func (s *uploadSession) received() int64 { return s.bb.b.size }

func (e *Emulator) createUploadSession(w http.ResponseWriter, r *http.Request, p *principal, t *target) {
	var body struct {
		Item struct {
			Conflict string `json:"@microsoft.graph.conflictBehavior"`
			Name     string `json:"name"`
			FileSize int64  `json:"fileSize"`
			// driveItemUploadableProperties: https://learn.microsoft.com/en-us/graph/api/resources/driveitemuploadableproperties
			FileSystemInfo *fsInfoPatch `json:"fileSystemInfo"`
			Description    *string      `json:"description"`
		} `json:"item"`
		DeferCommit bool `json:"deferCommit"`
	}
	if g := decodeJSON(r, &body); g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	e.mu.Lock()
	it, parent, name, g := e.resolveForWrite(t, p.UserID)
	if g == nil {
		g = e.checkMatch(r, t.d, it)
	}
	if g == nil && it != nil && it.Folder {
		g = errInvalid("Cannot create an upload session on a folder.")
	}
	if g == nil && body.Item.Name != "" && it == nil && !strings.EqualFold(body.Item.Name, name) {
		g = errInvalid("The name in the request body does not match the name in the URL.")
	}
	if g == nil && it != nil && body.Item.Conflict == conflictFail && len(t.path) > 0 {
		g = errNameExists()
	}
	if g == nil && !t.d.fits(body.Item.FileSize) {
		g = gerr(507, "quotaLimitReached", "Insufficient Space Available", "quota")
	}
	if g != nil {
		e.fail(w, r, g)
		return
	}
	s := &uploadSession{id: e.token(24), driveID: t.d.ID, conflict: body.Item.Conflict, deferred: body.DeferCommit,
		fsInfo: body.Item.FileSystemInfo, description: body.Item.Description,
		by: p.UserID, total: -1, bb: newBlobBuilder(e.opts.PersonalSHA256 && t.d.Mode == ModePersonal), expires: e.Now().Add(e.opts.UploadSessionLifetime)}
	if it != nil {
		s.itemID, s.parentID, s.name = it.ID, it.ParentID, it.Name
	} else {
		s.parentID, s.name = parent.ID, name
	}
	e.rt.uploads[s.id] = s
	e.mu.Unlock()
	writeJSON(w, 200, map[string]any{
		"@odata.context":     e.GraphURL() + "/$metadata#microsoft.graph.uploadSession",
		"uploadUrl":          e.uploadURL(s.id),
		"expirationDateTime": isoTime(s.expires, ModePersonal),
		"nextExpectedRanges": []string{"0-"},
	})
}

func (e *Emulator) uploadURL(id string) string {
	return e.preauth.String() + "/_preauth/upload/" + url.PathEscape(id)
}

// session returns a live upload session. Lock not held.
func (e *Emulator) session(id string) *uploadSession {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.rt.uploads[id]
	if s != nil && !e.Now().Before(s.expires) {
		delete(e.rt.uploads, id)
		return nil
	}
	return s
}

func (e *Emulator) serveUploadURL(w http.ResponseWriter, r *http.Request, id string) {
	s := e.session(id)
	if s == nil {
		e.writeGraphError(w, r, gerr(404, "itemNotFound", "The upload session was not found.", "uploadSessionNotFound"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.Method {
	case "PUT":
		e.putFragment(w, r, s)
	case "GET":
		writeJSON(w, 200, e.sessionStatus(s))
	case "DELETE":
		e.mu.Lock()
		delete(e.rt.uploads, s.id)
		e.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case "POST":
		if !s.ready {
			e.writeGraphError(w, r, gerr(400, "invalidRequest", "The upload session is incomplete.", "uploadSessionIncomplete"))
			return
		}
		e.commitSession(w, r, s, "")
	default:
		e.writeGraphError(w, r, gerr(405, "notAllowed", "Method not allowed."))
	}
}

func (e *Emulator) sessionStatus(s *uploadSession) map[string]any {
	ranges := []string{strconv.FormatInt(s.received(), 10) + "-"}
	if s.ready {
		ranges = []string{}
	}
	return map[string]any{"expirationDateTime": isoTime(s.expires, ModePersonal), "nextExpectedRanges": ranges}
}

var contentRangeRE = regexp.MustCompile(`^bytes (\d+)-(\d+)/(\d+|\*)$`)

// fragment is a parsed Content-Range.
type fragment struct{ start, end, total, n int64 }

// parseFragment checks a fragment's headers against the session. s.mu held.
func parseFragment(r *http.Request, s *uploadSession) (fragment, *graphError) {
	m := contentRangeRE.FindStringSubmatch(strings.TrimSpace(r.Header.Get("Content-Range")))
	if m == nil {
		return fragment{}, errInvalid("Invalid Content-Range header value.")
	}
	var fr fragment
	fr.start, _ = strconv.ParseInt(m[1], 10, 64)
	fr.end, _ = strconv.ParseInt(m[2], 10, 64)
	fr.total = -1
	if m[3] != "*" {
		fr.total, _ = strconv.ParseInt(m[3], 10, 64)
	}
	fr.n = fr.end - fr.start + 1
	switch {
	case fr.end < fr.start || fr.total == 0 || (fr.total > 0 && fr.end >= fr.total):
		return fr, errInvalid("Invalid Content-Range header value.")
	case r.ContentLength >= 0 && r.ContentLength != fr.n:
		return fr, errInvalid("The Content-Range and Content-Length headers do not agree.")
	case fr.n >= fragmentMax:
		return fr, gerr(413, "requestTooLarge", "Fragments must be smaller than 60 MiB.", "maxFragmentLengthExceeded")
	case s.total >= 0 && fr.total >= 0 && fr.total != s.total:
		return fr, gerr(400, "invalidRequest", "The declared total size changed.", "fragmentLengthMismatch")
	case fr.start < s.received() || s.ready:
		return fr, gerr(416, "invalidRange", "The uploaded fragment overlaps with data that has already been received.", "fragmentOverlap")
	case fr.start > s.received():
		return fr, gerr(416, "invalidRange", "The fragment is out of order.", "fragmentOutOfOrder")
	case fr.total >= 0 && fr.end+1 < fr.total && fr.n%fragmentUnit != 0:
		return fr, errInvalid("Non-final fragments must be a multiple of 320 KiB (327,680 bytes).")
	}
	return fr, nil
}

// putFragment appends one fragment. s.mu held.
func (e *Emulator) putFragment(w http.ResponseWriter, r *http.Request, s *uploadSession) {
	fr, g := parseFragment(r, s)
	if g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	buf := make([]byte, fr.n)
	if _, err := io.ReadFull(r.Body, buf); err != nil {
		e.writeGraphError(w, r, errInvalid("The request body is shorter than Content-Range says."))
		return
	}
	if fr.total >= 0 {
		s.total = fr.total
	}
	s.bb.add(buf)
	if s.total < 0 || s.received() < s.total {
		writeJSON(w, 202, e.sessionStatus(s))
		return
	}
	if s.deferred {
		s.ready = true
		writeJSON(w, 202, e.sessionStatus(s))
		return
	}
	e.commitSession(w, r, s, "")
}

// commitSession turns a complete session into a file. s.mu held.
func (e *Emulator) commitSession(w http.ResponseWriter, r *http.Request, s *uploadSession, conflict string) {
	b, qx := s.bb.done()
	if conflict == "" {
		conflict = s.conflict
	}
	e.mu.Lock()
	d := e.st.Drives[s.driveID]
	var parent *Item
	if d != nil {
		parent = d.live(s.parentID)
	}
	if parent == nil {
		e.fail(w, r, gerr(404, "itemNotFound", "The parent folder no longer exists.", "uploadSessionFailed"))
		return
	}
	if conflict == "" && s.itemID != "" {
		conflict = conflictReplace
	}
	it, created, g := e.writeFile(d, parent, s.name, b, qx, conflict, s.by)
	if g != nil {
		// The session stays, complete, so an explicit commit (PUT with
		// @microsoft.graph.sourceUrl and another conflictBehavior) can recover.
		s.ready = true
		e.fail(w, r, g)
		return
	}
	s.fsInfo.apply(it)
	if s.description != nil {
		it.Description = *s.description
	}
	delete(e.rt.uploads, s.id)
	status := 200
	if created {
		status = 201
	}
	e.writeItem(w, &target{d: d}, it, status)
}

// commitBySourceURL is the personal-style explicit commit: PUT to the item
// path with "@microsoft.graph.sourceUrl" naming the upload URL.
func (e *Emulator) commitBySourceURL(w http.ResponseWriter, r *http.Request, p *principal, t *target) {
	var body struct {
		Source   string `json:"@microsoft.graph.sourceUrl"`
		Conflict string `json:"@microsoft.graph.conflictBehavior"`
	}
	if g := decodeJSON(r, &body); g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	_, id, ok := strings.Cut(body.Source, "/_preauth/upload/")
	if !ok {
		e.writeGraphError(w, r, errInvalid("@microsoft.graph.sourceUrl must name an upload session."))
		return
	}
	s := e.session(unescape(id))
	if s == nil {
		e.writeGraphError(w, r, gerr(404, "itemNotFound", "The upload session was not found.", "uploadSessionNotFound"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ready {
		e.writeGraphError(w, r, gerr(400, "invalidRequest", "The upload session is incomplete.", "uploadSessionIncomplete"))
		return
	}
	e.commitSession(w, r, s, body.Conflict)
}
