package emulator

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// qp returns a query option given with or without its "$" prefix.
func qp(r *http.Request, name string) string {
	q := r.URL.Query()
	if v := q.Get("$" + name); v != "" {
		return v
	}
	return q.Get(name)
}

// checkMatch enforces If-Match, and If-None-Match: * on writes (412). Lock held.
func (e *Emulator) checkMatch(r *http.Request, d *Drive, it *Item) *graphError {
	if r.Method != "GET" && r.Method != "HEAD" && r.Header.Get("If-None-Match") == "*" && it != nil {
		return errPrecondition() // create-only write onto an existing item
	}
	m := r.Header.Get("If-Match")
	if m == "" || m == "*" {
		return nil
	}
	if it == nil {
		return errPrecondition()
	}
	if m != d.eTag(it) && m != d.cTag(it) {
		return errPrecondition()
	}
	return nil
}

// notModified reports whether If-None-Match matches the item's tags. Lock held.
func notModified(r *http.Request, d *Drive, it *Item) bool {
	m := r.Header.Get("If-None-Match")
	return m != "" && (m == "*" || m == d.eTag(it) || m == d.cTag(it))
}

func (e *Emulator) context(t *target, suffix string) string {
	return e.GraphURL() + "/$metadata#drives('" + url.PathEscape(t.d.ID) + "')/" + suffix
}

func (e *Emulator) getItem(w http.ResponseWriter, r *http.Request, t *target) {
	e.mu.Lock()
	it, _, _, g := t.resolve()
	if g == nil && it == nil {
		g = errNotFound()
	}
	if g != nil {
		e.mu.Unlock()
		e.writeGraphError(w, r, g)
		return
	}
	if notModified(r, t.d, it) {
		e.mu.Unlock()
		w.Header().Set("ETag", t.d.eTag(it))
		w.WriteHeader(http.StatusNotModified)
		return
	}
	j := e.render(t.d, it, renderOpts{expand: strings.Contains(qp(r, "expand"), "children")})
	j.ODataContext = e.context(t, "items/$entity")
	e.mu.Unlock()
	w.Header().Set("ETag", j.ETag)
	writeJSON(w, 200, selectFields(j, qp(r, "select")))
}

func (e *Emulator) listChildren(w http.ResponseWriter, r *http.Request, t *target) {
	if qp(r, "filter") != "" {
		e.writeGraphError(w, r, errInvalid("$filter is not supported on children."))
		return
	}
	less, desc, g := orderBy(t.d.Mode, qp(r, "orderby"))
	if g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	top, g := e.pageSize(r)
	if g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	e.mu.Lock()
	it, _, _, g := t.resolve()
	if g == nil && (it == nil || !it.Folder) {
		g = errNotFound()
	}
	if g != nil {
		e.mu.Unlock()
		e.writeGraphError(w, r, g)
		return
	}
	kids := t.d.sortedChildren(it)
	if less != nil {
		sort.SliceStable(kids, func(i, j int) bool { return less(kids[i], kids[j]) })
	}
	if desc {
		for i, j := 0, len(kids)-1; i < j; i, j = i+1, j-1 {
			kids[i], kids[j] = kids[j], kids[i]
		}
	}
	off := decodeSkip(qp(r, "skiptoken"))
	if off > len(kids) {
		off = len(kids)
	}
	end := min(off+top, len(kids))
	vals := make([]any, 0, end-off)
	sel := qp(r, "select")
	for _, c := range kids[off:end] {
		vals = append(vals, selectFields(e.render(t.d, c, renderOpts{}), sel))
	}
	e.mu.Unlock()
	body := map[string]any{"@odata.context": e.context(t, "items"), "value": vals}
	if end < len(kids) {
		body["@odata.nextLink"] = e.selfLink(r, "$skiptoken", encodeSkip(end))
	}
	writeJSON(w, 200, body)
}

// pageSize returns $top bounded by MaxPageSize, or the default page size.
func (e *Emulator) pageSize(r *http.Request) (int, *graphError) {
	s := qp(r, "top")
	if s == "" {
		return e.opts.PageSize, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, errInvalid("Invalid $top value.")
	}
	return min(n, e.opts.MaxPageSize), nil
}

// selfLink returns the request URL on the external Graph base with one
// query parameter replaced.
func (e *Emulator) selfLink(r *http.Request, key, val string) string {
	q := r.URL.Query()
	q.Del(strings.TrimPrefix(key, "$"))
	q.Set(key, val)
	return e.base.String() + e.stripPrefix(r) + "?" + q.Encode()
}

func encodeSkip(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("Paged=TRUE&p_SortBehavior=0&p_ID=" + strconv.Itoa(n)))
}

func decodeSkip(s string) int {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0
	}
	_, v, _ := strings.Cut(string(b), "p_ID=")
	n, _ := strconv.Atoi(v)
	return max(n, 0)
}

func (e *Emulator) serveDrive(w http.ResponseWriter, r *http.Request, p *principal, d *Drive) {
	e.mu.Lock()
	body := e.driveJSON(d)
	e.mu.Unlock()
	body["@odata.context"] = e.GraphURL() + "/$metadata#drives/$entity"
	writeJSON(w, 200, selectFields(body, qp(r, "select")))
}

// driveJSON renders a drive. Lock held.
func (e *Emulator) driveJSON(d *Drive) map[string]any {
	used := d.Items[d.RootID].Size
	deleted := d.deletedBytes()
	remaining := d.Quota - used - deleted
	state := "normal"
	switch {
	case remaining*100 < d.Quota:
		state = "critical"
	case remaining*10 < d.Quota:
		state = "nearing"
	}
	if remaining <= 0 {
		state = "exceeded"
	}
	quota := map[string]any{"total": d.Quota, "used": used, "remaining": remaining, "deleted": deleted, "state": state}
	if d.Mode == ModeBusiness {
		quota["fileCount"] = d.fileCount()
	}
	owner := e.identity(d.OwnerID)
	name := "OneDrive"
	if d.Mode == ModeBusiness {
		name = "Documents"
	}
	if d.Name != "" {
		name = d.Name
	}
	return map[string]any{"id": d.ID, "driveType": d.driveType(), "name": name, "description": "",
		"createdDateTime": isoTime(d.Created, d.Mode), "lastModifiedDateTime": isoTime(d.Items[d.RootID].Modified, d.Mode),
		"webUrl": e.webURL(d, d.Items[d.RootID]), "owner": owner, "createdBy": owner, "quota": quota}
}

func (e *Emulator) serveDrives(w http.ResponseWriter, r *http.Request, p *principal) {
	e.mu.Lock()
	var vals []any
	if u := e.st.Users[p.UserID]; u != nil {
		vals = append(vals, e.driveJSON(e.st.Drives[u.DriveID]))
	}
	e.mu.Unlock()
	writeJSON(w, 200, map[string]any{"@odata.context": e.GraphURL() + "/$metadata#drives", "value": vals})
}

func (e *Emulator) serveUser(w http.ResponseWriter, r *http.Request, p *principal, segs []string) {
	id := p.UserID
	if segs[0] == "users" {
		id = unescape(segs[1])
	}
	e.mu.Lock()
	u := e.userByLogin(id)
	ok := u != nil && (u.ID == p.UserID || u.TenantID == p.TenantID)
	var body map[string]any
	if ok {
		body = map[string]any{"@odata.context": e.GraphURL() + "/$metadata#users/$entity", "id": u.ID,
			"displayName": u.DisplayName, "userPrincipalName": u.UPN, "mail": u.Mail,
			"givenName": nil, "surname": nil, "jobTitle": nil, "businessPhones": []string{},
			"mobilePhone": nil, "officeLocation": nil, "preferredLanguage": nil}
	}
	e.mu.Unlock()
	if !ok {
		if id == "" {
			e.writeGraphError(w, r, gerr(400, "BadRequest", "/me request is only valid with delegated authentication flow."))
			return
		}
		e.writeGraphError(w, r, gerr(404, "Request_ResourceNotFound", "Resource '"+id+"' does not exist or one of its queried reference-property objects are not present."))
		return
	}
	writeJSON(w, 200, selectFields(body, qp(r, "select")))
}

// specialNames maps special folder names to their display names.
var specialNames = map[string]string{"documents": "Documents", "photos": "Pictures", "cameraroll": "Camera Roll",
	"approot": "Apps", "music": "Music", "desktop": "Desktop"}

// special returns a special folder, creating it on first access unless
// create is false (HEAD does not create). Lock held.
func (e *Emulator) special(d *Drive, p *principal, name string, create bool) (*Item, *graphError) {
	display, ok := specialNames[name]
	if !ok {
		return nil, errNotFound()
	}
	key := name
	if name == "approot" {
		key = "approot:" + p.ClientID
	}
	if it := d.live(d.Special[key]); it != nil {
		return it, nil
	}
	if !create {
		return nil, errNotFound()
	}
	parent := d.Items[d.RootID]
	if name == "approot" {
		apps := d.child(parent, "Apps")
		if apps == nil {
			apps = e.newItem(d, parent, "Apps", true, p.UserID)
		}
		parent, display = apps, "App"
		if a := e.st.Apps[p.ClientID]; a != nil {
			display = a.Name
		}
	}
	it := d.child(parent, display)
	if it == nil {
		it = e.newItem(d, parent, display, true, p.UserID)
	}
	it.Special = name
	d.Special[key] = it.ID
	return it, nil
}

// orderBy parses $orderby: name everywhere; size and lastModifiedDateTime
// only on personal drives (business supports name only). less is nil for name.
func orderBy(mode, ob string) (less func(a, b *Item) bool, desc bool, g *graphError) {
	field, dir, _ := strings.Cut(strings.TrimSpace(ob), " ")
	switch strings.TrimSpace(dir) {
	case "", "asc":
	case "desc":
		desc = true
	default:
		return nil, false, errInvalid("The $orderby value '" + ob + "' is not supported.")
	}
	switch {
	case field == "" || field == "name":
		return nil, desc, nil
	case field == "size" && mode == ModePersonal:
		return func(a, b *Item) bool { return a.Size < b.Size }, desc, nil
	case field == "lastModifiedDateTime" && mode == ModePersonal:
		return func(a, b *Item) bool { return a.Modified.Before(b.Modified) }, desc, nil
	}
	return nil, false, errInvalid("The $orderby value '" + ob + "' is not supported.")
}
