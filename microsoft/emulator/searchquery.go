package emulator

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
)

// searchRequest is one entry of POST search/query's "requests".
type searchRequest struct {
	EntityTypes []string `json:"entityTypes"`
	Query       struct {
		QueryString string `json:"queryString"`
	} `json:"query"`
	From int `json:"from"`
	Size int `json:"size"`
}

// Page sizes of search/query: the default and the largest a request may
// ask for.
const (
	searchQueryDefaultSize = 25
	searchQueryMaxSize     = 500
)

// searchQuery is POST search/query (Microsoft Search) for driveItem: the
// caller's drive, matched like search(q=) on names (and small files' text
// with SearchContent), every word of queryString a substring (KQL
// property restrictions such as filetype:docx are ignored), paged with
// from and size, each hit's resource a driveItem. Other entity types
// answer 400.
func (e *Emulator) searchQuery(w http.ResponseWriter, r *http.Request, p *principal) {
	if r.Method != http.MethodPost {
		e.writeGraphError(w, r, gerr(405, "Request_BadRequest", "The search API only accepts POST."))
		return
	}
	var body struct {
		Requests []searchRequest `json:"requests"`
	}
	if g := decodeJSON(r, &body); g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	if g := checkSearchRequests(body.Requests); g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	out := make([]any, 0, len(body.Requests))
	for _, q := range body.Requests {
		out = append(out, e.searchResponse(p, q))
	}
	writeJSON(w, 200, map[string]any{"@odata.context": e.GraphURL() + "/$metadata#Collection(microsoft.graph.searchResponse)", "value": out})
}

func checkSearchRequests(reqs []searchRequest) *graphError {
	if len(reqs) == 0 {
		return gerr(400, "BadRequest", "Requests must contain at least one request.")
	}
	for _, q := range reqs {
		switch {
		case len(q.EntityTypes) != 1 || !strings.EqualFold(q.EntityTypes[0], "driveItem"):
			return gerr(400, "BadRequest", "The emulator answers search/query for the driveItem entity type only.")
		case strings.TrimSpace(q.Query.QueryString) == "":
			return gerr(400, "BadRequest", "QueryString cannot be null or empty.")
		case q.From < 0 || q.Size < 0 || q.Size > searchQueryMaxSize:
			return gerr(400, "BadRequest", "from must be at least 0 and size between 0 and 500.")
		}
	}
	return nil
}

// searchResponse runs one request over p's drive.
func (e *Emulator) searchResponse(p *principal, q searchRequest) map[string]any {
	var words, terms []string
	for _, f := range strings.Fields(q.Query.QueryString) {
		if !strings.Contains(f, ":") {
			terms = append(terms, f)
			words = append(words, strings.ToLower(strings.Trim(f, `"*`)))
		}
	}
	size := q.Size
	if size == 0 {
		size = searchQueryDefaultSize
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	d, hits := e.searchHits(p, words)
	from := min(q.From, len(hits))
	end := min(from+size, len(hits))
	out := make([]any, 0, end-from)
	for i, it := range hits[from:end] {
		out = append(out, map[string]any{"hitId": it.ID, "rank": from + i + 1, "summary": "",
			"resource": e.searchResource(d, it)})
	}
	return map[string]any{"searchTerms": terms, "hitsContainers": []any{map[string]any{
		"hits": out, "total": len(hits), "moreResultsAvailable": end < len(hits)}}}
}

// searchHits lists the indexed items of p's drive that match every word,
// by name. Lock held.
func (e *Emulator) searchHits(p *principal, words []string) (*Drive, []*Item) {
	u := e.st.Users[p.UserID]
	if u == nil || len(words) == 0 {
		return nil, nil
	}
	d := e.st.Drives[u.DriveID]
	cutoff := e.Now().Add(-e.opts.SearchIndexDelay)
	var hits []*Item
	for _, it := range d.Items {
		if it.Deleted || it.ParentID == "" || it.Modified.After(cutoff) {
			continue
		}
		if matchWords(strings.ToLower(it.Name), words) || (e.opts.SearchContent && matchContent(it, words)) {
			hits = append(hits, it)
		}
	}
	sort.Slice(hits, func(i, j int) bool { return lessName(hits[i].Name, hits[j].Name) })
	return d, hits
}

// searchResource renders a hit's driveItem with its @odata.type. Lock held.
func (e *Emulator) searchResource(d *Drive, it *Item) map[string]any {
	b, _ := json.Marshal(e.render(d, it, renderOpts{noURL: true}))
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	m["@odata.type"] = "#microsoft.graph.driveItem"
	return m
}
