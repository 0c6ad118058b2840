package filechange

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/connect"
	"github.com/drivewayhq/driveway/httpapi"
	"github.com/drivewayhq/driveway/ids"
)

// SDKRoutes are the triggers API, served behind the user-token check
// (connect.Handler.SDKRoutes): the caller is driveway.PrincipalFrom, and a
// user sees and changes only their own trigger subscriptions.
//
//	GET    /projects/{pid}/triggers
//	GET    /projects/{pid}/trigger-subscriptions
//	POST   /projects/{pid}/trigger-subscriptions
//	GET    /projects/{pid}/trigger-subscriptions/{id}
//	PATCH  /projects/{pid}/trigger-subscriptions/{id}
//	DELETE /projects/{pid}/trigger-subscriptions/{id}
//	GET    /projects/{pid}/trigger-subscriptions/status/{credentialId}
func (s *Service) SDKRoutes() []connect.Route {
	const base = "/projects/{pid}/trigger-subscriptions"
	return []connect.Route{
		{Pattern: "GET /projects/{pid}/triggers", Handler: http.HandlerFunc(s.listTriggers)},
		{Pattern: "GET " + base, Handler: http.HandlerFunc(s.listSubs)},
		{Pattern: "POST " + base, Handler: http.HandlerFunc(s.createSub)},
		{Pattern: "GET " + base + "/{id}", Handler: http.HandlerFunc(s.getSub)},
		{Pattern: "PATCH " + base + "/{id}", Handler: http.HandlerFunc(s.updateSub)},
		{Pattern: "DELETE " + base + "/{id}", Handler: http.HandlerFunc(s.deleteSub)},
		{Pattern: "GET " + base + "/status/{credentialId}", Handler: http.HandlerFunc(s.watchStatus)},
	}
}

// subBody is a trigger subscription on the wire.
type subBody struct {
	ID          string   `json:"id,omitempty"`
	Trigger     string   `json:"trigger"`
	UserID      string   `json:"userId,omitempty"`
	PathPrefix  string   `json:"pathPrefix"`
	ItemType    string   `json:"itemType"`
	NamePattern string   `json:"namePattern"`
	ChangeTypes []string `json:"changeTypes"`
	FileTypes   []string `json:"fileTypes"`
	DriveID     string   `json:"driveId,omitempty"`
	// SiteID is read only to be refused: sites are not watched yet.
	SiteID    string    `json:"siteId,omitempty"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
}

func bodyOf(ts *driveway.TriggerSubscription) subBody {
	ct, ft := ts.ChangeTypes, ts.FileTypes
	if ct == nil {
		ct = []string{}
	}
	if ft == nil {
		ft = []string{}
	}
	return subBody{ID: ts.ID, Trigger: ts.Trigger, UserID: ts.UserID, PathPrefix: ts.PathPrefix, ItemType: ts.ItemType,
		NamePattern: ts.NamePattern, ChangeTypes: ct, FileTypes: ft, DriveID: ts.DriveID, CreatedAt: ts.CreatedAt, UpdatedAt: ts.UpdatedAt}
}

// listTriggers answers ActionKit's shape, which the Paragon SDK's
// getTriggers returns as it is: {"triggers": {integration: [definition]}}.
// Each definition has ActionKit's fields (type, triggerModel, title,
// description, parameters: the subscription's filters) and Driveway's
// (integration, name, changeTypes, filters, mode).
func (s *Service) listTriggers(w http.ResponseWriter, r *http.Request) {
	model := map[bool]string{true: "WEBHOOK", false: "POLLING"}[s.push]
	def := map[string]any{
		"type": driveway.TriggerFileChange, "triggerModel": model, "title": "File Change",
		"description": "A file or folder in the user's OneDrive was created, updated, renamed, moved or deleted",
		"parameters":  triggerParameters(),
		"integration": "onedrive", "name": "File Change", "changeTypes": ChangeTypes,
		"filters": []string{"driveId", "pathPrefix", "itemType", "namePattern", "fileTypes", "changeTypes"},
		"mode":    map[bool]string{true: "webhook", false: "polling"}[s.push],
	}
	writeJSON(w, http.StatusOK, map[string]any{"triggers": map[string]any{"onedrive": []any{def}}})
}

// triggerParameters describes the subscription's filters as ActionKit
// inputs (IntentInputKeyConfig: id, title, type, required).
func triggerParameters() []map[string]any {
	return []map[string]any{
		{"id": "pathPrefix", "title": "Folder path", "type": "TEXT", "required": false},
		{"id": "itemType", "title": "Item type (file, folder or any)", "type": "TEXT", "required": false},
		{"id": "namePattern", "title": "Name pattern (as *.pdf)", "type": "TEXT", "required": false},
		{"id": "fileTypes", "title": "File types (as pdf, docx)", "type": "TEXT", "required": false},
		{"id": "changeTypes", "title": "Change types", "type": "TEXT", "required": false},
		{"id": "driveId", "title": "Drive (one of the user's own)", "type": "TEXT", "required": false},
	}
}

func (s *Service) listSubs(w http.ResponseWriter, r *http.Request) {
	p := driveway.PrincipalFrom(r.Context())
	all, err := s.o.Store.ListTriggerSubscriptions(r.Context(), p.ProjectID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []subBody{}
	for _, ts := range all {
		if ts.UserID == p.UserID {
			out = append(out, bodyOf(ts))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) createSub(w http.ResponseWriter, r *http.Request) {
	p := driveway.PrincipalFrom(r.Context())
	var in subBody
	if err := decode(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Trigger == "" {
		in.Trigger = driveway.TriggerFileChange
	}
	ts := &driveway.TriggerSubscription{ProjectID: p.ProjectID, ID: ids.New("tsub"), Trigger: in.Trigger, UserID: p.UserID}
	if err := s.applyFilters(r, ts, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.o.Store.CreateTriggerSubscription(r.Context(), ts); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.ReconcileUser(r.Context(), p.ProjectID, p.UserID); err != nil {
		s.o.Logger.Warn("filechange: reconcile after create", "project", p.ProjectID, "err", err)
	}
	writeJSON(w, http.StatusCreated, bodyOf(ts))
}

// own returns the caller's trigger subscription {id}; another user's is
// ENOTFOUND.
func (s *Service) own(r *http.Request) (*driveway.TriggerSubscription, error) {
	p := driveway.PrincipalFrom(r.Context())
	ts, err := s.o.Store.GetTriggerSubscription(r.Context(), p.ProjectID, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if ts.UserID != p.UserID {
		return nil, driveway.Errorf(driveway.ENOTFOUND, "trigger subscription not found")
	}
	return ts, nil
}

func (s *Service) getSub(w http.ResponseWriter, r *http.Request) {
	ts, err := s.own(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, bodyOf(ts))
}

func (s *Service) updateSub(w http.ResponseWriter, r *http.Request) {
	ts, err := s.own(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in := bodyOf(ts)
	if err := decode(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.applyFilters(r, ts, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.o.Store.UpdateTriggerSubscription(r.Context(), ts); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, bodyOf(ts))
}

func (s *Service) deleteSub(w http.ResponseWriter, r *http.Request) {
	ts, err := s.own(r)
	if err == nil {
		err = s.o.Store.DeleteTriggerSubscription(r.Context(), ts.ProjectID, ts.ID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.ReconcileUser(r.Context(), ts.ProjectID, ts.UserID); err != nil {
		s.o.Logger.Warn("filechange: reconcile after delete", "project", ts.ProjectID, "err", err)
	}
	w.WriteHeader(http.StatusNoContent)
}

// watchStatus shows the caller's credential's subscription status.
func (s *Service) watchStatus(w http.ResponseWriter, r *http.Request) {
	p := driveway.PrincipalFrom(r.Context())
	c, err := s.o.Store.GetCredential(r.Context(), p.ProjectID, r.PathValue("credentialId"))
	if err == nil && c.UserID != p.UserID {
		err = driveway.Errorf(driveway.ENOTFOUND, "credential not found")
	}
	var st *driveway.DriveWatch
	if err == nil {
		st, err = s.Status(r.Context(), p.ProjectID, c.ID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	mode := "webhook"
	if !s.push {
		mode = "polling"
	}
	writeJSON(w, http.StatusOK, map[string]any{"credentialId": st.CredentialID, "status": st.Status,
		"reason": st.Reason, "expiresAt": timeOrNull(st.ExpiresAt), "lastDeltaAt": timeOrNull(st.LastDeltaAt), "mode": mode})
}

// timeOrNull is t, or nil (JSON null) when it is zero: "lastDeltaAt" is
// null until the baseline is committed, not year 1.
func timeOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers in the SDK's error shape with caller-safe text only.
func (s *Service) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := driveway.ErrorCode(err)
	status := httpapi.StatusFor(code)
	if code == driveway.EINTERNAL || code == driveway.EUNAVAILABLE {
		s.o.Logger.ErrorContext(r.Context(), "triggers request failed", "route", r.Pattern, "err", err)
	}
	b := map[string]any{"statusCode": status, "message": driveway.ErrorMessage(err), "code": code}
	var de *driveway.Error
	if errors.As(err, &de) && de.Field != "" {
		b["field"] = de.Field
	}
	writeJSON(w, status, b)
}

// decode reads a JSON object, refusing fields it does not know: a filter
// that would be dropped is an error, never ignored.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if name, ok := strings.CutPrefix(errText(err), "json: unknown field "); ok {
		return driveway.Invalid("body", "unknown field %s", name)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return driveway.Invalid("body", "the body is not a valid JSON object")
	}
	return nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// applyFilters copies the filters of in onto ts and checks them, the
// drive against the caller's credentials. What cannot be honoured is
// refused with the field named: siteId always (sites are not watched
// yet), a driveId that is not the drive of one of the caller's
// credentials (File Change watches each credential's own drive only).
func (s *Service) applyFilters(r *http.Request, ts *driveway.TriggerSubscription, in *subBody) error {
	if in.SiteID != "" {
		return driveway.Invalid("siteId", "File Change does not watch SharePoint sites yet: a trigger subscription "+
			"sees the OneDrive of each connected account; use driveId to pick one of them")
	}
	ts.PathPrefix, ts.ItemType, ts.NamePattern, ts.ChangeTypes = in.PathPrefix, in.ItemType, in.NamePattern, in.ChangeTypes
	ts.FileTypes = NormalizeFileTypes(in.FileTypes)
	if err := ValidateTriggerSubscription(ts); err != nil {
		return err
	}
	drive, err := s.ownDrive(r, in.DriveID)
	ts.DriveID = drive
	return err
}

// ownDrive returns the caller's credential drive id that id names
// (without case), "" for "", or EINVALID.
func (s *Service) ownDrive(r *http.Request, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	p := driveway.PrincipalFrom(r.Context())
	cs, err := s.o.Store.ListCredentials(r.Context(), p.ProjectID, p.UserID)
	if err != nil {
		return "", err
	}
	for _, c := range cs {
		if c.DriveID != "" && strings.EqualFold(c.DriveID, id) {
			return c.DriveID, nil
		}
	}
	return "", driveway.Invalid("driveId", "driveId is not the OneDrive of one of your connected accounts; "+
		"File Change does not watch other drives, such as SharePoint libraries, yet")
}
