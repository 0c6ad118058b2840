package httpapi

import "net/http"

// adminRoutes is the admin API's route table. Every entry must appear in
// openapi.json (TestOpenAPICoversRoutes holds the two together).
func (s *Server) adminRoutes() []route {
	h := func(f func(http.ResponseWriter, *http.Request) error) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if pid := r.PathValue("pid"); idPattern.MatchString(pid) {
				Annotate(r.Context(), pid, "", "")
			}
			if err := f(w, r); err != nil {
				s.logError(r, err)
				writeError(w, r, err)
			}
		})
	}
	return []route{
		{"GET", "/api/v1/projects", h(s.listProjects)},
		{"POST", "/api/v1/projects", h(s.createProject)},
		{"GET", "/api/v1/projects/{pid}", h(s.getProject)},
		{"PATCH", "/api/v1/projects/{pid}", h(s.updateProject)},
		{"DELETE", "/api/v1/projects/{pid}", h(s.deleteProject)},
		{"GET", "/api/v1/projects/{pid}/allowed-origins", h(s.getOrigins)},
		{"PUT", "/api/v1/projects/{pid}/allowed-origins", h(s.putOrigins)},
		{"GET", "/api/v1/projects/{pid}/integrations/onedrive", h(s.getIntegration)},
		{"PUT", "/api/v1/projects/{pid}/integrations/onedrive", h(s.putIntegration)},
		{"GET", "/api/v1/projects/{pid}/signing-keys", h(s.listSigningKeys)},
		{"POST", "/api/v1/projects/{pid}/signing-keys", h(s.addSigningKey)},
		{"POST", "/api/v1/projects/{pid}/signing-keys/generate", h(s.generateSigningKey)},
		{"DELETE", "/api/v1/projects/{pid}/signing-keys/{kid}", h(s.deleteSigningKey)},
		{"GET", "/api/v1/projects/{pid}/api-keys", h(s.listAPIKeys)},
		{"POST", "/api/v1/projects/{pid}/api-keys", h(s.createAPIKey)},
		{"DELETE", "/api/v1/projects/{pid}/api-keys/{keyId}", h(s.revokeAPIKey)},
		{"GET", "/api/v1/projects/{pid}/webhook-endpoints", h(s.listWebhookEndpoints)},
		{"POST", "/api/v1/projects/{pid}/webhook-endpoints", h(s.createWebhookEndpoint)},
		{"GET", "/api/v1/projects/{pid}/webhook-endpoints/{eid}", h(s.getWebhookEndpoint)},
		{"PATCH", "/api/v1/projects/{pid}/webhook-endpoints/{eid}", h(s.updateWebhookEndpoint)},
		{"DELETE", "/api/v1/projects/{pid}/webhook-endpoints/{eid}", h(s.deleteWebhookEndpoint)},
		{"POST", "/api/v1/projects/{pid}/webhook-endpoints/{eid}/rotate-secret", h(s.rotateWebhookSecret)},
		{"GET", "/api/v1/projects/{pid}/webhook-deliveries", h(s.listWebhookDeliveries)},
		{"GET", "/api/v1/projects/{pid}/webhook-deliveries/{did}", h(s.getWebhookDelivery)},
		{"POST", "/api/v1/projects/{pid}/webhook-deliveries/{did}/redeliver", h(s.redeliverWebhook)},
		{"GET", "/api/v1/projects/{pid}/workflows", h(s.listWorkflows)},
		{"POST", "/api/v1/projects/{pid}/workflows", h(s.createWorkflow)},
		{"GET", "/api/v1/projects/{pid}/workflows/{wid}", h(s.getWorkflow)},
		{"PUT", "/api/v1/projects/{pid}/workflows/{wid}", h(s.putWorkflow)},
		{"DELETE", "/api/v1/projects/{pid}/workflows/{wid}", h(s.deleteWorkflow)},
		{"GET", "/api/v1/projects/{pid}/secrets", h(s.listSecrets)},
		{"PUT", "/api/v1/projects/{pid}/secrets/{name}", h(s.putSecret)},
		{"DELETE", "/api/v1/projects/{pid}/secrets/{name}", h(s.deleteSecret)},
		{"GET", "/api/v1/projects/{pid}/runs", h(s.listRuns)},
		{"GET", "/api/v1/projects/{pid}/runs/{runId}", h(s.getRun)},
		{"POST", "/api/v1/projects/{pid}/runs/{runId}/cancel", h(s.cancelRun)},
		{"POST", "/api/v1/projects/{pid}/runs/{runId}/rerun", h(s.rerunRun)},
		{"GET", "/api/v1/projects/{pid}/audit-log", h(s.exportAudit)},
		{"GET", "/api/v1/api-keys", h(s.listAPIKeys)},
		{"POST", "/api/v1/api-keys", h(s.createAPIKey)},
		{"DELETE", "/api/v1/api-keys/{keyId}", h(s.revokeAPIKey)},
		{"GET", "/api/v1/audit-log", h(s.exportAudit)},
		{"GET", "/api/v1/audit-log/verify", h(s.verifyAudit)},
		{"GET", "/api/v1/projects/{pid}/users", h(s.listUsers)},
		{"GET", "/api/v1/projects/{pid}/users/{uid}", h(s.getUser)},
		{"DELETE", "/api/v1/projects/{pid}/users/{uid}", h(s.eraseUser)},
		{"GET", "/api/v1/projects/{pid}/users/{uid}/export", h(s.exportUser)},
		{"DELETE", "/api/v1/projects/{pid}/users/{uid}/credentials/{cid}", h(s.disconnectUserCredential)},
		{"GET", "/api/v1/projects/{pid}/erasures/{eid}", h(s.getErasure)},
	}
}

// logError logs internal errors for operators; caller errors are not worth
// a line of their own (the access log has the status).
func (s *Server) logError(r *http.Request, err error) {
	if StatusFor(codeOf(err)) >= 500 {
		s.Logger.ErrorContext(r.Context(), "request failed", "request_id", RequestID(r.Context()), "route", r.Pattern, "err", err)
	}
}
