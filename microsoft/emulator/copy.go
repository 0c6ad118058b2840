package emulator

import (
	"net/http"
	"net/url"
	"time"
)

// copyOp is an asynchronous copy, observed through its monitor URL.
type copyOp struct {
	id                  string
	srcDrive, srcItem   string
	dstDrive, dstParent string
	name, conflict, by  string
	polls               int
	started             time.Time
	status              string // inProgress, completed, failed
	resourceID          string
	errorCode           string
}

// copyCompleteAfter completes copies nobody polls after this much clock time.
const copyCompleteAfter = time.Second

func (e *Emulator) copyItem(w http.ResponseWriter, r *http.Request, p *principal, t *target) {
	var body struct {
		ParentReference *struct {
			DriveID string `json:"driveId"`
			ID      string `json:"id"`
		} `json:"parentReference"`
		Name string `json:"name"`
	}
	if g := decodeJSON(r, &body); g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	conflict := qp(r, "@microsoft.graph.conflictBehavior")
	e.mu.Lock()
	src, _, _, g := t.resolve()
	if g == nil && src == nil {
		g = errNotFound()
	}
	if g != nil {
		e.fail(w, r, g)
		return
	}
	dd, parent := t.d, t.d.Items[src.ParentID]
	if ref := body.ParentReference; ref != nil && ref.ID != "" {
		if ref.DriveID != "" {
			dd = e.driveByID(ref.DriveID)
		}
		parent = nil
		if dd != nil && e.canAccess(p, dd) {
			parent = dd.live(ref.ID)
		}
	}
	if parent == nil || !parent.Folder {
		e.fail(w, r, errInvalid("The copy destination does not exist or is not a folder."))
		return
	}
	name := body.Name
	if name == "" {
		name = src.Name
	}
	if dd.child(parent, name) != nil && conflict != conflictReplace && conflict != conflictRename {
		e.fail(w, r, errNameExists())
		return
	}
	op := &copyOp{id: e.token(18), srcDrive: t.d.ID, srcItem: src.ID, dstDrive: dd.ID, dstParent: parent.ID,
		name: name, conflict: conflict, by: p.UserID, started: e.Now(), status: "inProgress"}
	e.rt.copies[op.id] = op
	e.mu.Unlock()
	w.Header().Set("Location", e.preauth.String()+"/_preauth/monitor/"+url.PathEscape(op.id))
	w.WriteHeader(http.StatusAccepted)
}

func (e *Emulator) serveMonitor(w http.ResponseWriter, r *http.Request, id string) {
	e.mu.Lock()
	op := e.rt.copies[id]
	if op == nil {
		e.mu.Unlock()
		e.writeGraphError(w, r, errNotFound())
		return
	}
	op.polls++
	if op.status == "inProgress" && op.polls > e.opts.CopyPolls {
		e.finishCopy(op)
	}
	body := map[string]any{"operation": "ItemCopy", "status": op.status}
	status := 202
	switch op.status {
	case "inProgress":
		body["percentageComplete"] = float64(op.polls) * 100 / float64(e.opts.CopyPolls+1)
	case "completed":
		body["percentageComplete"], body["resourceId"] = 100.0, op.resourceID
		status = 200
		if e.opts.CopySeeOther {
			loc := e.GraphURL() + "/drives/" + url.PathEscape(op.dstDrive) + "/items/" + url.PathEscape(op.resourceID)
			e.mu.Unlock()
			w.Header().Set("Location", loc)
			w.WriteHeader(http.StatusSeeOther)
			return
		}
	case "failed":
		body["errorCode"] = op.errorCode
		status = 200
	}
	e.mu.Unlock()
	writeJSON(w, status, body)
}

// finishCopy performs the copy. Lock held.
func (e *Emulator) finishCopy(op *copyOp) {
	sd, dd := e.st.Drives[op.srcDrive], e.st.Drives[op.dstDrive]
	var src, parent *Item
	if sd != nil && dd != nil {
		src, parent = sd.live(op.srcItem), dd.live(op.dstParent)
	}
	if src == nil || parent == nil {
		op.status, op.errorCode = "failed", "ItemNotFound"
		return
	}
	name := op.name
	if ex := dd.child(parent, name); ex != nil {
		switch op.conflict {
		case conflictReplace:
			e.remove(dd, ex, op.by)
		case conflictRename:
			name = dd.uniqueName(parent, name, src.Folder)
		default:
			op.status, op.errorCode = "failed", "NameAlreadyExists"
			return
		}
	}
	it := e.copyTree(sd, src, dd, parent, name, op.by)
	op.status, op.resourceID = "completed", it.ID
}

// copyTree copies src (and its subtree) into parent. Lock held.
func (e *Emulator) copyTree(sd *Drive, src *Item, dd *Drive, parent *Item, name, by string) *Item {
	it := e.newItem(dd, parent, name, src.Folder, by)
	if !src.Folder {
		it.Mime, it.Content, it.Size, it.QuickXor, it.SHA256 = src.Mime, src.Content, src.Size, src.QuickXor, src.SHA256
		dd.addSize(it, it.Size)
		e.touch(dd, it, true)
		return it
	}
	for _, c := range sd.sortedChildren(src) {
		e.copyTree(sd, c, dd, it, c.Name, by)
	}
	return it
}

// completeStaleCopies finishes copies nobody has polled for a while. Lock held.
func (e *Emulator) completeStaleCopies() {
	now := e.Now()
	for _, op := range e.rt.copies {
		if op.status == "inProgress" && now.Sub(op.started) >= copyCompleteAfter {
			e.finishCopy(op)
		}
	}
}
