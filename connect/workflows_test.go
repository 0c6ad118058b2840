package connect_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/drivewayhq/driveway/connect"
)

// TestWorkflowsReachTheSDK: the SDK's workflow() requires the id in
// configs[0].values.workflowMeta, and reads the user's state from
// workflowSettings in /sdk/me.
func TestWorkflowsReachTheSDK(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.handler.Workflows = func(ctx context.Context, pid, uid string) ([]connect.WorkflowInfo, error) {
		if pid != e.project.ID || uid != "user-w" {
			t.Errorf("Workflows asked for %s/%s", pid, uid)
		}
		return []connect.WorkflowInfo{{ID: "wf_sync", Description: "Sync invoices", DefaultEnabled: true, Enabled: false}}, nil
	}
	tok := e.token("user-w")
	var list []struct {
		Configs []struct {
			Values struct {
				WorkflowMeta map[string]struct {
					ID             string `json:"id"`
					DefaultEnabled bool   `json:"defaultEnabled"`
				} `json:"workflowMeta"`
			} `json:"values"`
		} `json:"configs"`
		Workflows []map[string]any `json:"workflows"`
	}
	e.callJSON("GET", "/projects/"+e.project.ID+"/sdk/integrations", tok, nil, &list)
	if m := list[0].Configs[0].Values.WorkflowMeta["wf_sync"]; m.ID != "wf_sync" || !m.DefaultEnabled || len(list[0].Workflows) != 1 {
		t.Fatalf("integrations = %+v", list)
	}
	var me map[string]any
	e.callJSON("GET", "/projects/"+e.project.ID+"/sdk/me", tok, nil, &me)
	od := me["integrations"].(map[string]any)["onedrive"].(map[string]any)
	b, _ := json.Marshal(od["workflowSettings"])
	if string(b) != `{"wf_sync":{"enabled":false,"settings":{}}}` {
		t.Fatalf("workflowSettings = %s", b)
	}
}
