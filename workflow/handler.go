package workflow

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/drivewayhq/driveway"
)

// maxTriggerBody bounds a trigger request's body.
const maxTriggerBody = 1 << 20

// Handler serves the SDK's workflow calls. Mount it behind the middleware
// that verifies the user token and puts a *driveway.Principal in the
// request context (package connect); a request without one, or for another
// project, is refused.
//
//	POST   /projects/{pid}/sdk/triggers/{workflowId}   Request trigger
//	POST   /projects/{pid}/sdk/events/trigger          App Event {name, payload}
//	POST   /v2/projects/{pid}/sdk/events/trigger       the same
//	POST   /projects/{pid}/sdk/workflows/{workflowId}  enable for the user
//	DELETE /projects/{pid}/sdk/workflows/{workflowId}  disable for the user
func (e *Engine) Handler() http.Handler {
	mux := http.NewServeMux()
	handlers := []http.HandlerFunc{e.handleRequestTrigger, e.handleEvent, e.handleEvent, e.handleEnable(true), e.handleEnable(false)}
	for i, p := range Patterns {
		mux.HandleFunc(p, handlers[i])
	}
	return mux
}

// Patterns are the ServeMux patterns Handler serves, for the server to
// route them to it (behind the user-token middleware).
var Patterns = []string{
	"POST /projects/{pid}/sdk/triggers/{workflowId}",
	"POST /projects/{pid}/sdk/events/trigger",
	"POST /v2/projects/{pid}/sdk/events/trigger",
	"POST /projects/{pid}/sdk/workflows/{workflowId}",
	"DELETE /projects/{pid}/sdk/workflows/{workflowId}",
}

// principal returns the request's principal, or writes an error.
func principal(w http.ResponseWriter, r *http.Request) *driveway.Principal {
	p := driveway.PrincipalFrom(r.Context())
	switch {
	case p == nil:
		writeError(w, driveway.Errorf(driveway.EUNAUTHORIZED, "a user token is required"))
		return nil
	case p.ProjectID != r.PathValue("pid"):
		writeError(w, driveway.Errorf(driveway.ENOTFOUND, "project not found"))
		return nil
	}
	return p
}

func (e *Engine) handleRequestTrigger(w http.ResponseWriter, r *http.Request) {
	p := principal(w, r)
	if p == nil {
		return
	}
	wf, err := e.store.GetWorkflow(r.Context(), p.ProjectID, r.PathValue("workflowId"))
	if err == nil && wf.TriggerType != TriggerRequest {
		err = driveway.Errorf(driveway.ENOTFOUND, "workflow not found")
	}
	if err != nil {
		writeError(w, err)
		return
	}
	if on, err := e.Enabled(r.Context(), wf, p.UserID); err != nil || !on {
		writeError(w, errOr(err, driveway.Errorf(driveway.EFORBIDDEN, "the workflow is not enabled for this user")))
		return
	}
	payload, err := requestPayload(r)
	if err != nil {
		writeError(w, err)
		return
	}
	run, err := e.StartRun(r.Context(), StartParams{ProjectID: p.ProjectID, WorkflowID: wf.ID, UserID: p.UserID, Trigger: payload})
	if err != nil {
		writeError(w, err)
		return
	}
	def, err := e.definition(r.Context(), p.ProjectID, wf.ID, run.Version)
	if err != nil || !hasResponse(def.Steps) {
		writeJSON(w, http.StatusOK, map[string]any{"runId": run.ID, "status": run.Status})
		return
	}
	e.respond(w, r, run)
}

// respond waits for the run's Response step (up to ResponseWait) and
// answers with its output.
func (e *Engine) respond(w http.ResponseWriter, r *http.Request, run *driveway.WorkflowRun) {
	ctx, cancel := contextWithTimeout(r, e.cfg.ResponseWait)
	defer cancel()
	run, err := e.Wait(ctx, run.ProjectID, run.ID, func(r *driveway.WorkflowRun) bool { return r.HasResponse || r.Finished() })
	switch {
	case run == nil:
		writeError(w, err)
	case run.HasResponse:
		var out struct {
			Status  int               `json:"status"`
			Body    json.RawMessage   `json:"body"`
			Headers map[string]string `json:"headers"`
		}
		_ = json.Unmarshal(run.Response, &out)
		for k, v := range out.Headers {
			w.Header().Set(k, v)
		}
		w.Header().Set("X-Driveway-Run-Id", run.ID)
		writeJSON(w, max(out.Status, 200), out.Body)
	case run.Status == driveway.RunFailed:
		// The end user learns that the run failed and which run it was; why is
		// for the project's operators, in the task history.
		w.Header().Set("X-Driveway-Run-Id", run.ID)
		writeJSON(w, http.StatusBadGateway, map[string]any{"runId": run.ID, "status": run.Status,
			"message": "the workflow run failed"})
	default:
		writeJSON(w, http.StatusAccepted, map[string]any{"runId": run.ID, "status": run.Status})
	}
}

// requestPayload is `trigger` of a Request run: {body, query, headers}
// with lower-case header names, the credentials left out.
func requestPayload(r *http.Request) (map[string]any, error) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxTriggerBody+1))
	if err != nil {
		return nil, driveway.Invalid("body", "unreadable body")
	}
	if len(raw) > maxTriggerBody {
		return nil, driveway.Invalid("body", "larger than %d bytes", maxTriggerBody)
	}
	var body any
	if len(raw) > 0 {
		if json.Unmarshal(raw, &body) != nil {
			body = string(raw)
		}
	}
	query := map[string]any{}
	for k, v := range r.URL.Query() {
		query[k] = strings.Join(v, ",")
	}
	headers := map[string]any{}
	for k, v := range r.Header {
		switch lk := strings.ToLower(k); lk {
		case "authorization", "cookie":
		default:
			headers[lk] = strings.Join(v, ", ")
		}
	}
	return map[string]any{"body": body, "query": query, "headers": headers}, nil
}

func hasResponse(steps []Step) bool {
	for _, s := range flatten(steps) {
		if s.Type == StepResponse {
			return true
		}
	}
	return false
}

func (e *Engine) handleEvent(w http.ResponseWriter, r *http.Request) {
	p := principal(w, r)
	if p == nil {
		return
	}
	var in struct {
		Name    string `json:"name"`
		Payload any    `json:"payload"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, maxTriggerBody)).Decode(&in); err != nil {
		writeError(w, driveway.Invalid("body", "want {\"name\": …, \"payload\": …}"))
		return
	}
	runs, err := e.Emit(r.Context(), p, in.Name, in.Payload)
	if err != nil && len(runs) == 0 {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"runIds": runs})
}

func (e *Engine) handleEnable(on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := principal(w, r)
		if p == nil {
			return
		}
		err := e.SetEnabled(r.Context(), p.ProjectID, r.PathValue("workflowId"), p.UserID, on)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("workflowId"), "enabled": on})
	}
}
