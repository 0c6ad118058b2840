package dashboard

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/webhook"
)

// webhookRoutes adds the Webhooks tab: endpoints and recent deliveries.
func (h *handler) webhookRoutes(mux *http.ServeMux) {
	h.pages["webhooks"] = template.Must(template.New("webhooks").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/webhooks.html"))
	mux.HandleFunc("GET "+Prefix+"/projects/{pid}/webhooks", h.page(h.webhooksPage))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}/webhooks", h.action(h.createWebhook))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}/webhooks/{eid}/rotate", h.action(h.rotateWebhook))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}/webhooks/{eid}/toggle", h.action(h.toggleWebhook))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}/webhooks/{eid}/delete", h.action(h.deleteWebhook))
	mux.HandleFunc("POST "+Prefix+"/projects/{pid}/webhooks/deliveries/{did}/redeliver", h.action(h.redeliverWebhook))
}

type webhooksData struct {
	Configured bool
	Endpoints  []*driveway.WebhookEndpoint
	Deliveries []*driveway.WebhookDelivery
	Status     string // the deliveries' status filter
	// The add form's input after an error.
	URL, EventTypes, Description string
	// Secret is a signing secret just made, for endpoint SecretFor, shown
	// this once.
	Secret, SecretFor string
}

var webhookFlashes = map[string]string{
	"created":     "Endpoint created.",
	"enabled":     "Endpoint enabled.",
	"disabled":    "Endpoint disabled.",
	"deleted":     "Endpoint deleted.",
	"redelivered": "Delivery queued again.",
}

// webhooksPage lists the endpoints and the 50 most recent deliveries
// (optionally of one status).
func (h *handler) webhooksPage(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadProject(w, r)
	if !ok {
		return
	}
	v := &view{Flash: webhookFlashes[r.URL.Query().Get("done")]}
	h.renderWebhooks(w, r, http.StatusOK, v, p, webhooksData{Status: r.URL.Query().Get("status")})
}

func (h *handler) createWebhook(w http.ResponseWriter, r *http.Request) {
	p, svc, ok := h.webhookProject(w, r)
	if !ok {
		return
	}
	url, desc, types := r.PostForm.Get("url"), r.PostForm.Get("description"), r.PostForm.Get("event_types")
	in := webhook.EndpointInput{URL: &url, Description: &desc, EventTypes: strings.Fields(strings.ReplaceAll(types, ",", " "))}
	e, secret, err := svc.CreateEndpoint(r.Context(), p.ID, in)
	if errs, ok := fieldErrors(err, prefixField("", "url", "description", "eventTypes")); ok {
		v := &view{}
		v.setFieldErrors(errs)
		h.renderWebhooks(w, r, http.StatusBadRequest, v, p, webhooksData{URL: url, Description: desc, EventTypes: types})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := &view{Flash: "Endpoint created. Copy its signing secret now: it will not be shown again."}
	h.renderWebhooks(w, r, http.StatusOK, v, p, webhooksData{Secret: secret, SecretFor: e.ID})
}

// rotateWebhook adds a new secret (shown once); the old one signs for 24
// hours more.
func (h *handler) rotateWebhook(w http.ResponseWriter, r *http.Request) {
	p, svc, ok := h.webhookProject(w, r)
	if !ok {
		return
	}
	e, secret, err := svc.RotateSecret(r.Context(), p.ID, r.PathValue("eid"), 0)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := &view{Flash: "New signing secret made; the previous one keeps signing for 24 hours. Copy it now: it will not be shown again."}
	h.renderWebhooks(w, r, http.StatusOK, v, p, webhooksData{Secret: secret, SecretFor: e.ID})
}

func (h *handler) toggleWebhook(w http.ResponseWriter, r *http.Request) {
	p, svc, ok := h.webhookProject(w, r)
	if !ok {
		return
	}
	on := r.PostForm.Get("enabled") == "true"
	if _, err := svc.UpdateEndpoint(r.Context(), p.ID, r.PathValue("eid"), webhook.EndpointInput{Enabled: &on}); err != nil {
		h.fail(w, r, err)
		return
	}
	done := "disabled"
	if on {
		done = "enabled"
	}
	redirect(w, r, projectPath(p.ID, "/webhooks?done="+done))
}

func (h *handler) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	p, svc, ok := h.webhookProject(w, r)
	if !ok {
		return
	}
	if err := svc.DeleteEndpoint(r.Context(), p.ID, r.PathValue("eid")); err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, projectPath(p.ID, "/webhooks?done=deleted"))
}

func (h *handler) redeliverWebhook(w http.ResponseWriter, r *http.Request) {
	p, svc, ok := h.webhookProject(w, r)
	if !ok {
		return
	}
	if _, err := svc.Redeliver(r.Context(), p.ID, r.PathValue("did")); err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, projectPath(p.ID, "/webhooks?done=redelivered"))
}

// webhookProject loads the project and the webhook service; without the
// service it answers 501.
func (h *handler) webhookProject(w http.ResponseWriter, r *http.Request) (*driveway.Project, *webhook.Service, bool) {
	p, ok := h.loadProject(w, r)
	if !ok {
		return nil, nil, false
	}
	if h.opts.Webhooks == nil {
		h.renderError(w, r, http.StatusNotImplemented, "Webhooks not available", "Outgoing webhooks are not configured on this server.")
		return nil, nil, false
	}
	return p, h.opts.Webhooks, true
}

func (h *handler) renderWebhooks(w http.ResponseWriter, r *http.Request, status int, v *view, p *driveway.Project, d webhooksData) {
	if svc := h.opts.Webhooks; svc != nil {
		d.Configured = true
		var err error
		if d.Endpoints, err = svc.ListEndpoints(r.Context(), p.ID); err != nil {
			h.fail(w, r, err)
			return
		}
		d.Deliveries, err = svc.ListDeliveries(r.Context(), p.ID, driveway.DeliveryFilter{Status: d.Status, Limit: 50})
		if driveway.ErrorCode(err) == driveway.EINVALID {
			d.Status = ""
			d.Deliveries, err = svc.ListDeliveries(r.Context(), p.ID, driveway.DeliveryFilter{Limit: 50})
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
	}
	v.Title, v.Project, v.Tab, v.Data = "Webhooks · "+p.Name, p, "webhooks", d
	h.render(w, r, status, "webhooks", v)
}
