package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/audit"
	"github.com/drivewayhq/driveway/webhook"
)

// webhookEndpointJSON is an endpoint as the admin API shows it: secrets by
// id and expiry only. Secret is set once, in the answer that created it.
type webhookEndpointJSON struct {
	ID          string              `json:"id"`
	URL         string              `json:"url"`
	Description string              `json:"description"`
	EventTypes  []string            `json:"eventTypes"`
	Enabled     bool                `json:"enabled"`
	Secrets     []webhookSecretJSON `json:"secrets"`
	CreatedAt   time.Time           `json:"createdAt"`
	UpdatedAt   time.Time           `json:"updatedAt"`
	Secret      string              `json:"secret,omitempty"`
}

type webhookSecretJSON struct {
	ID        string     `json:"id"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

func toWebhookEndpointJSON(e *driveway.WebhookEndpoint) webhookEndpointJSON {
	out := webhookEndpointJSON{ID: e.ID, URL: e.URL, Description: e.Description, EventTypes: e.EventTypes,
		Enabled: e.Enabled, Secrets: []webhookSecretJSON{}, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	if out.EventTypes == nil {
		out.EventTypes = []string{}
	}
	for _, s := range e.Secrets {
		js := webhookSecretJSON{ID: s.ID, CreatedAt: s.CreatedAt}
		if !s.ExpiresAt.IsZero() {
			js.ExpiresAt = &s.ExpiresAt
		}
		out.Secrets = append(out.Secrets, js)
	}
	return out
}

type webhookDeliveryJSON struct {
	ID            string          `json:"id"`
	EndpointID    string          `json:"endpointId"`
	EventID       string          `json:"eventId"`
	EventType     string          `json:"eventType"`
	Status        string          `json:"status"`
	Attempts      int             `json:"attempts"`
	NextAttemptAt *time.Time      `json:"nextAttemptAt,omitempty"`
	LastAttemptAt *time.Time      `json:"lastAttemptAt,omitempty"`
	ResponseCode  int             `json:"responseCode,omitempty"`
	Error         string          `json:"error,omitempty"`
	Payload       json.RawMessage `json:"payload,omitempty"`
	CreatedAt     time.Time       `json:"createdAt"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toWebhookDeliveryJSON(d *driveway.WebhookDelivery, withPayload bool) webhookDeliveryJSON {
	out := webhookDeliveryJSON{ID: d.ID, EndpointID: d.EndpointID, EventID: d.EventID, EventType: d.EventType,
		Status: d.Status, Attempts: d.Attempts, NextAttemptAt: timePtr(d.NextAttemptAt), LastAttemptAt: timePtr(d.LastAttemptAt),
		ResponseCode: d.ResponseCode, Error: d.Error, CreatedAt: d.CreatedAt}
	if withPayload && json.Valid(d.Payload) {
		out.Payload = d.Payload
	}
	return out
}

// webhookEndpointInput is the body of create and update.
type webhookEndpointInput struct {
	URL         *string  `json:"url"`
	Description *string  `json:"description"`
	EventTypes  []string `json:"eventTypes"`
	Enabled     *bool    `json:"enabled"`
}

func (in webhookEndpointInput) toInput() webhook.EndpointInput {
	return webhook.EndpointInput{URL: in.URL, Description: in.Description, EventTypes: in.EventTypes, Enabled: in.Enabled}
}

// webhooks returns the service, or EUNAVAILABLE when none is wired.
func (s *Server) webhooks() (*webhook.Service, error) {
	if s.Webhooks == nil {
		return nil, driveway.Errorf(driveway.EUNAVAILABLE, "outgoing webhooks are not configured on this server")
	}
	return s.Webhooks, nil
}

// webhooksOf returns the service after checking the project exists.
func (s *Server) webhooksOf(r *http.Request) (*webhook.Service, error) {
	svc, err := s.webhooks()
	if err != nil {
		return nil, err
	}
	if _, err := s.Admin.Store.GetProject(r.Context(), r.PathValue("pid")); err != nil {
		return nil, err
	}
	return svc, nil
}

func (s *Server) listWebhookEndpoints(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.webhooksOf(r)
	if err != nil {
		return err
	}
	es, err := svc.ListEndpoints(r.Context(), r.PathValue("pid"))
	if err != nil {
		return err
	}
	out := []webhookEndpointJSON{}
	for _, e := range es {
		out = append(out, toWebhookEndpointJSON(e))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
	return nil
}

// createWebhookEndpoint answers with the signing secret: the only time it
// is ever shown.
func (s *Server) createWebhookEndpoint(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.webhooksOf(r)
	if err != nil {
		return err
	}
	var in webhookEndpointInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	e, secret, err := svc.CreateEndpoint(r.Context(), r.PathValue("pid"), in.toInput())
	if err != nil {
		return err
	}
	out := toWebhookEndpointJSON(e)
	audit.Note(r.Context(), audit.Event{Action: "webhook_endpoint.create", Target: e.ID, After: out})
	out.Secret = secret
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) getWebhookEndpoint(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.webhooks()
	if err != nil {
		return err
	}
	e, err := svc.GetEndpoint(r.Context(), r.PathValue("pid"), r.PathValue("eid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWebhookEndpointJSON(e))
	return nil
}

func (s *Server) updateWebhookEndpoint(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.webhooks()
	if err != nil {
		return err
	}
	var in webhookEndpointInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	pid, eid := r.PathValue("pid"), r.PathValue("eid")
	before, err := svc.GetEndpoint(r.Context(), pid, eid)
	if err != nil {
		return err
	}
	e, err := svc.UpdateEndpoint(r.Context(), pid, eid, in.toInput())
	if err != nil {
		return err
	}
	audit.Note(r.Context(), audit.Event{Action: "webhook_endpoint.update", Target: eid,
		Before: toWebhookEndpointJSON(before), After: toWebhookEndpointJSON(e)})
	writeJSON(w, http.StatusOK, toWebhookEndpointJSON(e))
	return nil
}

func (s *Server) deleteWebhookEndpoint(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.webhooks()
	if err != nil {
		return err
	}
	pid, eid := r.PathValue("pid"), r.PathValue("eid")
	before, err := svc.GetEndpoint(r.Context(), pid, eid)
	if err != nil {
		return err
	}
	if err := svc.DeleteEndpoint(r.Context(), pid, eid); err != nil {
		return err
	}
	audit.Note(r.Context(), audit.Event{Action: "webhook_endpoint.delete", Target: eid, Before: toWebhookEndpointJSON(before)})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// rotateSecretInput: overlapSeconds is how long the current secret keeps
// signing (default 24 h; 0 keeps the default, -1 retires it at once).
type rotateSecretInput struct {
	OverlapSeconds *int64 `json:"overlapSeconds"`
}

// rotateWebhookSecret answers with the new secret, shown this once.
func (s *Server) rotateWebhookSecret(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.webhooks()
	if err != nil {
		return err
	}
	var in rotateSecretInput
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &in); err != nil {
			return err
		}
	}
	var overlap time.Duration
	if in.OverlapSeconds != nil {
		if *in.OverlapSeconds < -1 || *in.OverlapSeconds > 7*24*3600 {
			return driveway.Invalid("overlapSeconds", "must be -1 (none), 0 (default) or up to 604800")
		}
		overlap = time.Duration(*in.OverlapSeconds) * time.Second
	}
	e, secret, err := svc.RotateSecret(r.Context(), r.PathValue("pid"), r.PathValue("eid"), overlap)
	if err != nil {
		return err
	}
	out := toWebhookEndpointJSON(e)
	out.Secret = secret
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.webhooksOf(r)
	if err != nil {
		return err
	}
	f := driveway.DeliveryFilter{Status: r.URL.Query().Get("status"), EndpointID: r.URL.Query().Get("endpointId")}
	if l := r.URL.Query().Get("limit"); l != "" {
		if f.Limit, err = strconv.Atoi(l); err != nil || f.Limit < 1 {
			return driveway.Invalid("limit", "must be a positive number")
		}
	}
	ds, err := svc.ListDeliveries(r.Context(), r.PathValue("pid"), f)
	if err != nil {
		return err
	}
	out := []webhookDeliveryJSON{}
	for _, d := range ds {
		out = append(out, toWebhookDeliveryJSON(d, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
	return nil
}

func (s *Server) getWebhookDelivery(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.webhooks()
	if err != nil {
		return err
	}
	d, err := svc.GetDelivery(r.Context(), r.PathValue("pid"), r.PathValue("did"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWebhookDeliveryJSON(d, true))
	return nil
}

func (s *Server) redeliverWebhook(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.webhooks()
	if err != nil {
		return err
	}
	d, err := svc.Redeliver(r.Context(), r.PathValue("pid"), r.PathValue("did"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, toWebhookDeliveryJSON(d, false))
	return nil
}
