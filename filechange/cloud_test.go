package filechange

import (
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/microsoft"
)

// TestGraphOfEachCloud: a project's Graph calls and subscriptions go to
// its integration's cloud (nothing is dialled); a project without a
// OneDrive integration has none; an override (the emulator) wins.
func TestGraphOfEachCloud(t *testing.T) {
	t.Parallel()
	db := sqliteDB(t)
	q := db.newQueue(t, jobs.Config{InsertOnly: true, Logger: quiet(t)})
	svc, err := New(Options{Store: db.store, Queue: q, Tokens: &emuTokens{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for cloud, want := range map[string]string{
		driveway.CloudGlobal: "https://graph.microsoft.com/v1.0",
		driveway.CloudUSGov:  "https://graph.microsoft.us/v1.0",
		driveway.CloudDoD:    "https://dod-graph.microsoft.us/v1.0",
		driveway.CloudChina:  "https://microsoftgraph.chinacloudapi.cn/v1.0",
	} {
		pid := "prj_" + cloud
		must(t, db.store.CreateProject(ctx, &driveway.Project{ID: pid, Name: pid}))
		must(t, db.store.PutIntegration(ctx, &driveway.Integration{ProjectID: pid, ClientID: "c", Tenant: "common",
			Cloud: cloud, Scopes: []string{"offline_access"}, Enabled: true}))
		got, err := svc.graphURL(ctx, pid)
		if err != nil || got != want {
			t.Errorf("Graph of a %s project = %q, %v; want %q", cloud, got, err, want)
		}
	}
	must(t, db.store.CreateProject(ctx, &driveway.Project{ID: "prj_none", Name: "none"}))
	if _, err := svc.graphURL(ctx, "prj_none"); driveway.ErrorCode(err) != driveway.ENOTFOUND {
		t.Errorf("Graph of a project without OneDrive: %v, want ENOTFOUND", err)
	}
	svc.o.Resolver = microsoft.Resolver{Override: &microsoft.Endpoints{Login: "http://127.0.0.1:9", Graph: "http://127.0.0.1:9"}}
	if got, err := svc.graphURL(ctx, "prj_"+driveway.CloudChina); err != nil || got != "http://127.0.0.1:9/v1.0" {
		t.Errorf("Graph with the emulator's override = %q, %v", got, err)
	}
}
