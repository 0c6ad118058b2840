package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
)

func testProjects(t *testing.T, b *bundle) {
	ctx := context.Background()
	p2 := newProject(t, b.s, "prj_bb")
	p1 := newProject(t, b.s, "prj_a") // created earlier (shorter id, see newProject)
	got, err := b.s.GetProject(ctx, p1.ID)
	ok(t, "GetProject", err)
	eq(t, "GetProject", got, p1)
	code(t, "CreateProject duplicate", b.s.CreateProject(ctx, &driveway.Project{ID: p1.ID, Name: "again"}), driveway.ECONFLICT)
	_, err = b.s.GetProject(ctx, "prj_none")
	code(t, "GetProject missing", err, driveway.ENOTFOUND)

	list, err := b.s.ListProjects(ctx)
	ok(t, "ListProjects", err)
	eq(t, "ListProjects", list, []*driveway.Project{p1, p2})

	p1.Name, p1.AllowedOrigins, p1.UpdatedAt = "Renamed", []string{"https://a.example", "http://localhost:3000"}, at(time.Hour)
	ok(t, "UpdateProject", b.s.UpdateProject(ctx, p1))
	got, err = b.s.GetProject(ctx, p1.ID)
	ok(t, "GetProject", err)
	eq(t, "GetProject after update", got, p1)
	code(t, "UpdateProject missing", b.s.UpdateProject(ctx, &driveway.Project{ID: "prj_none"}), driveway.ENOTFOUND)

	ok(t, "DeleteProject", b.s.DeleteProject(ctx, p1.ID))
	_, err = b.s.GetProject(ctx, p1.ID)
	code(t, "GetProject deleted", err, driveway.ENOTFOUND)
	code(t, "DeleteProject again", b.s.DeleteProject(ctx, p1.ID), driveway.ENOTFOUND)

	// Zero times are set by the store.
	p3 := &driveway.Project{ID: "prj_c", Name: "c"}
	ok(t, "CreateProject", b.s.CreateProject(ctx, p3))
	if p3.CreatedAt.IsZero() || p3.UpdatedAt.IsZero() {
		t.Fatalf("CreateProject left zero times: %+v", p3)
	}
	got, err = b.s.GetProject(ctx, p3.ID)
	ok(t, "GetProject", err)
	eq(t, "GetProject with store times", got, p3)
}

func testIntegration(t *testing.T, b *bundle) {
	ctx := context.Background()
	p := newProject(t, b.s, "prj_a")
	_, err := b.s.GetIntegration(ctx, p.ID)
	code(t, "GetIntegration before Put", err, driveway.ENOTFOUND)

	in := integration(p.ID, "x")
	ok(t, "PutIntegration", b.s.PutIntegration(ctx, in))
	got, err := b.s.GetIntegration(ctx, p.ID)
	ok(t, "GetIntegration", err)
	eq(t, "GetIntegration", got, in)

	// Replace: one secret, no certificate, no alarm, disabled, no account auth.
	in2 := integration(p.ID, "y")
	in2.ClientSecrets, in2.Certificate, in2.Alarm, in2.Enabled = in2.ClientSecrets[1:], nil, nil, false
	in2.AllowAccountAuth = false
	in2.Tenant, in2.Cloud, in2.Scopes = "contoso.onmicrosoft.com", driveway.CloudUSGov, []string{"offline_access"}
	ok(t, "PutIntegration replace", b.s.PutIntegration(ctx, in2))
	got, err = b.s.GetIntegration(ctx, p.ID)
	ok(t, "GetIntegration", err)
	eq(t, "GetIntegration after replace", got, in2)

	code(t, "PutIntegration missing project", b.s.PutIntegration(ctx, integration("prj_none", "z")), driveway.ENOTFOUND)
	dup := integration(p.ID, "d")
	dup.ClientSecrets[1].ID = dup.ClientSecrets[0].ID
	code(t, "PutIntegration duplicate secret id", b.s.PutIntegration(ctx, dup), driveway.ECONFLICT)
	got, err = b.s.GetIntegration(ctx, p.ID)
	ok(t, "GetIntegration", err)
	eq(t, "GetIntegration after a failed Put", got, in2)
}

func testSigningKeys(t *testing.T, b *bundle) {
	ctx := context.Background()
	p := newProject(t, b.s, "prj_a")
	k1 := newSigningKey(t, b.s, p.ID, "kid-1")
	k2 := newSigningKey(t, b.s, p.ID, "kid-0")
	k2.CreatedAt = at(time.Hour)
	ok(t, "DeleteSigningKey", b.s.DeleteSigningKey(ctx, p.ID, k2.ID))
	ok(t, "CreateSigningKey", b.s.CreateSigningKey(ctx, k2))
	got, err := b.s.GetSigningKey(ctx, p.ID, k1.ID)
	ok(t, "GetSigningKey", err)
	eq(t, "GetSigningKey", got, k1)
	list, err := b.s.ListSigningKeys(ctx, p.ID)
	ok(t, "ListSigningKeys", err)
	eq(t, "ListSigningKeys", list, []*driveway.SigningKey{k1, k2})
	code(t, "CreateSigningKey duplicate", b.s.CreateSigningKey(ctx, k1), driveway.ECONFLICT)
	code(t, "CreateSigningKey missing project", b.s.CreateSigningKey(ctx,
		&driveway.SigningKey{ProjectID: "prj_none", ID: "k", Alg: driveway.AlgRS256}), driveway.ENOTFOUND)
	_, err = b.s.GetSigningKey(ctx, p.ID, "kid-none")
	code(t, "GetSigningKey missing", err, driveway.ENOTFOUND)
	ok(t, "DeleteSigningKey", b.s.DeleteSigningKey(ctx, p.ID, k1.ID))
	code(t, "DeleteSigningKey again", b.s.DeleteSigningKey(ctx, p.ID, k1.ID), driveway.ENOTFOUND)
	list, err = b.s.ListSigningKeys(ctx, p.ID)
	ok(t, "ListSigningKeys", err)
	eq(t, "ListSigningKeys after delete", list, []*driveway.SigningKey{k2})
}

func testAPIKeys(t *testing.T, b *bundle) {
	ctx := context.Background()
	p := newProject(t, b.s, "prj_a")
	inst := newAPIKey(t, b.s, "", "key_inst")
	pk := newAPIKey(t, b.s, p.ID, "key_proj")
	for _, want := range []*driveway.APIKey{inst, pk} {
		got, err := b.s.GetAPIKey(ctx, want.ID)
		ok(t, "GetAPIKey", err)
		eq(t, "GetAPIKey", got, want)
		if !got.Active(at(time.Hour)) {
			t.Fatalf("new key %s is not active", got.ID)
		}
	}
	code(t, "CreateAPIKey duplicate", b.s.CreateAPIKey(ctx, &driveway.APIKey{ID: pk.ID, ProjectID: p.ID, Hash: []byte{1}}), driveway.ECONFLICT)
	code(t, "CreateAPIKey missing project", b.s.CreateAPIKey(ctx, &driveway.APIKey{ID: "key_x", ProjectID: "prj_none", Hash: []byte{1}}), driveway.ENOTFOUND)
	_, err := b.s.GetAPIKey(ctx, "key_none")
	code(t, "GetAPIKey missing", err, driveway.ENOTFOUND)

	list, err := b.s.ListAPIKeys(ctx, "")
	ok(t, "ListAPIKeys instance", err)
	eq(t, "ListAPIKeys instance", list, []*driveway.APIKey{inst})
	list, err = b.s.ListAPIKeys(ctx, p.ID)
	ok(t, "ListAPIKeys project", err)
	eq(t, "ListAPIKeys project", list, []*driveway.APIKey{pk})

	ok(t, "TouchAPIKey", b.s.TouchAPIKey(ctx, pk.ID, at(time.Hour), "192.0.2.7"))
	code(t, "RevokeAPIKey as instance", b.s.RevokeAPIKey(ctx, "", pk.ID, at(2*time.Hour)), driveway.ENOTFOUND)
	code(t, "RevokeAPIKey instance key as project", b.s.RevokeAPIKey(ctx, p.ID, inst.ID, at(2*time.Hour)), driveway.ENOTFOUND)
	ok(t, "RevokeAPIKey", b.s.RevokeAPIKey(ctx, p.ID, pk.ID, at(2*time.Hour)))
	ok(t, "RevokeAPIKey instance", b.s.RevokeAPIKey(ctx, "", inst.ID, at(3*time.Hour)))
	pk.LastUsedAt, pk.LastUsedAddr, pk.RevokedAt, inst.RevokedAt = at(time.Hour), "192.0.2.7", at(2*time.Hour), at(3*time.Hour)
	for _, want := range []*driveway.APIKey{inst, pk} {
		got, err := b.s.GetAPIKey(ctx, want.ID)
		ok(t, "GetAPIKey", err)
		eq(t, "GetAPIKey after revoke", got, want)
		if got.Active(at(time.Hour)) {
			t.Fatalf("revoked key %s is active", got.ID)
		}
	}
	code(t, "TouchAPIKey missing", b.s.TouchAPIKey(ctx, "key_none", at(0), ""), driveway.ENOTFOUND)
	code(t, "RevokeAPIKey missing", b.s.RevokeAPIKey(ctx, p.ID, "key_none", at(0)), driveway.ENOTFOUND)
}

func testConnectedUsers(t *testing.T, b *bundle) {
	ctx := context.Background()
	p := newProject(t, b.s, "prj_a")
	var users []*driveway.ConnectedUser
	for _, id := range []string{"u-3", "U-1", "u-2", "u-10", "ü"} {
		users = append(users, newUser(t, b.s, p.ID, id))
	}
	// Byte order: "U-1" < "u-10" < "u-2" < "u-3" < "ü".
	want := []*driveway.ConnectedUser{users[1], users[3], users[2], users[0], users[4]}
	var all []*driveway.ConnectedUser
	after := ""
	for range 10 {
		page, err := b.s.ListConnectedUsers(ctx, p.ID, after, 2)
		ok(t, "ListConnectedUsers", err)
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].ID
	}
	eq(t, "ListConnectedUsers pages", all, want)

	u := users[0]
	u.Metadata, u.UpdatedAt = map[string]any{"Name": "New", "plan": "pro"}, at(time.Hour)
	again := *u
	again.CreatedAt = at(5 * time.Hour) // ignored: CreatedAt stays
	ok(t, "UpsertConnectedUser replace", b.s.UpsertConnectedUser(ctx, &again))
	got, err := b.s.GetConnectedUser(ctx, p.ID, u.ID)
	ok(t, "GetConnectedUser", err)
	eq(t, "GetConnectedUser after upsert", got, u)

	code(t, "UpsertConnectedUser missing project", b.s.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: "prj_none", ID: "x"}), driveway.ENOTFOUND)
	_, err = b.s.GetConnectedUser(ctx, p.ID, "none")
	code(t, "GetConnectedUser missing", err, driveway.ENOTFOUND)

	c := newCredential(t, b.s, p.ID, u.ID, "cred_1", "t")
	ok(t, "DeleteConnectedUser", b.s.DeleteConnectedUser(ctx, p.ID, u.ID))
	_, err = b.s.GetCredential(ctx, p.ID, c.ID)
	code(t, "GetCredential of a deleted user", err, driveway.ENOTFOUND)
	code(t, "DeleteConnectedUser again", b.s.DeleteConnectedUser(ctx, p.ID, u.ID), driveway.ENOTFOUND)
}

func testCredentials(t *testing.T, b *bundle) {
	ctx := context.Background()
	p := newProject(t, b.s, "prj_a")
	u1, u2 := newUser(t, b.s, p.ID, "u1"), newUser(t, b.s, p.ID, "u2")
	c1 := newCredential(t, b.s, p.ID, u1.ID, "cred_1", "one")
	c2 := credential(p.ID, u1.ID, "cred_0", "two")
	c2.CreatedAt = at(time.Hour)
	ok(t, "CreateCredential", b.s.CreateCredential(ctx, c2))
	c3 := newCredential(t, b.s, p.ID, u2.ID, "cred_2", "three")
	if c1.Version != 1 {
		t.Fatalf("CreateCredential set Version %d, want 1", c1.Version)
	}
	got, err := b.s.GetCredential(ctx, p.ID, c1.ID)
	ok(t, "GetCredential", err)
	eq(t, "GetCredential", got, c1)

	code(t, "CreateCredential duplicate", b.s.CreateCredential(ctx, credential(p.ID, u1.ID, c1.ID, "d")), driveway.ECONFLICT)
	code(t, "CreateCredential missing user", b.s.CreateCredential(ctx, credential(p.ID, "nobody", "cred_9", "n")), driveway.ENOTFOUND)
	_, err = b.s.GetCredential(ctx, p.ID, "cred_none")
	code(t, "GetCredential missing", err, driveway.ENOTFOUND)

	list, err := b.s.ListCredentials(ctx, p.ID, u1.ID)
	ok(t, "ListCredentials user", err)
	eq(t, "ListCredentials user", list, []*driveway.Credential{c1, c2})
	list, err = b.s.ListCredentials(ctx, p.ID, "")
	ok(t, "ListCredentials project", err)
	eq(t, "ListCredentials project", list, []*driveway.Credential{c1, c3, c2})

	// Every field but the keys and CreatedAt is written.
	upd := credential(p.ID, u1.ID, c1.ID, "new")
	upd.Version, upd.CreatedAt = c1.Version, c1.CreatedAt
	upd.Status, upd.HealthReason, upd.Integration = driveway.CredentialInvalid, driveway.ReasonNeedsReauth, "onedrive2"
	upd.Account = driveway.Account{TenantID: "t2", ObjectID: "o2", UserPrincipalName: "p2", DisplayName: "d2", Email: "e2"}
	upd.DriveID, upd.DriveType, upd.Scopes = "drive2", driveway.DrivePersonal, []string{"offline_access"}
	upd.AccessTokenExpiresAt, upd.LastRefreshAt, upd.RefreshFailures, upd.UpdatedAt = at(9*time.Hour), at(8*time.Hour), 3, at(7*time.Hour)
	ok(t, "UpdateCredential", b.s.UpdateCredential(ctx, upd))
	if upd.Version != 2 {
		t.Fatalf("UpdateCredential set Version %d, want 2", upd.Version)
	}
	got, err = b.s.GetCredential(ctx, p.ID, c1.ID)
	ok(t, "GetCredential", err)
	eq(t, "GetCredential after update", got, upd)

	stale := *upd
	stale.Version = 1
	code(t, "UpdateCredential stale", b.s.UpdateCredential(ctx, &stale), driveway.ECONFLICT)
	missing := credential(p.ID, u1.ID, "cred_none", "m")
	missing.Version = 1
	code(t, "UpdateCredential missing", b.s.UpdateCredential(ctx, missing), driveway.ENOTFOUND)

	ok(t, "DeleteCredential", b.s.DeleteCredential(ctx, p.ID, c1.ID))
	code(t, "DeleteCredential again", b.s.DeleteCredential(ctx, p.ID, c1.ID), driveway.ENOTFOUND)
	_, err = b.s.GetCredential(ctx, p.ID, c1.ID)
	code(t, "GetCredential deleted", err, driveway.ENOTFOUND)
}

// testTimes checks that times keep microseconds and come back in UTC.
func testTimes(t *testing.T, b *bundle) {
	ctx := context.Background()
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	tm := time.Date(2026, 7, 8, 9, 10, 11, 987654321, zone)
	p := &driveway.Project{ID: "prj_t", Name: "t", CreatedAt: tm, UpdatedAt: tm.Add(time.Microsecond)}
	ok(t, "CreateProject", b.s.CreateProject(ctx, p))
	got, err := b.s.GetProject(ctx, p.ID)
	ok(t, "GetProject", err)
	want := tm.Truncate(time.Microsecond).UTC()
	if got.CreatedAt != want || got.CreatedAt.Location() != time.UTC {
		t.Fatalf("CreatedAt = %v (%v), want %v in UTC", got.CreatedAt, got.CreatedAt.Location(), want)
	}
	if d := got.UpdatedAt.Sub(got.CreatedAt); d != time.Microsecond {
		t.Fatalf("UpdatedAt - CreatedAt = %v, want 1µs", d)
	}
	k := &driveway.APIKey{ID: "key_t", ProjectID: p.ID, Hash: []byte{1}, CreatedAt: tm}
	ok(t, "CreateAPIKey", b.s.CreateAPIKey(ctx, k))
	gk, err := b.s.GetAPIKey(ctx, k.ID)
	ok(t, "GetAPIKey", err)
	if !gk.LastUsedAt.IsZero() || !gk.RevokedAt.IsZero() {
		t.Fatalf("zero times came back as %v, %v", gk.LastUsedAt, gk.RevokedAt)
	}
}
