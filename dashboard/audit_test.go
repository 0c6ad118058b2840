package dashboard_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
)

// TestAuditRecordsDashboardChangesAndTryIt: an operator's change and a
// "Try it" on an end user's drive (even one that fails) land in the audit
// trail, as the operator, and the Audit log page shows and filters them.
func TestAuditRecordsDashboardChangesAndTryIt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	withActions(t, b)
	b.login()
	b.seedUser("user-1", "Ada Lovelace", "ada@example.test",
		&driveway.Credential{ID: "cred_ada", Status: driveway.CredentialValid, AccessToken: "tok-canary-9", RefreshToken: "tok-canary-9",
			AccessTokenExpiresAt: time.Now().Add(time.Hour), Account: driveway.Account{UserPrincipalName: "ada@outlook.com"}})
	if resp, body := b.post("/dashboard/", "/dashboard/projects", url.Values{"name": {"Audited"}}); resp.StatusCode != 303 {
		t.Fatalf("create project: %d\n%s", resp.StatusCode, body)
	}
	form := url.Values{"action": {"ONEDRIVE_CREATE_FOLDER"}, "credential": {"cred_ada"}, "parameters": {`{}`}}
	if resp, _ := b.post(b.projectPath("/actions"), b.projectPath("/actions"), form); resp.StatusCode != 400 {
		t.Fatalf("invalid try: %d, want 400", resp.StatusCode)
	}
	es, err := b.svc.Store.ListAudit(t.Context(), driveway.AuditFilter{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 {
		t.Fatalf("%d audit entries, want 2 (project created, try it): %+v", len(es), es)
	}
	if e := es[0]; e.ActorType != "operator" || e.Action != "dashboard /dashboard/projects" || e.Address == "" {
		t.Fatalf("project creation entry: %+v", e)
	}
	try := es[1]
	if try.Action != "action.try" || try.ProjectID != b.project.ID || try.Target != "cred_ada" ||
		strings.Contains(try.After, "user-1") || !strings.Contains(try.After, `"user":"u_`) || !strings.Contains(try.After, "ONEDRIVE_CREATE_FOLDER") {
		t.Fatalf("try it entry: %+v", try)
	}
	b.get(b.projectPath("/users"))
	views, err := b.svc.Store.ListAudit(t.Context(), driveway.AuditFilter{Action: "users.view"}, 10)
	if err != nil || len(views) != 1 || views[0].ProjectID != b.project.ID || views[0].ActorType != "operator" {
		t.Fatalf("the Connected users page view is not recorded once: %+v %v", views, err)
	}
	_, page := b.get("/dashboard/audit")
	for _, want := range []string{"action.try", "dashboard /dashboard/projects", "cred_ada"} {
		if !strings.Contains(page, want) {
			t.Errorf("audit page lacks %q", want)
		}
	}
	_, page = b.get("/dashboard/audit?action=action.")
	if !strings.Contains(page, "cred_ada") || strings.Contains(page, "dashboard /dashboard/projects") {
		t.Fatalf("filtered audit page shows the wrong entries:\n%s", page)
	}
}
