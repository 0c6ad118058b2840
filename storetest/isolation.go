package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
)

// world is one project with one of every record.
type world struct {
	p   *driveway.Project
	u   *driveway.ConnectedUser
	c   *driveway.Credential
	in  *driveway.Integration
	sk  *driveway.SigningKey
	ak  *driveway.APIKey
	st  *driveway.OAuthState
	is  *driveway.InstallSession
	ev  *driveway.Event
	tag string
}

func newWorld(t *testing.T, q driveway.Queries, projectID, tag string) *world {
	// Ids come from the project id; only secret fields carry tag.
	w := &world{tag: tag}
	w.p = newProject(t, q, projectID)
	w.u = newUser(t, q, projectID, "user-"+projectID)
	w.c = newCredential(t, q, projectID, w.u.ID, "cred_"+projectID, tag)
	w.in = integration(projectID, tag)
	ok(t, "PutIntegration", q.PutIntegration(context.Background(), w.in))
	w.sk = newSigningKey(t, q, projectID, "kid-"+projectID)
	w.ak = newAPIKey(t, q, projectID, "key_"+projectID)
	w.st = oauthState(projectID, w.u.ID, "state-"+projectID, tag)
	ok(t, "CreateOAuthState", q.CreateOAuthState(context.Background(), w.st))
	w.is = &driveway.InstallSession{ProjectID: projectID, UserID: w.u.ID, ID: "sess-" + projectID,
		CredentialID: w.c.ID, CreatedAt: at(time.Second), ExpiresAt: at(time.Hour)}
	ok(t, "PutInstallSession", q.PutInstallSession(context.Background(), w.is))
	w.ev = &driveway.Event{ProjectID: projectID, ID: "evt_" + projectID, Kind: driveway.EventCredentialConnected,
		UserID: w.u.ID, CredentialID: w.c.ID, Data: map[string]any{"status": "VALID"}, CreatedAt: at(time.Second)}
	ok(t, "AppendEvent", q.AppendEvent(context.Background(), w.ev))
	return w
}

// check fails t unless everything of w reads back unchanged.
func (w *world) check(t *testing.T, q driveway.Queries) {
	t.Helper()
	ctx := context.Background()
	p, err := q.GetProject(ctx, w.p.ID)
	ok(t, "GetProject", err)
	eq(t, "project", p, w.p)
	u, err := q.GetConnectedUser(ctx, w.p.ID, w.u.ID)
	ok(t, "GetConnectedUser", err)
	eq(t, "user", u, w.u)
	c, err := q.GetCredential(ctx, w.p.ID, w.c.ID)
	ok(t, "GetCredential", err)
	eq(t, "credential", c, w.c)
	in, err := q.GetIntegration(ctx, w.p.ID)
	ok(t, "GetIntegration", err)
	eq(t, "integration", in, w.in)
	sk, err := q.GetSigningKey(ctx, w.p.ID, w.sk.ID)
	ok(t, "GetSigningKey", err)
	eq(t, "signing key", sk, w.sk)
	ak, err := q.GetAPIKey(ctx, w.ak.ID)
	ok(t, "GetAPIKey", err)
	eq(t, "api key", ak, w.ak)
	is, err := q.GetInstallSession(ctx, w.p.ID, w.u.ID, w.is.ID)
	ok(t, "GetInstallSession", err)
	eq(t, "install session", is, w.is)
	evs, err := q.ListEvents(ctx, w.p.ID, "", 10)
	ok(t, "ListEvents", err)
	eq(t, "events", evs, []*driveway.Event{w.ev})
}

// testIsolation calls every project-scoped method as project B with the ids
// of project A's records: reads find nothing, writes change nothing.
func testIsolation(t *testing.T, b *bundle) {
	ctx := context.Background()
	a := newWorld(t, b.s, "prj_a", "a")
	bw := newWorld(t, b.s, "prj_b", "b")
	B := bw.p.ID

	notFound := []struct {
		name string
		call func() error
	}{
		{"GetConnectedUser", func() error { _, err := b.s.GetConnectedUser(ctx, B, a.u.ID); return err }},
		{"DeleteConnectedUser", func() error { return b.s.DeleteConnectedUser(ctx, B, a.u.ID) }},
		{"GetCredential", func() error { _, err := b.s.GetCredential(ctx, B, a.c.ID); return err }},
		{"UpdateCredential", func() error {
			c := *a.c
			c.ProjectID, c.AccessToken = B, "stolen"
			return b.s.UpdateCredential(ctx, &c)
		}},
		{"DeleteCredential", func() error { return b.s.DeleteCredential(ctx, B, a.c.ID) }},
		{"CreateCredential for A's user", func() error { return b.s.CreateCredential(ctx, credential(B, a.u.ID, "cred_x", "x")) }},
		{"GetSigningKey", func() error { _, err := b.s.GetSigningKey(ctx, B, a.sk.ID); return err }},
		{"DeleteSigningKey", func() error { return b.s.DeleteSigningKey(ctx, B, a.sk.ID) }},
		{"RevokeAPIKey", func() error { return b.s.RevokeAPIKey(ctx, B, a.ak.ID, at(time.Hour)) }},
		{"GetInstallSession", func() error { _, err := b.s.GetInstallSession(ctx, B, a.u.ID, a.is.ID); return err }},
		{"DeleteInstallSession", func() error { return b.s.DeleteInstallSession(ctx, B, a.u.ID, a.is.ID) }},
	}
	for _, tt := range notFound {
		code(t, "as project B: "+tt.name, tt.call(), driveway.ENOTFOUND)
	}

	lists := []struct {
		name string
		call func() (int, error)
	}{
		{"ListConnectedUsers", func() (int, error) { l, err := b.s.ListConnectedUsers(ctx, B, "", 100); return len(l), err }},
		{"ListCredentials project", func() (int, error) { l, err := b.s.ListCredentials(ctx, B, ""); return len(l), err }},
		{"ListCredentials A's user", func() (int, error) { l, err := b.s.ListCredentials(ctx, B, a.u.ID); return len(l), err }},
		{"ListSigningKeys", func() (int, error) { l, err := b.s.ListSigningKeys(ctx, B); return len(l), err }},
		{"ListAPIKeys", func() (int, error) { l, err := b.s.ListAPIKeys(ctx, B); return len(l), err }},
		{"ListEvents", func() (int, error) { l, err := b.s.ListEvents(ctx, B, "", 100); return len(l), err }},
		{"ListEvents A's credential", func() (int, error) { l, err := b.s.ListEvents(ctx, B, a.c.ID, 100); return len(l), err }},
	}
	want := map[string]int{"ListCredentials A's user": 0, "ListEvents A's credential": 0}
	for _, tt := range lists {
		n, err := tt.call()
		ok(t, tt.name, err)
		w, set := want[tt.name]
		if !set {
			w = 1 // B's own record only
		}
		if n != w {
			t.Fatalf("as project B: %s returned %d records, want %d", tt.name, n, w)
		}
	}

	// Writes as B that name A's ids must land in B or fail, never in A.
	u := *a.u
	u.ProjectID, u.Metadata = B, map[string]any{"Name": "B's namesake"}
	ok(t, "UpsertConnectedUser same id in B", b.s.UpsertConnectedUser(ctx, &u))
	in := integration(B, "b2")
	ok(t, "PutIntegration B", b.s.PutIntegration(ctx, in))
	bw.in = in
	if changed, err := b.s.SetIntegrationAlarm(ctx, B, nil); err != nil || !changed {
		t.Fatalf("SetIntegrationAlarm(B, nil) = %v, %v", changed, err)
	}
	bw.in.Alarm = nil
	is := *a.is
	is.ProjectID, is.Error = B, "access_denied"
	ok(t, "PutInstallSession same ids in B", b.s.PutInstallSession(ctx, &is))

	a.check(t, b.s)
	bw.check(t, b.s)

	// Same ids in both projects stay apart.
	same := newCredential(t, b.s, B, u.ID, a.c.ID, "b-same")
	got, err := b.s.GetCredential(ctx, a.p.ID, a.c.ID)
	ok(t, "GetCredential A", err)
	eq(t, "A's credential beside a namesake in B", got, a.c)
	got, err = b.s.GetCredential(ctx, B, a.c.ID)
	ok(t, "GetCredential B", err)
	eq(t, "B's namesake credential", got, same)
	ok(t, "DeleteProject B", b.s.DeleteProject(ctx, B))
	a.check(t, b.s)
}
