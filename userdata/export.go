package userdata

import (
	"context"
	"encoding/json"

	"github.com/drivewayhq/driveway"
)

// exportLimit bounds the events per account and the runs an export holds,
// newest first.
const exportLimit = 10_000

// Export returns everything kept about the user: the user and accounts (no
// tokens), the events of their accounts, their workflow runs with their
// steps as recorded, their workflow choices and their trigger
// subscriptions. ENOTFOUND for an unknown user.
func (s *Service) Export(ctx context.Context, projectID, userID string) (*Export, error) {
	u, err := s.Get(ctx, projectID, userID)
	if err != nil {
		return nil, err
	}
	out := &Export{User: u, Events: []ExportEvent{}, Runs: []ExportRun{}, Triggers: []json.RawMessage{}}
	for _, c := range u.Credentials {
		evs, err := s.Store.ListEvents(ctx, projectID, c.ID, exportLimit)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			if e.UserID == userID {
				out.Events = append(out.Events, ExportEvent{ID: e.ID, Kind: e.Kind, CredentialID: e.CredentialID, Data: e.Data, CreatedAt: e.CreatedAt})
			}
		}
	}
	if out.Runs, err = s.exportRuns(ctx, projectID, userID); err != nil {
		return nil, err
	}
	if out.Choices, err = s.Store.ListUserWorkflowEnablement(ctx, projectID, userID); err != nil {
		return nil, err
	}
	subs, err := s.Store.ListTriggerSubscriptions(ctx, projectID)
	if err != nil {
		return nil, err
	}
	for _, ts := range subs {
		if ts.UserID == userID {
			b, _ := json.Marshal(ts)
			out.Triggers = append(out.Triggers, b)
		}
	}
	return out, nil
}

func (s *Service) exportRuns(ctx context.Context, projectID, userID string) ([]ExportRun, error) {
	runs, err := s.Store.ListRuns(ctx, projectID, driveway.RunFilter{UserID: userID, Limit: exportLimit})
	if err != nil {
		return nil, err
	}
	out := make([]ExportRun, 0, len(runs))
	for _, r := range runs {
		steps, err := s.Store.ListStepRuns(ctx, projectID, r.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, ExportRun{Run: r, Steps: steps})
	}
	return out, nil
}
