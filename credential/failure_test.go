package credential_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/credential"
	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// TestGrantRefused: a revoked or expired grant, missing consent or a
// required interaction makes the credential INVALID with its reason, with
// one event and at most one token-endpoint call over many calls.
func TestGrantRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		refuse func(e *env)
		reason string
	}{
		{"revoked 70008", func(e *env) { e.emu.RevokeGrants(e.user.ID, "", 70008) }, driveway.ReasonNeedsReauth},
		{"revoked 50173", func(e *env) { e.emu.RevokeGrants(e.user.ID, "", 50173) }, driveway.ReasonNeedsReauth},
		{"inactive 700082", func(e *env) { e.emu.RevokeGrants(e.user.ID, "", 700082) }, driveway.ReasonNeedsReauth},
		{"invalid 70000", func(e *env) { e.emu.RevokeGrants(e.user.ID, "", 70000) }, driveway.ReasonNeedsReauth},
		{"consent 65001", func(e *env) { e.emu.FailToken(emulator.TokenFault{Grant: "refresh_token", Code: 65001}) }, driveway.ReasonNeedsConsent},
		{"mfa 50076", func(e *env) { e.emu.FailToken(emulator.TokenFault{Grant: "refresh_token", Code: 50076}) }, driveway.ReasonNeedsInteractive},
		{"mfa 50079", func(e *env) { e.emu.FailToken(emulator.TokenFault{Grant: "refresh_token", Code: 50079}) }, driveway.ReasonNeedsInteractive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, openSQLite(t))
			tt.refuse(e)
			e.expire(-time.Minute)
			m := e.manager(nil)
			ctx := context.Background()
			var wg sync.WaitGroup
			errs := make([]error, 40)
			for i := range errs {
				wg.Go(func() { _, _, errs[i] = m.AccessToken(ctx, e.project, e.cred.ID) })
			}
			wg.Wait()
			for range 20 {
				_, _, err := m.AccessToken(ctx, e.project, e.cred.ID)
				errs = append(errs, err)
				_, _, err = m.Invalidate(ctx, e.project, e.cred.ID, e.cred.AccessToken)
				errs = append(errs, err)
			}
			for i, err := range errs {
				wantCode(t, "call "+strconv.Itoa(i), err, driveway.EFORBIDDEN)
				checkSafe(t, e, err)
			}
			c := e.get()
			if c.Status != driveway.CredentialInvalid || c.HealthReason != tt.reason {
				t.Fatalf("credential %s/%s, want INVALID/%s", c.Status, c.HealthReason, tt.reason)
			}
			if n := e.refreshCalls(); n != 1 {
				t.Fatalf("%d token-endpoint calls, want exactly 1", n)
			}
			evs := e.events(driveway.EventCredentialStatus)
			if len(evs) != 1 {
				t.Fatalf("%d status events, want 1", len(evs))
			}
			if evs[0].CredentialID != c.ID || evs[0].UserID != c.UserID || evs[0].Data["reason"] != tt.reason || evs[0].Data["status"] != driveway.CredentialInvalid {
				t.Fatalf("event %+v", evs[0])
			}
		})
	}
}

// checkSafe fails t if err's text holds a token, a secret or Microsoft's
// description text.
func checkSafe(t *testing.T, e *env, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	c := e.get()
	for _, s := range []string{c.AccessToken, c.RefreshToken, e.app.Secrets[0].Value, "AADSTS", "Trace ID", "inactivity"} {
		if s != "" && strings.Contains(msg, s) {
			t.Fatalf("error %q leaks %q", msg, s)
		}
	}
}

// TestGrantRefusedTwoNodes: two nodes on one Postgres database see a
// revoked grant; one token-endpoint call, one event, every caller refused.
func TestGrantRefusedTwoNodes(t *testing.T) {
	t.Parallel()
	stores := openPostgres(t, 2)
	e := newEnv(t, stores[0])
	e.emu.RevokeGrants(e.user.ID, "", 70008)
	e.expire(-time.Minute)
	managers := []*credential.Manager{e.manager(stores[0]), e.manager(stores[1])}
	var wg sync.WaitGroup
	errs := make([]error, 100)
	for i := range errs {
		wg.Go(func() { _, _, errs[i] = managers[i%2].AccessToken(context.Background(), e.project, e.cred.ID) })
	}
	wg.Wait()
	for i, err := range errs {
		wantCode(t, "call "+strconv.Itoa(i), err, driveway.EFORBIDDEN)
	}
	if n, evs := e.refreshCalls(), len(e.events(driveway.EventCredentialStatus)); n != 1 || evs != 1 {
		t.Fatalf("%d token-endpoint calls and %d status events, want 1 and 1", n, evs)
	}
	if c := e.get(); c.Status != driveway.CredentialInvalid || c.HealthReason != driveway.ReasonNeedsReauth {
		t.Fatalf("credential %s/%s", c.Status, c.HealthReason)
	}
}

// TestReconnectDuringRefresh: when the credential is written (a reconnect)
// while a refresh is at the token endpoint, the compare-and-swap fails and
// the reconnected tokens win.
func TestReconnectDuringRefresh(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t))
	e.expire(-time.Minute)
	var reconnectErr error // set on the server's goroutine, read after the call
	reconnect := func() {
		ctx := context.Background()
		c, err := e.store.GetCredential(ctx, e.project, e.cred.ID)
		if err == nil {
			c.AccessToken, c.RefreshToken, c.AccessTokenExpiresAt = "reconnected-access", "reconnected-refresh", time.Now().Add(time.Hour)
			err = e.store.UpdateCredential(ctx, c)
		}
		reconnectErr = err
	}
	e.front.beforeToken.Store(&reconnect)
	tok, _, err := e.manager(nil).AccessToken(context.Background(), e.project, e.cred.ID)
	must(t, err)
	must(t, reconnectErr)
	if c := e.get(); tok != "reconnected-access" || c.RefreshToken != "reconnected-refresh" {
		t.Fatalf("got %q, stored refresh token %q: the refresh overwrote the reconnect", tok, c.RefreshToken)
	}
}

func TestExpiredClientSecretRaisesAlarm(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			var store driveway.Store
			if engine == "sqlite" {
				store = openSQLite(t)
			} else {
				store = openPostgres(t, 1)[0]
			}
			e := newEnv(t, store)
			expired, err := e.emu.AddAppSecret(e.app.ClientID, time.Now().Add(-time.Hour))
			must(t, err)
			e.setSecrets(expired.Value)
			e.expire(-time.Minute)
			m := e.manager(nil)
			var offset atomic.Int64
			m.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
			ctx := context.Background()
			for range 5 {
				_, _, err := m.AccessToken(ctx, e.project, e.cred.ID)
				wantCode(t, "AccessToken with an expired client secret", err, driveway.EUNAVAILABLE)
				if strings.Contains(err.Error(), expired.Value) {
					t.Fatalf("error leaks the secret")
				}
			}
			in, err := e.store.GetIntegration(ctx, e.project)
			must(t, err)
			if in.Alarm == nil || in.Alarm.Reason != driveway.ReasonAppCredentialsInvalid || !strings.Contains(in.Alarm.Detail, "7000222") {
				t.Fatalf("integration alarm %+v, want app_credentials_invalid naming AADSTS7000222", in.Alarm)
			}
			if strings.Contains(in.Alarm.Detail, expired.Value) {
				t.Fatalf("the alarm detail holds the secret")
			}
			if n := len(e.events(driveway.EventIntegrationAlarm)); n != 1 {
				t.Fatalf("%d alarm events, want 1", n)
			}
			if n := e.refreshCalls(); n != 1 {
				t.Fatalf("%d token-endpoint calls over 5 refreshes with a refused secret, want 1 (one probe per minute)", n)
			}
			offset.Store(int64(credential.AppProbeInterval + time.Second))
			_, _, err = m.AccessToken(ctx, e.project, e.cred.ID)
			wantCode(t, "AccessToken a minute later", err, driveway.EUNAVAILABLE)
			if n, evs := e.refreshCalls(), len(e.events(driveway.EventIntegrationAlarm)); n != 2 || evs != 1 {
				t.Fatalf("a minute later: %d calls, %d alarm events; want 2 calls (a new probe) and still 1 event", n, evs)
			}
			if c := e.get(); c.Status != driveway.CredentialValid || c.HealthReason != "" {
				t.Fatalf("credential %s/%s, want VALID: the app's problem is not the user's", c.Status, c.HealthReason)
			}
			if n := len(e.events(driveway.EventCredentialStatus)); n != 0 {
				t.Fatalf("%d credential status events, want 0", n)
			}

			// A working secret clears the alarm on the next refresh.
			e.setSecrets(e.app.Secrets[0].Value)
			_, _, err = m.AccessToken(ctx, e.project, e.cred.ID)
			must(t, err)
			in, err = e.store.GetIntegration(ctx, e.project)
			must(t, err)
			if in.Alarm != nil {
				t.Fatalf("alarm %+v still set after the app credentials worked", in.Alarm)
			}
		})
	}
}

func TestSecondClientSecretWorks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t))
	e.setSecrets("not-the-secret-value", e.app.Secrets[0].Value)
	e.expire(-time.Minute)
	tok, _, err := e.manager(nil).AccessToken(context.Background(), e.project, e.cred.ID)
	must(t, err)
	if tok == e.cred.AccessToken {
		t.Fatalf("no new token")
	}
	if n := e.refreshCalls(); n != 2 {
		t.Fatalf("%d refresh calls, want 2 (the first secret refused, the second accepted)", n)
	}
	in, err := e.store.GetIntegration(context.Background(), e.project)
	must(t, err)
	if in.Alarm != nil {
		t.Fatalf("alarm %+v raised although the second secret works", in.Alarm)
	}
}

func TestTransientFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status, retryAfter int
		code               string
		wait               time.Duration
	}{
		{http.StatusServiceUnavailable, 0, driveway.EUNAVAILABLE, 0},
		{http.StatusTooManyRequests, 7, driveway.ETHROTTLED, 7 * time.Second},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, openSQLite(t))
			e.front.fail.Store(int32(tt.status))
			e.front.retryAfter.Store(int32(tt.retryAfter))
			e.expire(-time.Minute)
			m := e.manager(nil)
			ctx := context.Background()
			for i := 1; i <= 2; i++ {
				_, _, err := m.AccessToken(ctx, e.project, e.cred.ID)
				wantCode(t, "AccessToken during an outage", err, tt.code)
				if got := credential.RetryAfter(err); got != tt.wait {
					t.Fatalf("RetryAfter = %v, want %v", got, tt.wait)
				}
				c := e.get()
				if c.Status != driveway.CredentialValid || c.RefreshFailures != i {
					t.Fatalf("after %d failures: %s, %d failures counted", i, c.Status, c.RefreshFailures)
				}
			}
			if len(e.events(driveway.EventCredentialStatus)) != 0 {
				t.Fatalf("a transient failure recorded a status event")
			}
			// Microsoft is back: the next call refreshes and resets the count.
			e.front.fail.Store(0)
			_, c, err := m.AccessToken(ctx, e.project, e.cred.ID)
			must(t, err)
			if c.RefreshFailures != 0 || e.get().RefreshFailures != 0 {
				t.Fatalf("failures not reset after a successful refresh")
			}
		})
	}
}

// TestTransientKeepsValidToken: a refresh ahead of expiry that fails
// transiently hands out the still-valid token.
func TestTransientKeepsValidToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t))
	e.front.fail.Store(http.StatusBadGateway)
	e.expire(2 * time.Minute)
	tok, _, err := e.manager(nil).AccessToken(context.Background(), e.project, e.cred.ID)
	must(t, err)
	if tok != e.cred.AccessToken {
		t.Fatalf("got another token than the still-valid one")
	}
	if c := e.get(); c.RefreshFailures != 1 {
		t.Fatalf("%d failures counted, want 1", c.RefreshFailures)
	}
}
