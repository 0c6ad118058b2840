package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
)

func testOAuthStates(t *testing.T, b *bundle) {
	ctx := context.Background()
	p := newProject(t, b.s, "prj_a")
	s := oauthState(p.ID, "u", "st_1", "x")
	s.CredentialID = "cred_1"
	ok(t, "CreateOAuthState", b.s.CreateOAuthState(ctx, s))
	code(t, "CreateOAuthState duplicate", b.s.CreateOAuthState(ctx, oauthState(p.ID, "u", "st_1", "y")), driveway.ECONFLICT)
	code(t, "CreateOAuthState missing project", b.s.CreateOAuthState(ctx, oauthState("prj_none", "u", "st_2", "y")), driveway.ENOTFOUND)
	got, err := b.s.ConsumeOAuthState(ctx, s.ID)
	ok(t, "ConsumeOAuthState", err)
	eq(t, "ConsumeOAuthState", got, s)
	_, err = b.s.ConsumeOAuthState(ctx, s.ID)
	code(t, "ConsumeOAuthState twice", err, driveway.ENOTFOUND)

	for i, exp := range []time.Duration{-2 * time.Hour, -time.Minute, time.Minute, time.Hour} {
		st := oauthState(p.ID, "u", fmt.Sprintf("st_exp%d", i), "e")
		st.ExpiresAt = at(exp)
		ok(t, "CreateOAuthState", b.s.CreateOAuthState(ctx, st))
	}
	n, err := b.s.DeleteExpiredOAuthStates(ctx, at(0))
	ok(t, "DeleteExpiredOAuthStates", err)
	if n != 2 {
		t.Fatalf("DeleteExpiredOAuthStates deleted %d, want 2", n)
	}
	_, err = b.s.ConsumeOAuthState(ctx, "st_exp1")
	code(t, "ConsumeOAuthState of a deleted expired state", err, driveway.ENOTFOUND)
	_, err = b.s.ConsumeOAuthState(ctx, "st_exp2")
	ok(t, "ConsumeOAuthState of a live state", err)
}

// testOAuthConsumeRace consumes one state from N goroutines: one wins.
func testOAuthConsumeRace(t *testing.T, b *bundle) {
	ctx := context.Background()
	p := newProject(t, b.s, "prj_a")
	ok(t, "CreateOAuthState", b.s.CreateOAuthState(ctx, oauthState(p.ID, "u", "st_race", "r")))
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = b.s.ConsumeOAuthState(ctx, "st_race")
		})
	}
	close(start)
	wg.Wait()
	var wins int
	for i, err := range errs {
		switch driveway.ErrorCode(err) {
		case "":
			wins++
		case driveway.ENOTFOUND:
		default:
			t.Fatalf("consume %d: %v", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d of %d concurrent consumers got the state, want 1", wins, n)
	}
}

func testInstallSessions(t *testing.T, b *bundle) {
	ctx := context.Background()
	p := newProject(t, b.s, "prj_a")
	s := &driveway.InstallSession{ProjectID: p.ID, UserID: "u", ID: "meta_1", CreatedAt: at(time.Second), ExpiresAt: at(time.Hour)}
	ok(t, "PutInstallSession", b.s.PutInstallSession(ctx, s))
	got, err := b.s.GetInstallSession(ctx, p.ID, "u", s.ID)
	ok(t, "GetInstallSession", err)
	eq(t, "GetInstallSession", got, s)
	s.CredentialID, s.Error = "cred_1", ""
	ok(t, "PutInstallSession replace", b.s.PutInstallSession(ctx, s))
	got, err = b.s.GetInstallSession(ctx, p.ID, "u", s.ID)
	ok(t, "GetInstallSession", err)
	eq(t, "GetInstallSession after replace", got, s)
	_, err = b.s.GetInstallSession(ctx, p.ID, "another-user", s.ID)
	code(t, "GetInstallSession of another user", err, driveway.ENOTFOUND)
	code(t, "PutInstallSession missing project", b.s.PutInstallSession(ctx,
		&driveway.InstallSession{ProjectID: "prj_none", UserID: "u", ID: "m"}), driveway.ENOTFOUND)
	code(t, "DeleteInstallSession of another user", b.s.DeleteInstallSession(ctx, p.ID, "another-user", s.ID), driveway.ENOTFOUND)
	ok(t, "DeleteInstallSession", b.s.DeleteInstallSession(ctx, p.ID, "u", s.ID))
	code(t, "DeleteInstallSession again", b.s.DeleteInstallSession(ctx, p.ID, "u", s.ID), driveway.ENOTFOUND)
}

func testEvents(t *testing.T, b *bundle) {
	ctx := context.Background()
	p := newProject(t, b.s, "prj_a")
	var evs []*driveway.Event
	for i, cred := range []string{"cred_1", "cred_2", "cred_1", "cred_1"} {
		e := &driveway.Event{ProjectID: p.ID, ID: fmt.Sprintf("evt_%d", i), Kind: driveway.EventCredentialStatus,
			UserID: "u", CredentialID: cred, Data: map[string]any{"n": fmt.Sprint(i)}, CreatedAt: at(time.Duration(i) * time.Second)}
		ok(t, "AppendEvent", b.s.AppendEvent(ctx, e))
		evs = append(evs, e)
	}
	tie := &driveway.Event{ProjectID: p.ID, ID: "evt_9", Kind: driveway.EventIntegrationAlarm, CreatedAt: evs[3].CreatedAt}
	ok(t, "AppendEvent", b.s.AppendEvent(ctx, tie))
	code(t, "AppendEvent duplicate", b.s.AppendEvent(ctx, evs[0]), driveway.ECONFLICT)
	code(t, "AppendEvent missing project", b.s.AppendEvent(ctx, &driveway.Event{ProjectID: "prj_none", ID: "e"}), driveway.ENOTFOUND)

	got, err := b.s.ListEvents(ctx, p.ID, "", 0)
	ok(t, "ListEvents", err)
	eq(t, "ListEvents newest first", got, []*driveway.Event{tie, evs[3], evs[2], evs[1], evs[0]})
	got, err = b.s.ListEvents(ctx, p.ID, "cred_1", 2)
	ok(t, "ListEvents of a credential", err)
	eq(t, "ListEvents of a credential, limit 2", got, []*driveway.Event{evs[3], evs[2]})
}

func testLeases(t *testing.T, b *bundle) {
	ctx := context.Background()
	acquire := func(holder string, now time.Duration, want bool) {
		t.Helper()
		got, err := b.s.AcquireLease(ctx, "refresh:cred_1", holder, at(now), time.Minute)
		ok(t, "AcquireLease", err)
		if got != want {
			t.Fatalf("AcquireLease(%s at +%v) = %v, want %v", holder, now, got, want)
		}
	}
	acquire("h1", 0, true)
	acquire("h2", 30*time.Second, false)  // held
	acquire("h1", 50*time.Second, true)   // extended to +110s
	acquire("h2", 100*time.Second, false) // still held thanks to the extension
	acquire("h2", 110*time.Second, true)  // expired at +110s
	ok(t, "ReleaseLease by another", b.s.ReleaseLease(ctx, "refresh:cred_1", "h1"))
	acquire("h1", 120*time.Second, false) // h2 still holds it
	ok(t, "ReleaseLease", b.s.ReleaseLease(ctx, "refresh:cred_1", "h2"))
	acquire("h1", 121*time.Second, true) // free
	got, err := b.s.AcquireLease(ctx, "refresh:cred_2", "h2", at(121*time.Second), time.Minute)
	if err != nil || !got {
		t.Fatalf("AcquireLease of another name = %v, %v", got, err)
	}
}

// testLeaseRace has N holders race for one lease: exactly one gets it.
func testLeaseRace(t *testing.T, b *bundle) {
	ctx := context.Background()
	const n = 8
	got := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			got[i], errs[i] = b.s.AcquireLease(ctx, "race", fmt.Sprintf("holder-%d", i), at(0), time.Minute)
		})
	}
	close(start)
	wg.Wait()
	var wins int
	for i := range n {
		ok(t, "AcquireLease", errs[i])
		if got[i] {
			wins++
		}
	}
	if wins != 1 {
		t.Fatalf("%d of %d holders got the lease, want 1", wins, n)
	}
}

func testCredentialsToRefresh(t *testing.T, b *bundle) {
	ctx := context.Background()
	var want []*driveway.Credential
	for _, pid := range []string{"prj_a", "prj_b"} {
		newProject(t, b.s, pid)
		newUser(t, b.s, pid, "u")
	}
	add := func(pid, id, status string, last, created time.Duration, wanted bool) {
		c := credential(pid, "u", id, id)
		c.Status, c.CreatedAt = status, at(created)
		c.LastRefreshAt = time.Time{}
		if last != 0 {
			c.LastRefreshAt = at(last)
		}
		ok(t, "CreateCredential", b.s.CreateCredential(ctx, c))
		if wanted {
			want = append(want, c)
		}
	}
	add("prj_b", "cred_old", driveway.CredentialValid, -3*time.Hour, -9*time.Hour, true)
	add("prj_a", "cred_never", driveway.CredentialValid, 0, -2*time.Hour, true) // never refreshed: its creation counts
	add("prj_a", "cred_recent", driveway.CredentialValid, -time.Minute, -9*time.Hour, false)
	add("prj_a", "cred_invalid", driveway.CredentialInvalid, -5*time.Hour, -9*time.Hour, false)
	add("prj_b", "cred_pending", driveway.CredentialPending, -5*time.Hour, -9*time.Hour, false)
	add("prj_a", "cred_older", driveway.CredentialValid, -4*time.Hour, -9*time.Hour, true)
	want = []*driveway.Credential{want[2], want[0], want[1]} // oldest refresh first

	got, err := b.s.ListCredentialsToRefresh(ctx, at(-time.Hour), 10)
	ok(t, "ListCredentialsToRefresh", err)
	eq(t, "ListCredentialsToRefresh", got, want)
	got, err = b.s.ListCredentialsToRefresh(ctx, at(-time.Hour), 2)
	ok(t, "ListCredentialsToRefresh", err)
	eq(t, "ListCredentialsToRefresh limit 2", got, want[:2])
}

func testIntegrationAlarm(t *testing.T, b *bundle) {
	ctx := context.Background()
	p := newProject(t, b.s, "prj_a")
	_, err := b.s.SetIntegrationAlarm(ctx, p.ID, nil)
	code(t, "SetIntegrationAlarm without settings", err, driveway.ENOTFOUND)
	in := integration(p.ID, "x")
	in.Alarm = nil
	ok(t, "PutIntegration", b.s.PutIntegration(ctx, in))

	set := func(alarm *driveway.IntegrationAlarm, want bool) {
		t.Helper()
		got, err := b.s.SetIntegrationAlarm(ctx, p.ID, alarm)
		ok(t, "SetIntegrationAlarm", err)
		if got != want {
			t.Fatalf("SetIntegrationAlarm(%+v) = %v, want %v", alarm, got, want)
		}
	}
	first := &driveway.IntegrationAlarm{Reason: driveway.ReasonAppCredentialsInvalid, Detail: "AADSTS7000222", Since: at(time.Hour)}
	set(nil, false)
	set(first, true)
	set(&driveway.IntegrationAlarm{Reason: "other", Since: at(2 * time.Hour)}, false) // the first alarm stays
	in.Alarm = first
	got, err := b.s.GetIntegration(ctx, p.ID)
	ok(t, "GetIntegration", err)
	eq(t, "GetIntegration with an alarm", got, in) // nothing else changed
	set(nil, true)
	in.Alarm = nil
	got, err = b.s.GetIntegration(ctx, p.ID)
	ok(t, "GetIntegration", err)
	eq(t, "GetIntegration after clearing", got, in)
}

// testOAuthCompletion: a state that carries Microsoft's authorization code
// (a sign-in waiting for its completion) keeps it sealed at rest, and
// gives it back whole once.
func testOAuthCompletion(t *testing.T, b *bundle) {
	ctx := context.Background()
	p := newProject(t, b.s, "prj_a")
	s := oauthState(p.ID, "u", "st_done", "c")
	s.Code = "M.C509_BAY.2.U.code-canary-7f3a"
	ok(t, "CreateOAuthState with a code", b.s.CreateOAuthState(ctx, s))
	for _, v := range listAllSealed(t, b.s, 1000) {
		if v.Ref.Table == "oauth_states" && containsAny(v.Ciphertext, "code-canary") {
			t.Fatalf("the authorization code is stored in plain text at %+v", v.Ref)
		}
	}
	got, err := b.s.ConsumeOAuthState(ctx, s.ID)
	ok(t, "ConsumeOAuthState", err)
	eq(t, "ConsumeOAuthState with a code", got, s)
}

// testOAuthStateCount: CountOAuthStates counts one user's live states only.
func testOAuthStateCount(t *testing.T, b *bundle) {
	ctx := context.Background()
	p := newProject(t, b.s, "prj_a")
	other := newProject(t, b.s, "prj_b")
	for i, exp := range []time.Duration{-time.Minute, time.Minute, time.Hour} {
		st := oauthState(p.ID, "u", fmt.Sprintf("st_n%d", i), "n")
		st.ExpiresAt = at(exp)
		ok(t, "CreateOAuthState", b.s.CreateOAuthState(ctx, st))
	}
	ok(t, "CreateOAuthState", b.s.CreateOAuthState(ctx, oauthState(p.ID, "v", "st_v", "v")))
	ok(t, "CreateOAuthState", b.s.CreateOAuthState(ctx, oauthState(other.ID, "u", "st_o", "o")))
	for _, c := range []struct {
		project, user string
		want          int
	}{{p.ID, "u", 2}, {p.ID, "v", 1}, {other.ID, "u", 1}, {p.ID, "nobody", 0}} {
		n, err := b.s.CountOAuthStates(ctx, c.project, c.user, at(0))
		ok(t, "CountOAuthStates", err)
		if n != c.want {
			t.Fatalf("CountOAuthStates(%s, %s) = %d, want %d", c.project, c.user, n, c.want)
		}
	}
}

// testInstallSessionPurge: DeleteExpiredInstallSessions deletes only the
// sessions that expired.
func testInstallSessionPurge(t *testing.T, b *bundle) {
	ctx := context.Background()
	p := newProject(t, b.s, "prj_a")
	for i, exp := range []time.Duration{-time.Hour, -time.Second, time.Second, time.Hour} {
		s := &driveway.InstallSession{ProjectID: p.ID, UserID: "u", ID: fmt.Sprintf("meta_%d", i),
			CreatedAt: at(exp - time.Minute), ExpiresAt: at(exp)}
		ok(t, "PutInstallSession", b.s.PutInstallSession(ctx, s))
	}
	live, err := b.s.CountInstallSessions(ctx, p.ID, "u", at(0))
	ok(t, "CountInstallSessions", err)
	if none, err := b.s.CountInstallSessions(ctx, p.ID, "v", at(0)); live != 2 || none != 0 || err != nil {
		t.Fatalf("CountInstallSessions = %d for u (want 2), %d for v (want 0), %v", live, none, err)
	}
	n, err := b.s.DeleteExpiredInstallSessions(ctx, at(0))
	ok(t, "DeleteExpiredInstallSessions", err)
	if n != 2 {
		t.Fatalf("DeleteExpiredInstallSessions deleted %d, want 2", n)
	}
	_, err = b.s.GetInstallSession(ctx, p.ID, "u", "meta_1")
	code(t, "GetInstallSession of a purged session", err, driveway.ENOTFOUND)
	_, err = b.s.GetInstallSession(ctx, p.ID, "u", "meta_2")
	ok(t, "GetInstallSession of a live session", err)
}
