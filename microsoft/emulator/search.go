package emulator

import (
	"net/http"
	"sort"
	"strings"
)

// searchQuery extracts q from "search(q='...')", unescaping ” to '.
func searchQuery(action string) (string, bool) {
	s := unescape(action)
	start := strings.Index(s, "q='")
	end := strings.LastIndex(s, "')")
	if start < 0 || end < start+3 {
		return "", false
	}
	return strings.ReplaceAll(s[start+3:end], "''", "'"), true
}

// search matches names (case-insensitive, every word as a substring; with
// SearchContent also the text of small files) of
// items under the addressed folder that have been "indexed", i.e. changed at
// least SearchIndexDelay ago.
func (e *Emulator) search(w http.ResponseWriter, r *http.Request, t *target) {
	q, ok := searchQuery(t.action)
	if !ok {
		e.writeGraphError(w, r, errInvalid("Invalid search query; expected search(q='text')."))
		return
	}
	top, g := e.pageSize(r)
	if g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	words := strings.Fields(strings.ToLower(strings.ReplaceAll(q, "*", "")))
	e.mu.Lock()
	scope, _, _, g := t.resolve()
	if g == nil && scope == nil {
		g = errNotFound()
	}
	if g != nil {
		e.fail(w, r, g)
		return
	}
	cutoff := e.Now().Add(-e.opts.SearchIndexDelay)
	var hits []*Item
	for _, it := range t.d.Items {
		if it.Deleted || it.ParentID == "" || it.Modified.After(cutoff) || !t.d.isAncestor(scope, it) {
			continue
		}
		if matchWords(strings.ToLower(it.Name), words) || (e.opts.SearchContent && matchContent(it, words)) {
			hits = append(hits, it)
		}
	}
	sort.Slice(hits, func(i, j int) bool { return lessName(hits[i].Name, hits[j].Name) })
	off := min(decodeSkip(qp(r, "skiptoken")), len(hits))
	end := min(off+top, len(hits))
	vals := []any{}
	for _, it := range hits[off:end] {
		j := e.render(t.d, it, renderOpts{noURL: true})
		j.SearchResult = &struct{}{}
		vals = append(vals, selectFields(j, qp(r, "select")))
	}
	e.mu.Unlock()
	body := map[string]any{"@odata.context": e.GraphURL() + "/$metadata#Collection(driveItem)", "value": vals}
	if end < len(hits) {
		body["@odata.nextLink"] = e.selfLink(r, "$skiptoken", encodeSkip(end))
	}
	writeJSON(w, 200, body)
}

func matchWords(name string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(name, w) {
			return false
		}
	}
	return len(words) > 0
}

// matchContent matches words in the text of a small file.
func matchContent(it *Item, words []string) bool {
	if it.Folder || it.Content == nil || it.Size > 1<<20 {
		return false
	}
	return matchWords(strings.ToLower(string(it.Content.bytes())), words)
}
