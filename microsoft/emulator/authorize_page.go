package emulator

import (
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

type pickerUser struct {
	ID, UPN, DisplayName, Kind string
	Checked                    bool
}

// renderPicker shows the account picker and consent page. Lock held.
func (e *Emulator) renderPicker(w http.ResponseWriter, ar *authzRequest) {
	var users []pickerUser
	hint := e.userByLogin(ar.loginHint)
	for _, u := range e.usersSorted() {
		if !ar.matchTenant(u) {
			continue
		}
		kind := "Work or school account"
		if u.TenantID == ConsumersTenantID {
			kind = "Personal Microsoft account"
		}
		users = append(users, pickerUser{ID: u.ID, UPN: u.UPN, DisplayName: u.DisplayName, Kind: kind,
			Checked: hint != nil && hint.ID == u.ID})
	}
	if hint == nil && len(users) > 0 {
		users[0].Checked = true
	}
	var hidden []struct{ Name, Value string }
	for k, vs := range ar.params {
		if k == "emu_action" || k == "emu_user" {
			continue
		}
		for _, v := range vs {
			hidden = append(hidden, struct{ Name, Value string }{k, v})
		}
	}
	data := map[string]any{"App": ar.app.Name, "Users": users, "Scopes": ar.scopes, "Hidden": hidden,
		"Action": e.LoginURL() + "/" + url.PathEscape(ar.tenant) + ar.endpoint}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pages.ExecuteTemplate(w, "picker.html", data)
}

// renderFormPost auto-submits the response parameters to the redirect URI.
func (e *Emulator) renderFormPost(w http.ResponseWriter, redirect string, v url.Values) {
	var fields []struct{ Name, Value string }
	for k := range v {
		fields = append(fields, struct{ Name, Value string }{k, v.Get(k)})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pages.ExecuteTemplate(w, "form_post.html", map[string]any{"Action": redirect, "Fields": fields})
}

// errorPage shows a sign-in error page (no redirect). Lock held.
func (e *Emulator) errorPage(w http.ResponseWriter, a aadError) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	_ = pages.ExecuteTemplate(w, "error.html", map[string]any{"Code": a.Code, "Error": a.Error,
		"Message": "AADSTS" + strconv.Itoa(a.Code) + ": " + a.Message})
}

func itoa(n int) string { return strconv.Itoa(n) }
