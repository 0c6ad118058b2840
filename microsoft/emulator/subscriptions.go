package emulator

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxSubscriptionMinutes is the driveItem subscription lifetime cap.
const maxSubscriptionMinutes = 42300

// subscription is a webhook subscription on a drive folder.
type subscription struct {
	ID              string    `json:"id"`
	Resource        string    `json:"resource"`
	ChangeType      string    `json:"changeType"`
	NotificationURL string    `json:"notificationUrl"`
	LifecycleURL    string    `json:"lifecycleNotificationUrl,omitempty"`
	ClientState     string    `json:"clientState,omitempty"`
	ApplicationID   string    `json:"applicationId"`
	CreatorID       string    `json:"creatorId"`
	TenantID        string    `json:"tenantId"`
	Expires         time.Time `json:"expirationDateTime"`
	DriveID         string    `json:"driveId"`
	ItemID          string    `json:"itemId"`
	ReauthSent      bool      `json:"reauthSent,omitempty"`
}

func (e *Emulator) subJSON(s *subscription) map[string]any {
	var life any
	if s.LifecycleURL != "" {
		life = s.LifecycleURL
	}
	var cs any
	if s.ClientState != "" {
		cs = s.ClientState
	}
	return map[string]any{"@odata.context": e.GraphURL() + "/$metadata#subscriptions/$entity",
		"id": s.ID, "resource": s.Resource, "applicationId": s.ApplicationID, "changeType": s.ChangeType,
		"clientState": cs, "notificationUrl": s.NotificationURL, "lifecycleNotificationUrl": life,
		"expirationDateTime": s.Expires.UTC().Format("2006-01-02T15:04:05.0000000Z"), "creatorId": s.CreatorID,
		"includeResourceData": false, "latestSupportedTlsVersion": "v1_2", "encryptionCertificate": nil,
		"encryptionCertificateId": nil, "notificationQueryOptions": nil, "notificationUrlAppId": nil,
		"notificationContentType": nil, "lifecycleNotificationUrlAppId": nil}
}

func (e *Emulator) serveSubscriptions(w http.ResponseWriter, r *http.Request, p *principal, segs []string) {
	switch {
	case len(segs) == 0 && r.Method == "POST":
		e.createSubscription(w, r, p)
	case len(segs) == 0 && r.Method == "GET":
		e.mu.Lock()
		vals := []any{}
		for _, s := range e.st.Subscriptions {
			if s.ApplicationID == p.ClientID {
				vals = append(vals, e.subJSON(s))
			}
		}
		e.mu.Unlock()
		writeJSON(w, 200, map[string]any{"@odata.context": e.GraphURL() + "/$metadata#subscriptions", "value": vals})
	case len(segs) >= 1:
		e.serveSubscription(w, r, p, segs)
	default:
		e.writeGraphError(w, r, gerr(405, "MethodNotAllowed", "Method not allowed."))
	}
}

func (e *Emulator) serveSubscription(w http.ResponseWriter, r *http.Request, p *principal, segs []string) {
	e.mu.Lock()
	s := e.st.Subscriptions[segs[0]]
	if s == nil || s.ApplicationID != p.ClientID {
		e.fail(w, r, gerr(404, "ResourceNotFound", "The object was not found."))
		return
	}
	switch {
	case len(segs) == 2 && segs[1] == "reauthorize" && r.Method == "POST":
		s.ReauthSent = false
		e.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case len(segs) == 1 && r.Method == "GET":
		body := e.subJSON(s)
		e.mu.Unlock()
		writeJSON(w, 200, body)
	case len(segs) == 1 && r.Method == "DELETE":
		delete(e.st.Subscriptions, s.ID)
		e.changed()
		e.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case len(segs) == 1 && r.Method == "PATCH":
		e.mu.Unlock()
		e.renewSubscription(w, r, s.ID)
	default:
		e.fail(w, r, gerr(405, "MethodNotAllowed", "Method not allowed."))
	}
}

func (e *Emulator) renewSubscription(w http.ResponseWriter, r *http.Request, id string) {
	var body struct {
		Expires string `json:"expirationDateTime"`
	}
	if g := decodeJSON(r, &body); g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	exp, g := e.checkExpiry(body.Expires)
	if g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	e.mu.Lock()
	s := e.st.Subscriptions[id]
	if s == nil {
		e.fail(w, r, gerr(404, "ResourceNotFound", "The object was not found."))
		return
	}
	s.Expires, s.ReauthSent = exp, false
	e.changed()
	out := e.subJSON(s)
	e.mu.Unlock()
	writeJSON(w, 200, out)
}

func (e *Emulator) checkExpiry(v string) (time.Time, *graphError) {
	exp, ok := parseTime(v)
	now := e.Now()
	switch {
	case !ok:
		return exp, gerr(400, "InvalidRequest", "expirationDateTime is required and must be an ISO-8601 time.")
	case !exp.After(now):
		return exp, gerr(400, "InvalidRequest", "Subscription expiration can only be in the future.")
	case exp.After(now.Add(maxSubscriptionMinutes * time.Minute)):
		return exp, gerr(400, "InvalidRequest", "Subscription expiration exceeds the maximum allowed duration of 42300 minutes for the resource.")
	}
	return exp, nil
}

// subRequest is the body of POST /subscriptions.
type subRequest struct {
	ChangeType      string `json:"changeType"`
	NotificationURL string `json:"notificationUrl"`
	LifecycleURL    string `json:"lifecycleNotificationUrl"`
	Resource        string `json:"resource"`
	Expires         string `json:"expirationDateTime"`
	ClientState     string `json:"clientState"`
}

func (e *Emulator) createSubscription(w http.ResponseWriter, r *http.Request, p *principal) {
	var req subRequest
	if g := decodeJSON(r, &req); g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	s, g := e.checkSubscription(p, req)
	if g == nil {
		g = e.validateEndpoint(r.Context(), s.NotificationURL)
	}
	if g == nil && s.LifecycleURL != "" {
		g = e.validateEndpoint(r.Context(), s.LifecycleURL)
	}
	if g != nil {
		e.writeGraphError(w, r, g)
		return
	}
	e.mu.Lock()
	e.st.Subscriptions[s.ID] = s
	e.changed()
	body := e.subJSON(s)
	e.mu.Unlock()
	writeJSON(w, 201, body)
}

// checkSubscription validates a create request and resolves its resource.
func (e *Emulator) checkSubscription(p *principal, req subRequest) (*subscription, *graphError) {
	if req.ChangeType != "updated" {
		return nil, gerr(400, "InvalidRequest", "changeType '"+req.ChangeType+"' is not supported for driveItem; only 'updated' is.")
	}
	if len(req.ClientState) > 128 {
		return nil, gerr(400, "InvalidRequest", "clientState must be at most 128 characters.")
	}
	for _, u := range []string{req.NotificationURL, req.LifecycleURL} {
		if u != "" && !okWebhookURL(u) {
			return nil, gerr(400, "InvalidRequest", "The notification URL must be https (http is allowed for localhost only).")
		}
	}
	if req.NotificationURL == "" {
		return nil, gerr(400, "InvalidRequest", "notificationUrl is required.")
	}
	exp, g := e.checkExpiry(req.Expires)
	if g != nil {
		return nil, g
	}
	res := "/" + strings.TrimPrefix(req.Resource, "/")
	t, g := e.resolveDrive(p, strings.Split(strings.TrimPrefix(res, "/"), "/"), false)
	unsupported := gerr(400, "InvalidRequest", "resource '"+req.Resource+"' is not supported.")
	if g != nil || t.drive || t.action != "" {
		return nil, unsupported
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	it, _, _, g2 := t.resolve()
	if g2 != nil || it == nil || !it.Folder || (t.d.Mode == ModeBusiness && it.ParentID != "") {
		return nil, unsupported
	}
	return &subscription{ID: e.guid(), Resource: req.Resource, ChangeType: "updated", NotificationURL: req.NotificationURL,
		LifecycleURL: req.LifecycleURL, ClientState: req.ClientState, ApplicationID: p.ClientID, CreatorID: p.UserID,
		TenantID: p.TenantID, Expires: exp, DriveID: t.d.ID, ItemID: it.ID}, nil
}

func okWebhookURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	return u.Scheme == "https" || (u.Scheme == "http" && isLoopbackHost(u.Hostname()))
}

// validateEndpoint performs the validation handshake.
func (e *Emulator) validateEndpoint(ctx context.Context, endpoint string) *graphError {
	fail := gerr(400, "ValidationError", "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.")
	u, err := url.Parse(endpoint)
	if err != nil {
		return fail
	}
	if !e.opts.AllowNonLoopbackNotifications && !isLoopbackHost(u.Hostname()) {
		return fail
	}
	token := "Validation: Testing client application reachability for subscription Request-Id: " + e.guid()
	q := u.Query()
	q.Set("validationToken", token)
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, e.opts.ValidationTimeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", u.String(), nil)
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := webhookClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return gerr(400, "ValidationError", "Subscription validation request timed out.")
		}
		return fail
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	ct := resp.Header.Get("Content-Type")
	if resp.StatusCode != 200 || !strings.HasPrefix(ct, "text/plain") || string(body) != token {
		return fail
	}
	return nil
}
