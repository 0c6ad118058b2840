package dashboard

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strings"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/action"
	"github.com/drivewayhq/driveway/audit"
)

// The Actions page lists the OneDrive action catalogue with each action's
// input and output schemas, and runs an action for a chosen connected
// account ("try it"): the form posts to the server, which runs the action
// with the account's credential, as the end user would through the Actions
// API. It needs Options.Actions; without it the page says so.

// actionRoutes registers the Actions page and its form (one line in
// routes), and its template.
func (h *handler) actionRoutes(mux *http.ServeMux) {
	h.pages["actions"] = template.Must(template.New("actions").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/actions.html"))
	mux.HandleFunc("GET "+Prefix+"/projects/{pid}/actions", h.page(h.actionsPage))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}/actions", h.action(h.tryAction))
}

// actionView is one action on the page.
type actionView struct {
	Name, Description     string
	Input, Output         string // indented JSON Schemas
	Destructive, ReadOnly bool
}

// account is a VALID credential one can run actions with.
type account struct {
	ID, UserID, Label string
}

type actionsData struct {
	Enabled  bool
	Actions  []actionView
	Accounts []account
	// The last run: its form values and answer.
	Ran        string
	Credential string
	Parameters string
	Result     string
	Failed     bool
}

func (h *handler) actionsPage(w http.ResponseWriter, r *http.Request) {
	h.showActions(w, r, http.StatusOK, &actionsData{})
}

func (h *handler) showActions(w http.ResponseWriter, r *http.Request, status int, d *actionsData) {
	p, ok := h.loadProject(w, r)
	if !ok {
		return
	}
	if ex := h.opts.Actions; ex != nil {
		d.Enabled = true
		for _, a := range ex.Catalogue.Actions() {
			d.Actions = append(d.Actions, actionView{Name: a.Name, Description: a.Description, Input: indent(a.Input),
				Output: indent(a.Output), Destructive: a.Destructive, ReadOnly: a.ReadOnly})
		}
		accounts, err := h.validAccounts(r, p.ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		d.Accounts = accounts
	}
	v := &view{Title: "Actions · " + p.Name, Project: p, Tab: "actions", Data: d}
	h.render(w, r, status, "actions", v)
}

// validAccounts lists the first page of connected users' VALID accounts.
func (h *handler) validAccounts(r *http.Request, projectID string) ([]account, error) {
	users, err := h.loadUsers(r.Context(), projectID, "")
	if err != nil {
		return nil, err
	}
	var out []account
	for _, u := range users.Users {
		for _, c := range u.Credentials {
			if c.Status != driveway.CredentialValid {
				continue
			}
			label := u.User.ID + " · " + c.Account.UserPrincipalName
			if u.Name != "" {
				label = u.Name + " (" + u.User.ID + ") · " + c.Account.UserPrincipalName
			}
			out = append(out, account{ID: c.ID, UserID: u.User.ID, Label: label})
		}
	}
	return out, nil
}

// tryAction runs one action for the chosen account and shows its answer.
func (h *handler) tryAction(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadProject(w, r)
	if !ok {
		return
	}
	d := &actionsData{Ran: r.PostForm.Get("action"), Credential: r.PostForm.Get("credential"), Parameters: r.PostForm.Get("parameters")}
	if h.opts.Actions == nil {
		h.renderError(w, r, http.StatusNotImplemented, "Not available", "This server has no action executor.")
		return
	}
	out, err := h.runAction(r, p.ID, d)
	status := http.StatusOK
	if err != nil {
		code, body := action.ErrorBody(err)
		status, d.Failed, d.Result = code, true, indent(body)
		if code >= 500 && driveway.ErrorCode(err) == driveway.EINTERNAL {
			h.log.Error("dashboard: try action", "action", d.Ran, "err", err)
		}
	} else {
		d.Result = indent(out)
	}
	h.showActions(w, r, status, d)
}

func (h *handler) runAction(r *http.Request, projectID string, d *actionsData) (any, error) {
	params := map[string]any{}
	if s := strings.TrimSpace(d.Parameters); s != "" {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		if err := dec.Decode(&params); err != nil {
			return nil, driveway.Invalid("parameters", "the parameters must be a JSON object")
		}
	}
	cred, err := h.opts.Admin.Store.GetCredential(r.Context(), projectID, d.Credential)
	if err != nil {
		return nil, driveway.Invalid("credential", "choose a connected account")
	}
	pr := &driveway.Principal{ProjectID: projectID, UserID: cred.UserID}
	audit.Note(r.Context(), audit.Event{Action: "action.try", Target: cred.ID,
		After: map[string]any{"user": h.userPseudonym(projectID, cred.UserID), "action": d.Ran}})
	return h.opts.Actions.Run(r.Context(), pr, cred.ID, d.Ran, params)
}

func indent(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return ""
	}
	return string(b)
}

// userPseudonym names an end user in the audit trail (audit.Recorder's
// Pseudonym): never by their id, so an erased user leaves no row naming them.
func (h *handler) userPseudonym(projectID, userID string) string {
	if h.opts.Audit == nil {
		return ""
	}
	return h.opts.Audit.Pseudonym(projectID, userID)
}
