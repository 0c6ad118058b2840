package dashboard

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageNames are the templates under templates/, each rendered inside
// layout.html.
var pageNames = []string{"login", "error", "projects", "project", "onedrive", "signing_keys", "api_keys", "users", "file_change", "audit"}

type pageTemplate = template.Template

var funcs = template.FuncMap{
	"date":         func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	"datetime":     func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"secretLabel":  secretLabel,
	"eventSummary": eventSummary,
}

func mustParsePages() map[string]*pageTemplate {
	out := map[string]*pageTemplate{}
	for _, name := range pageNames {
		out[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return out
}

func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	files := http.StripPrefix(Prefix+"/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=300")
		files.ServeHTTP(w, r)
	})
}

// view is what every page template receives.
type view struct {
	Title   string
	CSRF    string
	Authed  bool
	Project *driveway.Project // set on a project's pages: shows its tabs
	Tab     string            // the current tab: "project", "onedrive", "signing-keys", "api-keys"
	Flash   string            // a success message
	Error   string            // a form-level error
	Errors  map[string]string // field name → message
	Data    any               // the page's own data
	// Alarm is the project's integration alarm, shown on every project page
	// but the OneDrive page (which explains it in full).
	Alarm *driveway.IntegrationAlarm
}

// render executes page into a buffer first, so a template error becomes a
// clean 500 rather than half a page.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	if s := sessionFrom(r.Context()); s != nil {
		v.CSRF, v.Authed = s.CSRF, s.Auth
	}
	if v.Project != nil && v.Tab != "onedrive" {
		if in, err := h.opts.Admin.Store.GetIntegration(r.Context(), v.Project.ID); err == nil {
			v.Alarm = in.Alarm
		}
	}
	var buf bytes.Buffer
	if err := h.pages[page].ExecuteTemplate(&buf, "layout", v); err != nil {
		h.log.Error("dashboard: render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

type errorPage struct {
	Status  int
	Message string
}

func (h *handler) renderError(w http.ResponseWriter, r *http.Request, status int, title, message string) {
	h.render(w, r, status, "error", &view{Title: title, Data: errorPage{Status: status, Message: message}})
}

// fail renders the page for an error that is not a form's field error:
// 404 for ENOTFOUND, 400 for other domain errors the caller may fix, and a
// logged 500 for the rest.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch driveway.ErrorCode(err) {
	case driveway.ENOTFOUND:
		h.renderError(w, r, http.StatusNotFound, "Not found", driveway.ErrorMessage(err))
	case driveway.EINVALID, driveway.ECONFLICT:
		h.renderError(w, r, http.StatusBadRequest, "Cannot do that", driveway.ErrorMessage(err))
	default:
		h.log.Error("dashboard: request failed", "path", r.URL.Path, "err", err)
		h.renderError(w, r, http.StatusInternalServerError, "Something went wrong", "An internal error occurred; the details are in the server log.")
	}
}

// fieldErrors turns an EINVALID error into field messages, naming each
// field as the form does (through formField); the second result is false
// for any other error. An error whose field has no form field becomes the
// form-level message under "".
func fieldErrors(err error, formField func(apiField string) string) (map[string]string, bool) {
	var e *driveway.Error
	if !errors.As(err, &e) || e.Code != driveway.EINVALID {
		return nil, false
	}
	return map[string]string{formField(e.Field): e.Message}, true
}

// secretLabel shows a client secret as "…abcd, expires 2027-01-31 (N days
// left)".
func secretLabel(s admin.SecretView) string {
	when := s.ExpiresAt.UTC().Format("2006-01-02")
	switch {
	case s.Expired:
		return fmt.Sprintf("…%s, expired %s", s.Hint, when)
	case s.DaysLeft == 1:
		return fmt.Sprintf("…%s, expires %s (1 day left)", s.Hint, when)
	}
	return fmt.Sprintf("…%s, expires %s (%d days left)", s.Hint, when, s.DaysLeft)
}

// setFieldErrors shows field messages beside their fields and a summary
// (or the message of an error without a form field) at the top.
func (v *view) setFieldErrors(m map[string]string) {
	v.Errors = m
	if msg, ok := m[""]; ok {
		v.Error = msg
		return
	}
	v.Error = "Not saved: see the message next to the field."
}

// redirect answers a successful form with 303 See Other.
func redirect(w http.ResponseWriter, r *http.Request, path string) {
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// projectPath is the dashboard path of a project's page; sub is "" or a
// tab such as "/onedrive".
func projectPath(pid, sub string) string {
	return Prefix + "/projects/" + url.PathEscape(pid) + sub
}
