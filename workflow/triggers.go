package workflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/drivewayhq/driveway"
)

// Emit starts every workflow of the principal's project that listens for
// the app event name and that the user has enabled, with the payload as
// the trigger; it returns the runs' ids.
func (e *Engine) Emit(ctx context.Context, p *driveway.Principal, name string, payload any) ([]string, error) {
	if name == "" {
		return nil, driveway.Invalid("name", "an event name is required")
	}
	return e.startAll(ctx, p, TriggerAppEvent, name, payload)
}

// IntegrationEnabled starts the user's enabled "integration_enabled"
// workflows. The connect flow calls it when a user connects OneDrive; the
// trigger is {"integration": "onedrive", "credentialId": …}.
func (e *Engine) IntegrationEnabled(ctx context.Context, p *driveway.Principal, credentialID string) ([]string, error) {
	return e.startAll(ctx, p, TriggerIntegrationEnabled, "",
		map[string]any{"integration": "onedrive", "credentialId": credentialID})
}

// FileChangeEvent is a change to a user's OneDrive seen by the change
// feed (the next issue fills it in).
type FileChangeEvent struct {
	ProjectID    string
	UserID       string
	CredentialID string
	// Change is the trigger payload, e.g. {"type": "created", "item": {...}}.
	Change map[string]any
}

// FileChange starts the user's enabled "file_change" workflows whose
// trigger filter (filter.go) passes the change, with the event's Change as
// the trigger.
func (e *Engine) FileChange(ctx context.Context, ev FileChangeEvent) ([]string, error) {
	p := &driveway.Principal{ProjectID: ev.ProjectID, UserID: ev.UserID}
	payload := map[string]any{"credentialId": ev.CredentialID}
	for k, v := range ev.Change {
		payload[k] = v
	}
	return e.startMatching(ctx, p, payload)
}

// startAll starts each enabled workflow with that trigger. It starts what
// it can and reports the errors of the others together.
func (e *Engine) startAll(ctx context.Context, p *driveway.Principal, trigger, event string, payload any) ([]string, error) {
	return e.startAllKept(ctx, p, trigger, event, payload, nil)
}

// startAllKept is startAll for the workflows keep returns true for (all
// when keep is nil).
func (e *Engine) startAllKept(ctx context.Context, p *driveway.Principal, trigger, event string, payload any,
	keep func(*driveway.Workflow) (bool, error)) ([]string, error) {
	wfs, err := e.store.ListWorkflowsByTrigger(ctx, p.ProjectID, trigger, event)
	if err != nil {
		return nil, err
	}
	runIDs := []string{}
	var errs []error
	for _, w := range wfs {
		if keep != nil {
			if ok, err := keep(w); err != nil || !ok {
				errs = append(errs, err) // nil when filtered out
				continue
			}
		}
		on, err := e.Enabled(ctx, w, p.UserID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !on {
			continue
		}
		run, err := e.StartRun(ctx, StartParams{ProjectID: p.ProjectID, WorkflowID: w.ID, UserID: p.UserID, Trigger: payload})
		if err != nil {
			errs = append(errs, fmt.Errorf("start workflow %s: %w", w.ID, err))
			continue
		}
		runIDs = append(runIDs, run.ID)
	}
	return runIDs, errors.Join(errs...)
}
