package emulator

import (
	"context"
	_ "embed"
	"encoding/json"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// The File Picker v8 stand-in: the page Microsoft hosts at
// https://onedrive.live.com/picker (personal accounts) and at
// https://{tenant}-my.sharepoint.com/_layouts/15/FilePicker.aspx (work or
// school), opened by a form POST of access_token to the URL carrying the
// filePicker options, then driven over a MessageChannel (picker.js). The
// page browses the drive through /_api/v2.0/, an alias of the Graph drive
// routes that accepts only a token for the picker's resource: the
// tenant's SharePoint origin, or ConsumerOneDriveResource.

var (
	//go:embed filepicker/page.html
	filePickerHTML string
	//go:embed filepicker/picker.js
	filePickerScript string
	//go:embed filepicker/picker.css
	filePickerStyle string

	filePickerPage = template.Must(template.New("filepicker").Parse(filePickerHTML))
)

// filePickerOptions is the part of the filePicker JSON the page checks on
// the server; the script reads the rest (selection, typesAndSources,
// search, entry).
type filePickerOptions struct {
	SDK       string `json:"sdk"`
	Messaging struct {
		Origin    string `json:"origin"`
		ChannelID string `json:"channelId"`
	} `json:"messaging"`
}

// pickerConfig is what the page's script starts from.
type pickerConfig struct {
	Options  json.RawMessage `json:"options"`
	Token    string          `json:"token,omitempty"`
	Resource string          `json:"resource"`
	Type     string          `json:"type"`
	Personal bool            `json:"personal"`
	APIBase  string          `json:"apiBase"`
	Endpoint string          `json:"endpoint"`
}

// isFilePickerPath reports whether path is one of the picker's pages.
func isFilePickerPath(path string) bool {
	return path == "/picker" || strings.HasSuffix(strings.ToLower(path), "/_layouts/15/filepicker.aspx")
}

// serveFilePicker renders the picker page for the form POST (or a GET
// carrying the same query, with the token to come by authenticate).
func (e *Emulator) serveFilePicker(w http.ResponseWriter, r *http.Request, path string) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	raw := r.Form.Get("filePicker")
	if msg := checkPickerOptions(raw); msg != "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		http.Error(w, "File Picker: "+msg, http.StatusBadRequest)
		return
	}
	cfg := e.pickerConfigFor(r, path == "/picker", raw, r.PostForm.Get("access_token"))
	cfg.APIBase = strings.TrimSuffix(r.URL.EscapedPath(), path) + "/_api/v2.0" // under a mount prefix too
	b, _ := json.Marshal(cfg)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Referrer-Policy", "no-referrer")
	_ = filePickerPage.Execute(w, map[string]any{"Config": template.JS(safeScriptJSON(b)),
		"Personal": cfg.Personal, "Script": template.JS(filePickerScript), "Style": template.CSS(filePickerStyle)})
}

// checkPickerOptions validates the filePicker JSON: SDK 8.x, and a
// messaging origin (an http or https origin) and channel id.
func checkPickerOptions(raw string) string {
	var o filePickerOptions
	if raw == "" {
		return "the filePicker query parameter is missing"
	}
	if err := json.Unmarshal([]byte(raw), &o); err != nil {
		return "filePicker is not valid JSON"
	}
	if !strings.HasPrefix(o.SDK, "8.") {
		return `filePicker.sdk must be "8.0"`
	}
	u, err := url.Parse(o.Messaging.Origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return "filePicker.messaging.origin must be the host page's origin"
	}
	if o.Messaging.ChannelID == "" {
		return "filePicker.messaging.channelId is missing"
	}
	return ""
}

// pickerConfigFor names the resource the page will ask tokens for: the
// consumer OneDrive API for /picker; for FilePicker.aspx the SharePoint
// origin it is served at, else (another host: driveway dev) that of the
// posted token's work or school tenant, or the consumer one.
func (e *Emulator) pickerConfigFor(r *http.Request, personal bool, raw, token string) pickerConfig {
	cfg := pickerConfig{Options: json.RawMessage(raw), Token: token, Personal: true, APIBase: "/_api/v2.0",
		Resource: ConsumerOneDriveResource, Type: "OneDrive", Endpoint: ConsumerOneDriveResource + "/v1.0"}
	if personal {
		return cfg
	}
	if h := hostOnly(r.Host); strings.HasSuffix(h, ".sharepoint.com") {
		cfg.Type, cfg.Resource, cfg.Endpoint, cfg.Personal = "SharePoint", "https://"+h, "https://"+h+"/_api/v2.0", false
		return cfg
	}
	// Not at a Microsoft host (driveway dev serves the picker on its own
	// origin): the posted token's account decides.
	e.mu.Lock()
	defer e.mu.Unlock()
	if at := e.st.AccessTokens[token]; at != nil {
		if t := e.st.Tenants[at.TenantID]; t != nil && !t.Personal {
			res := "https://" + tenantLabel(t) + "-my.sharepoint.com"
			cfg.Type, cfg.Resource, cfg.Endpoint, cfg.Personal = "SharePoint", res, res+"/_api/v2.0", false
		}
	}
	return cfg
}

// safeScriptJSON makes JSON safe inside a <script> element.
func safeScriptJSON(b []byte) string {
	return strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`, "\u2028", `\u2028`, "\u2029", `\u2029`).Replace(string(b))
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return strings.ToLower(h)
	}
	return strings.ToLower(hostport)
}

// pickerAPIKey marks a request to the picker's /_api/v2.0/ alias.
type pickerAPIKey struct{}

// servePickerAPI serves the Graph drive routes under /_api/v2.0/ for the
// picker's own token (authenticate checks its audience).
func (e *Emulator) servePickerAPI(w http.ResponseWriter, r *http.Request, path string) {
	w.Header().Set("Cache-Control", "no-store")
	e.serveGraph(w, r.WithContext(context.WithValue(r.Context(), pickerAPIKey{}, true)), path)
}

// audienceOK reports whether a token's audience fits the request: Graph
// (empty) for Graph, the picker's resource for /_api/v2.0/. Lock held.
func (e *Emulator) audienceOK(r *http.Request, at *accessToken) bool {
	if r.Context().Value(pickerAPIKey{}) == nil {
		return at.Audience == ""
	}
	u := e.st.Users[at.UserID]
	switch {
	case u == nil:
		return false
	case u.TenantID == ConsumersTenantID:
		return at.Audience == ConsumerOneDriveResource
	case !e.tenantSharePoint(u.TenantID, at.Audience):
		return false
	}
	if h := hostOnly(r.Host); strings.HasSuffix(h, ".sharepoint.com") {
		return at.Audience == "https://"+h
	}
	return true
}
