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
	}
	want := map[string]int{"ListCredentials A's user": 0}
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
