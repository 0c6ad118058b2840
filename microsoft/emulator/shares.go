package emulator

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
)

// EncodeSharingURL returns the shares/{id} form of a sharing URL as
// Microsoft documents it: "u!" + unpadded base64url of the URL.
func EncodeSharingURL(u string) string {
	return "u!" + base64.RawURLEncoding.EncodeToString([]byte(u))
}

// serveShare routes shares/{id}[/driveItem|/root][/action]. id is a
// shareId the emulator handed out ("u!" + a link token, see
// permissionJSON) or an encoded sharing URL: a link's webUrl, which lets
// any signed-in caller read the item, or an item's webUrl, which needs
// access to its drive. Writes need an edit link or access to the drive.
func (e *Emulator) serveShare(w http.ResponseWriter, r *http.Request, p *principal, rest []string) {
	e.mu.Lock()
	d, it, link := e.findShare(unescape(rest[0]))
	g := shareAccess(e, p, d, link, r.Method)
	if g != nil {
		e.fail(w, r, g)
		return
	}
	if len(rest) == 1 {
		body := map[string]any{"@odata.context": e.GraphURL() + "/$metadata#shares/$entity", "id": rest[0],
			"name": it.Name, "owner": e.identity(d.OwnerID)}
		e.mu.Unlock()
		writeJSON(w, 200, body)
		return
	}
	e.mu.Unlock()
	if rest[1] != "driveItem" && rest[1] != "root" {
		e.writeGraphError(w, r, gerr(400, "BadRequest", "Resource not found for the segment '"+rest[1]+"'."))
		return
	}
	t := &target{d: d, base: it, prefix: "/drives/" + d.ID, head: r.Method == http.MethodHead,
		action: strings.Join(rest[2:], "/")}
	e.serveDriveTarget(w, r, p, t)
}

// shareAccess decides whether p may use a share with method. Lock held.
func shareAccess(e *Emulator, p *principal, d *Drive, link *SharingLink, method string) *graphError {
	switch {
	case d == nil:
		return gerr(404, "itemNotFound", "The sharing link could not be found.")
	case e.canAccess(p, d):
		return nil
	case link == nil:
		return gerr(403, "accessDenied", "Access denied")
	case !link.Expires.IsZero() && e.Now().After(link.Expires):
		return gerr(403, "accessDenied", "The sharing link has expired.")
	case link.Scope == "organization" && e.st.Users[d.OwnerID].TenantID != p.TenantID:
		return gerr(403, "accessDenied", "Access denied")
	case link.Scope == "users" && (p.UserID == "" || !slices.Contains(link.Recipients, p.UserID)):
		return gerr(403, "accessDenied", "Access denied")
	case method != http.MethodGet && method != http.MethodHead && link.Type != "edit":
		return gerr(403, "accessDenied", "The sharing link does not allow edits.")
	}
	return nil
}

// findShare finds the item a share id names, and the sharing link when it
// names one. Lock held.
func (e *Emulator) findShare(id string) (*Drive, *Item, *SharingLink) {
	enc, ok := strings.CutPrefix(id, "u!")
	if !ok {
		return nil, nil, nil
	}
	var shareURL string
	if b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(enc, "=")); err == nil {
		shareURL = string(b)
	}
	for _, d := range e.st.Drives {
		for _, it := range d.Items {
			if it.Deleted {
				continue
			}
			for i := range it.Links {
				l := &it.Links[i]
				if l.Token == enc || (shareURL != "" && shareURL == e.shareURL(d, it, l.Token)) {
					return d, it, l
				}
			}
			if shareURL != "" && strings.EqualFold(strings.TrimRight(shareURL, "/"), e.webURL(d, it)) {
				return d, it, nil
			}
		}
	}
	return nil, nil, nil
}
