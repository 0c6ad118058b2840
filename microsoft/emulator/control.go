package emulator

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
)

// serveControl serves the JSON control API; path has "/_emulator" removed.
func (e *Emulator) serveControl(w http.ResponseWriter, r *http.Request, path string) {
	e.controlOnce.Do(func() { e.control = e.controlMux() })
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath = unescape(path), ""
	e.control.ServeHTTP(w, r2)
}

// ctl adapts a "decode body, call, encode result" function to a handler.
func ctl[T any](fn func(r *http.Request, in T) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in T
		if r.ContentLength != 0 {
			if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
				writePlainJSON(w, 400, map[string]string{"error": "decode body: " + err.Error()})
				return
			}
		}
		out, err := fn(r, in)
		if err != nil {
			writePlainJSON(w, 400, map[string]string{"error": err.Error()})
			return
		}
		if out == nil {
			out = map[string]bool{"ok": true}
		}
		writePlainJSON(w, 200, out)
	}
}

type none struct{}

// fileReq is the body of the file-writing control calls.
type fileReq struct {
	Path          string `json:"path"`
	Content       string `json:"content"`
	ContentBase64 string `json:"contentBase64"`
	Name          string `json:"name"`
	Parent        string `json:"parent"`
}

func (e *Emulator) controlMux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /state", ctl(func(r *http.Request, _ none) (any, error) {
		return map[string]any{"tenants": e.Tenants(), "users": e.Users(), "apps": e.Apps(),
			"graphUrl": e.GraphURL(), "loginUrl": e.LoginURL(), "preAuthUrl": e.PreAuthURL()}, nil
	}))
	m.HandleFunc("POST /tenants", ctl(func(r *http.Request, in TenantSpec) (any, error) { return e.CreateTenant(in) }))
	m.HandleFunc("POST /tenants/{tenant}/consent-policy", ctl(func(r *http.Request, in struct{ UserConsentBlocked bool }) (any, error) {
		return nil, e.SetUserConsentBlocked(r.PathValue("tenant"), in.UserConsentBlocked)
	}))
	m.HandleFunc("POST /users", ctl(func(r *http.Request, in UserSpec) (any, error) { return e.CreateUser(in) }))
	m.HandleFunc("POST /apps", ctl(func(r *http.Request, in AppSpec) (any, error) { return e.CreateApp(in) }))
	m.HandleFunc("POST /sites", ctl(func(r *http.Request, in SiteSpec) (any, error) { return e.CreateSite(in) }))
	m.HandleFunc("GET /tenants/{tenant}/sites", ctl(func(r *http.Request, _ none) (any, error) {
		return map[string]any{"sites": e.Sites(r.PathValue("tenant"))}, nil
	}))
	m.HandleFunc("POST /auto-consent", ctl(func(r *http.Request, in struct{ On bool }) (any, error) {
		e.SetAutoConsent(in.On)
		return nil, nil
	}))
	m.HandleFunc("POST /next-user", ctl(func(r *http.Request, in struct{ User string }) (any, error) {
		e.SetNextUser(in.User)
		return nil, nil
	}))
	m.HandleFunc("POST /users/{user}/files", ctl(func(r *http.Request, in fileReq) (any, error) {
		data := []byte(in.Content)
		if in.ContentBase64 != "" {
			var err error
			if data, err = base64.StdEncoding.DecodeString(in.ContentBase64); err != nil {
				return nil, err
			}
		}
		return e.WriteFile(r.PathValue("user"), in.Path, data)
	}))
	m.HandleFunc("POST /users/{user}/folders", ctl(func(r *http.Request, in fileReq) (any, error) {
		return e.MakeFolder(r.PathValue("user"), in.Path)
	}))
	m.HandleFunc("POST /users/{user}/rename", ctl(func(r *http.Request, in fileReq) (any, error) {
		return e.RenameItem(r.PathValue("user"), in.Path, in.Name)
	}))
	m.HandleFunc("POST /users/{user}/move", ctl(func(r *http.Request, in fileReq) (any, error) {
		return e.MoveItem(r.PathValue("user"), in.Path, in.Parent)
	}))
	m.HandleFunc("POST /users/{user}/delete", ctl(func(r *http.Request, in fileReq) (any, error) {
		return nil, e.DeleteItem(r.PathValue("user"), in.Path)
	}))
	m.HandleFunc("POST /users/{user}/stat", ctl(func(r *http.Request, in fileReq) (any, error) {
		return e.Stat(r.PathValue("user"), in.Path)
	}))
	m.HandleFunc("POST /tokens", ctl(func(r *http.Request, in struct {
		User, ClientID string
		Scopes         []string
	}) (any, error) {
		tok, err := e.IssueAccessToken(in.User, in.ClientID, in.Scopes...)
		return map[string]string{"access_token": tok}, err
	}))
	e.controlFaults(m)
	return m
}

func (e *Emulator) controlFaults(m *http.ServeMux) {
	m.HandleFunc("POST /faults", ctl(func(r *http.Request, in Fault) (any, error) {
		return map[string]string{"id": e.AddFault(in)}, nil
	}))
	m.HandleFunc("DELETE /faults", ctl(func(r *http.Request, _ none) (any, error) {
		e.ClearFaults()
		return nil, nil
	}))
	m.HandleFunc("POST /token-faults", ctl(func(r *http.Request, in TokenFault) (any, error) {
		e.FailToken(in)
		return nil, nil
	}))
	m.HandleFunc("POST /revoke", ctl(func(r *http.Request, in struct {
		User, ClientID string
		Code           int
	}) (any, error) {
		return map[string]int{"revoked": e.RevokeGrants(in.User, in.ClientID, in.Code)}, nil
	}))
	m.HandleFunc("POST /expire-tokens", ctl(func(r *http.Request, in struct{ User string }) (any, error) {
		e.ExpireAccessTokens(in.User)
		return nil, nil
	}))
	m.HandleFunc("POST /drives/{id}/invalidate-delta", ctl(func(r *http.Request, _ none) (any, error) {
		return nil, e.InvalidateDeltaTokens(r.PathValue("id"))
	}))
	m.HandleFunc("POST /notifications/drop", ctl(func(r *http.Request, in struct{ Fraction float64 }) (any, error) {
		e.DropNotifications(in.Fraction)
		return nil, nil
	}))
	m.HandleFunc("POST /subscriptions/{id}/reauthorization-required", ctl(func(r *http.Request, _ none) (any, error) {
		return map[string]bool{"sent": e.RequireReauthorization(r.PathValue("id"))}, nil
	}))
	m.HandleFunc("GET /counters", ctl(func(r *http.Request, _ none) (any, error) { return e.Counters(), nil }))
	m.HandleFunc("GET /requests", ctl(func(r *http.Request, _ none) (any, error) { return e.RequestLog(), nil }))
	m.HandleFunc("DELETE /requests", ctl(func(r *http.Request, _ none) (any, error) {
		e.ResetStats()
		return nil, nil
	}))
	m.HandleFunc("POST /save", ctl(func(r *http.Request, _ none) (any, error) { return nil, e.Save() }))
}
