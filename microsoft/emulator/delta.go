package emulator

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// deltaCursor is what a delta token encodes.
type deltaCursor struct {
	DriveID string
	Epoch   int64
	After   int64 // changes with seq > After are pending
	Full    bool  // a first enumeration: skip tombstones older than Start
	Start   int64
}

func (c deltaCursor) encode() string {
	full := 0
	if c.Full {
		full = 1
	}
	s := fmt.Sprintf("%s|%d|%d|%d|%d", c.DriveID, c.Epoch, c.After, full, c.Start)
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

func decodeCursor(tok string) (deltaCursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return deltaCursor{}, false
	}
	var c deltaCursor
	var full int
	parts := strings.Split(string(b), "|")
	if len(parts) != 5 {
		return c, false
	}
	c.DriveID = parts[0]
	if _, err := fmt.Sscanf(strings.Join(parts[1:], " "), "%d %d %d %d", &c.Epoch, &c.After, &full, &c.Start); err != nil {
		return c, false
	}
	c.Full = full == 1
	return c, true
}

// deltaToken extracts the token from ?token= or from delta(token='...').
func deltaToken(r *http.Request, action string) string {
	if tok := r.URL.Query().Get("token"); tok != "" {
		return tok
	}
	if i := strings.Index(action, "token="); i >= 0 {
		return strings.Trim(strings.TrimSuffix(unescape(action[i+len("token="):]), ")"), "'")
	}
	return ""
}

func (e *Emulator) delta(w http.ResponseWriter, r *http.Request, t *target) {
	top, g := e.pageSize(r)
	if g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	tok := deltaToken(r, t.action)
	e.mu.Lock()
	scope, _, _, g := t.resolve()
	if g == nil && (scope == nil || !scope.Folder) {
		g = errNotFound()
	}
	if g != nil {
		e.fail(w, r, g)
		return
	}
	d := t.d
	cur := deltaCursor{DriveID: d.ID, Epoch: d.Epoch, Full: true}
	switch tok {
	case "":
	case "latest":
		cur.After, cur.Full = d.Seq, false
		e.mu.Unlock()
		e.writeDeltaPage(w, r, t, nil, cur, true)
		return
	default:
		c, ok := decodeCursor(tok)
		if !ok || c.DriveID != d.ID || c.Epoch != d.Epoch || e.rt.invalid[tok] {
			e.mu.Unlock()
			w.Header().Set("Location", e.selfLink(r, "token", ""))
			e.writeGraphError(w, r, gerr(410, "resyncRequired", "Resync required. Replace any local items with the server's version (including deletes) if you're sure that the service was up to date with your local changes when you last sync'd. Upload any local changes that the server doesn't know about.", "resyncChangesReplaceWithServer"))
			return
		}
		cur = c
	}
	if cur.Full && cur.After == 0 {
		cur.Start = d.Seq
	}
	vals, last := e.collectDelta(d, scope, cur, top, qp(r, "select"))
	done := last < 0
	if !done {
		cur.After = last
	} else {
		cur.After, cur.Full = d.Seq, false
	}
	e.mu.Unlock()
	e.writeDeltaPage(w, r, t, vals, cur, done)
}

// collectDelta gathers up to top changed items after cur.After, each
// preceded by its not-yet-sent ancestors. last is the seq of the last
// entry consumed, or -1 when the log was exhausted. Lock held.
func (e *Emulator) collectDelta(d *Drive, scope *Item, cur deltaCursor, top int, sel string) (vals []any, last int64) {
	d.compactLog()
	i := sort.Search(len(d.log), func(i int) bool { return d.log[i].seq > cur.After })
	sent := map[string]bool{}
	n := 0
	for ; i < len(d.log); i++ {
		en := d.log[i]
		it := d.Items[en.id]
		if it == nil || it.Seq != en.seq {
			continue
		}
		if it.Deleted && cur.Full && it.Seq <= cur.Start {
			continue
		}
		if !d.isAncestor(scope, it) {
			continue
		}
		if n == top {
			return vals, d.log[i-1].seq
		}
		for _, a := range d.ancestors(it, scope) {
			if !sent[a.ID] && !a.Deleted {
				sent[a.ID] = true
				vals = append(vals, selectFields(e.render(d, a, renderOpts{delta: true}), sel))
			}
		}
		sent[it.ID] = true
		vals = append(vals, selectFields(e.render(d, it, renderOpts{delta: true}), sel))
		n++
	}
	return vals, -1
}

// ancestors returns it's ancestors from scope down (excluding it). Lock held.
func (d *Drive) ancestors(it *Item, scope *Item) []*Item {
	if it.ID == scope.ID {
		return nil
	}
	var out []*Item
	for p := d.Items[it.ParentID]; p != nil; p = d.Items[p.ParentID] {
		out = append(out, p)
		if p.ID == scope.ID {
			break
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// compactLog drops stale log entries when the log has grown large. Lock held.
func (d *Drive) compactLog() {
	if len(d.log) < 2*len(d.Items)+1024 {
		return
	}
	out := d.log[:0]
	for _, en := range d.log {
		if it := d.Items[en.id]; it != nil && it.Seq == en.seq {
			out = append(out, en)
		}
	}
	d.log = out
}

func (e *Emulator) writeDeltaPage(w http.ResponseWriter, r *http.Request, t *target, vals []any, cur deltaCursor, done bool) {
	if vals == nil {
		vals = []any{}
	}
	body := map[string]any{"@odata.context": e.GraphURL() + "/$metadata#Collection(driveItem)", "value": vals}
	link := e.selfLink(r, "token", cur.encode())
	if strings.Contains(t.action, "(") { // function form: keep the link in query form
		link = strings.Replace(link, "/"+t.action, "/delta", 1)
	}
	if done {
		body["@odata.deltaLink"] = link
	} else {
		body["@odata.nextLink"] = link
	}
	writeJSON(w, 200, body)
}

// InvalidateDeltaTokens makes every delta token of a drive answer 410
// resyncRequired.
func (e *Emulator) InvalidateDeltaTokens(driveID string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	d := e.driveByID(driveID)
	if d == nil {
		return fmt.Errorf("invalidate delta: no drive %s", driveID)
	}
	d.Epoch++
	e.changed()
	return nil
}
