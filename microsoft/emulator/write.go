package emulator

import (
	"encoding/json"
	"io"
	"net/http"
)

// decodeJSON reads a JSON request body (already gunzipped) into v.
func decodeJSON(r *http.Request, v any) *graphError {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return errInvalid("Unable to read the request body.")
	}
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return gerr(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
	}
	return nil
}

// writeItem answers with a rendered driveItem. Lock held; it unlocks.
func (e *Emulator) writeItem(w http.ResponseWriter, t *target, it *Item, status int) {
	j := e.render(t.d, it, renderOpts{})
	j.ODataContext = e.context(t, "items/$entity")
	e.mu.Unlock()
	w.Header().Set("ETag", j.ETag)
	writeJSON(w, status, j)
}

// fail unlocks and writes g.
func (e *Emulator) fail(w http.ResponseWriter, r *http.Request, g *graphError) {
	e.mu.Unlock()
	e.writeGraphError(w, r, g)
}

func (e *Emulator) createFolder(w http.ResponseWriter, r *http.Request, p *principal, t *target) {
	var body struct {
		Name      string          `json:"name"`
		Folder    json.RawMessage `json:"folder"`
		File      json.RawMessage `json:"file"`
		Conflict  string          `json:"@microsoft.graph.conflictBehavior"`
		Conflict2 string          `json:"@name.conflictBehavior"`
	}
	if g := decodeJSON(r, &body); g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	if body.Folder == nil {
		e.writeGraphError(w, r, errInvalid("A folder facet is required to create an item with POST children."))
		return
	}
	conflict := body.Conflict
	if conflict == "" {
		conflict = body.Conflict2
	}
	if conflict == "" {
		conflict = qp(r, "@microsoft.graph.conflictBehavior")
	}
	e.mu.Lock()
	parent, _, _, g := t.resolve()
	if g == nil && (parent == nil || !parent.Folder) {
		g = errNotFound()
	}
	if g != nil {
		e.fail(w, r, g)
		return
	}
	it, status, g := e.mkdir(t.d, parent, body.Name, conflict, p.UserID)
	if g != nil {
		e.fail(w, r, g)
		return
	}
	e.writeItem(w, t, it, status)
}

func (e *Emulator) patchItem(w http.ResponseWriter, r *http.Request, p *principal, t *target) {
	var body itemPatch
	if g := decodeJSON(r, &body); g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	e.mu.Lock()
	it, _, _, g := t.resolve()
	if g == nil && it == nil {
		g = errNotFound()
	}
	if g == nil {
		g = e.checkMatch(r, t.d, it)
	}
	if g == nil {
		g = e.update(t.d, it, body, qp(r, "@microsoft.graph.conflictBehavior"), p.UserID)
	}
	if g != nil {
		e.fail(w, r, g)
		return
	}
	e.writeItem(w, t, it, 200)
}

func (e *Emulator) deleteItem(w http.ResponseWriter, r *http.Request, p *principal, t *target) {
	e.mu.Lock()
	it, _, _, g := t.resolve()
	if g == nil && it == nil {
		g = errNotFound()
	}
	if g == nil {
		g = e.checkMatch(r, t.d, it)
	}
	if g == nil && it.ParentID == "" {
		g = gerr(403, "accessDenied", "The root of a drive cannot be deleted.")
	}
	if g != nil {
		e.fail(w, r, g)
		return
	}
	e.remove(t.d, it, p.UserID)
	e.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) permanentDelete(w http.ResponseWriter, r *http.Request, p *principal, t *target) {
	if t.d.Mode != ModeBusiness {
		e.writeGraphError(w, r, gerr(400, "invalidRequest", "permanentDelete is not supported on OneDrive Personal.", "notSupported"))
		return
	}
	e.mu.Lock()
	it, _, _, g := t.resolve()
	if g == nil && it == nil {
		g = errNotFound()
	}
	if g != nil {
		e.fail(w, r, g)
		return
	}
	e.remove(t.d, it, p.UserID)
	e.purge(t.d, it)
	e.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// putContent is the simple upload: replace by id, or create by path.
func (e *Emulator) putContent(w http.ResponseWriter, r *http.Request, p *principal, t *target) {
	if r.ContentLength > e.opts.SimpleUploadMax {
		e.writeGraphError(w, r, gerr(413, "requestTooLarge", "The request is too large for simple upload; use an upload session.", "maxFileSizeExceeded"))
		return
	}
	bb := newBlobBuilder(e.opts.PersonalSHA256 && t.d.Mode == ModePersonal)
	if err := bb.readFrom(r.Body, e.opts.SimpleUploadMax); err != nil {
		e.writeGraphError(w, r, gerr(413, "requestTooLarge", "The request is too large for simple upload; use an upload session.", "maxFileSizeExceeded"))
		return
	}
	b, qx := bb.done()
	conflict := qp(r, "@microsoft.graph.conflictBehavior")
	e.mu.Lock()
	it, parent, name, g := e.resolveForWrite(t, p.UserID)
	if g == nil {
		g = e.checkMatch(r, t.d, it)
	}
	if g != nil {
		e.fail(w, r, g)
		return
	}
	if it != nil {
		if it.Folder {
			e.fail(w, r, gerr(400, "invalidRequest", "Cannot upload content to a folder."))
			return
		}
		parent, name = t.d.Items[it.ParentID], it.Name
	}
	it, created, g := e.writeFile(t.d, parent, name, b, qx, conflict, p.UserID)
	if g != nil {
		e.fail(w, r, g)
		return
	}
	status := 200
	if created {
		status = 201
	}
	e.writeItem(w, t, it, status)
}
