package action

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
)

// DownloadRoute is the public route of signed download links. The
// signature, not a user token, authorizes it.
const DownloadRoute = "GET /projects/{pid}/actions/downloads/{token}"

// linkClaims is what a download link is bound to.
type linkClaims struct {
	Project string `json:"p"`
	Cred    string `json:"c"`
	DriveID string `json:"d,omitempty"`
	SiteID  string `json:"s,omitempty"`
	Item    string `json:"i"`
	Name    string `json:"n,omitempty"`
	Expires int64  `json:"e"`
}

const linkContext = "driveway download link v1\x00"

// DeriveLinkKey derives a LinkKey from secret material every node already
// shares (for example the DRIVEWAY_SECRET_KEYS value), so that links need
// no configuration of their own: HMAC-SHA256(secret, a fixed label).
// Changing the secret ends the links in flight (they live LinkTTL).
func DeriveLinkKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("driveway download link key v1"))
	return m.Sum(nil)
}

func (e *Executor) linkMAC(payload string) []byte {
	m := hmac.New(sha256.New, e.LinkKey)
	m.Write([]byte(linkContext + payload))
	return m.Sum(nil)
}

// signLink returns a link to the content of item, valid for LinkTTL.
func (e *Executor) signLink(s *session, item, name string) (string, time.Time, error) {
	if len(e.LinkKey) < 32 || e.PublicURL == "" {
		return "", time.Time{}, &Error{Err: driveway.Errorf(driveway.EUNAVAILABLE,
			"the file is too large to return inline and download links are not configured on this server")}
	}
	exp := e.now().Add(e.linkTTL()).Truncate(time.Second)
	b, _ := json.Marshal(linkClaims{Project: s.projectID, Cred: s.credID, DriveID: s.drive.DriveID, SiteID: s.drive.SiteID, Item: item, Name: name, Expires: exp.Unix()})
	payload := base64.RawURLEncoding.EncodeToString(b)
	tok := payload + "." + base64.RawURLEncoding.EncodeToString(e.linkMAC(payload))
	return strings.TrimSuffix(e.PublicURL, "/") + "/projects/" + url.PathEscape(s.projectID) + "/actions/downloads/" + tok, exp, nil
}

// verifyLink checks a token's signature, project and expiry.
func (e *Executor) verifyLink(pid, tok string) (*linkClaims, error) {
	bad := &Error{Err: driveway.Errorf(driveway.ENOTFOUND, "this download link is not valid or has expired")}
	payload, sig, ok := strings.Cut(tok, ".")
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || len(e.LinkKey) < 32 || !hmac.Equal(mac, e.linkMAC(payload)) {
		return nil, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	var c linkClaims
	if err != nil || json.Unmarshal(b, &c) != nil || c.Project != pid || e.now().Unix() >= c.Expires {
		return nil, bad
	}
	return &c, nil
}

// ServeDownload serves DownloadRoute: it checks the link and streams the
// file's bytes from Graph (a single Range is honoured). No Graph token or
// pre-authenticated URL reaches the caller.
func (e *Executor) ServeDownload(w http.ResponseWriter, r *http.Request) {
	c, err := e.verifyLink(r.PathValue("pid"), r.PathValue("token"))
	if err != nil {
		writeError(w, r, e, err)
		return
	}
	client, err := e.linkClient(r, c)
	if err != nil {
		writeError(w, r, e, err)
		return
	}
	ref := microsoft.ItemRef{Drive: microsoft.DriveRef{DriveID: c.DriveID, SiteID: c.SiteID}, ID: c.Item}
	opts, partial := rangeOf(r.Header.Get("Range"))
	d, err := client.Download(r.Context(), ref, opts)
	if err != nil {
		writeError(w, r, e, graphError(err, "file"))
		return
	}
	defer d.Body.Close()
	h := w.Header()
	h.Set("Content-Type", nonEmptyOr(d.ContentType, "application/octet-stream"))
	h.Set("Cache-Control", "private, no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", "attachment")
	if cd := mime.FormatMediaType("attachment", map[string]string{"filename": c.Name}); c.Name != "" && cd != "" {
		h.Set("Content-Disposition", cd)
	}
	h.Set("Accept-Ranges", "bytes")
	if d.Length >= 0 {
		h.Set("Content-Length", strconv.FormatInt(d.Length, 10))
	}
	status := http.StatusOK
	if partial && d.Length >= 0 {
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", opts.Offset, opts.Offset+d.Length-1, d.Size))
		status = http.StatusPartialContent
	}
	w.WriteHeader(status)
	buf := make([]byte, 256<<10)
	_, _ = copyBuffer(w, d.Body, buf)
}

// linkClient checks that the link's credential is still usable in its
// project and returns its drive client.
func (e *Executor) linkClient(r *http.Request, c *linkClaims) (*microsoft.DriveClient, error) {
	_, cred, err := e.Tokens.AccessToken(r.Context(), c.Project, c.Cred)
	if err != nil || cred == nil || cred.ProjectID != c.Project {
		return nil, &Error{Err: driveway.Errorf(driveway.ENOTFOUND, "this download link is no longer valid")}
	}
	return e.client(r.Context(), c.Project, c.Cred)
}

// rangeOf reads a single "bytes=a-b" or "bytes=a-" range.
func rangeOf(h string) (*microsoft.DownloadOptions, bool) {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil, false
	}
	a, b, _ := strings.Cut(spec, "-")
	from, err := strconv.ParseInt(a, 10, 64)
	if err != nil || from < 0 {
		return nil, false
	}
	o := &microsoft.DownloadOptions{Offset: from}
	if b != "" {
		to, err := strconv.ParseInt(b, 10, 64)
		if err != nil || to < from {
			return nil, false
		}
		o.Length = to - from + 1
	}
	return o, true
}

func nonEmptyOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
