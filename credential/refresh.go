package credential

import (
	"context"
	"errors"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
)

// LeaseName is the name of a credential's refresh lease.
func LeaseName(credentialID string) string { return "refresh:" + credentialID }

// refreshAcrossNodes takes the credential's lease (or takes the outcome
// of another node's refresh, see awaitLease), then re-reads the credential
// and refreshes it if it still needs it.
func (m *Manager) refreshAcrossNodes(ctx context.Context, c *driveway.Credential, why refreshIf) (string, *driveway.Credential, error) {
	lease := LeaseName(c.ID)
	if o := m.awaitLease(ctx, lease, c, why); o != nil {
		return o.token, o.cred, o.err
	}
	defer func() {
		if err := m.Store.ReleaseLease(context.WithoutCancel(ctx), lease, m.node); err != nil {
			m.logger().Warn("credential: release refresh lease", "credential", c.ID, "err", err)
		}
	}()
	// Finish well within the lease, so that no other node starts meanwhile.
	rctx, cancel := context.WithTimeout(ctx, m.leaseTTL()*3/4)
	defer cancel()
	cur, err := m.Store.GetCredential(rctx, c.ProjectID, c.ID)
	if err != nil {
		return "", nil, err
	}
	if err := statusError(cur); err != nil {
		return "", cur, err
	}
	if !m.needsRefresh(cur, why) {
		return cur.AccessToken, cur, nil
	}
	return m.refresh(rctx, cur, why)
}

// outcome is the result of a refresh.
type outcome struct {
	token string
	cred  *driveway.Credential
	err   error
}

// awaitLease takes the lease and returns nil, or, while another node holds
// it, polls the credential and returns as soon as it no longer needs a
// refresh (that node wrote it) or is no longer VALID. It gives up after
// LeaseWait; the lease of a node that died expires after LeaseTTL.
func (m *Manager) awaitLease(ctx context.Context, lease string, c *driveway.Credential, why refreshIf) *outcome {
	deadline := time.Now().Add(m.leaseWait())
	for {
		got, err := m.Store.AcquireLease(ctx, lease, m.node, m.now(), m.leaseTTL())
		if err != nil {
			return &outcome{cred: c, err: m.storeFailed("acquire refresh lease", c, err)}
		}
		if got {
			return nil
		}
		cur, err := m.Store.GetCredential(ctx, c.ProjectID, c.ID)
		if err != nil {
			return &outcome{err: err}
		}
		if err := statusError(cur); err != nil {
			return &outcome{cred: cur, err: err}
		}
		if !m.needsRefresh(cur, why) {
			return &outcome{token: cur.AccessToken, cred: cur}
		}
		if !time.Now().Before(deadline) {
			tok, cur, err := m.fallback(cur, why, driveway.Errorf(driveway.EUNAVAILABLE, "the OneDrive credential is being refreshed elsewhere; try again"), 0)
			return &outcome{tok, cur, err}
		}
		if err := wait(ctx, m.pollInterval()); err != nil {
			return &outcome{cred: cur, err: driveway.Errorf(driveway.EUNAVAILABLE, "gave up waiting for the OneDrive credential's refresh")}
		}
	}
}

// wait waits d, or until ctx ends (returning its error).
func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// refresh calls the token endpoint for c, under c's lease, and stores or
// classifies the outcome.
func (m *Manager) refresh(ctx context.Context, c *driveway.Credential, why refreshIf) (string, *driveway.Credential, error) {
	in, err := m.Store.GetIntegration(ctx, c.ProjectID)
	if driveway.ErrorCode(err) == driveway.ENOTFOUND {
		return "", c, driveway.Errorf(driveway.EUNAVAILABLE, "OneDrive is not configured for this project")
	}
	if err != nil {
		return "", c, m.storeFailed("read integration", c, err)
	}
	if c.RefreshToken == "" {
		return m.markInvalid(ctx, c, driveway.ReasonNeedsReauth, "no refresh token")
	}
	if m.probes.wait(in, m.now()) {
		m.count(OutcomeAppRefused)
		return m.fallback(c, why, errAppRefused(), 0)
	}
	id, err := m.IdentityFor(in)
	if err != nil {
		m.logger().Error("credential: integration endpoints", "project", c.ProjectID, "err", err)
		return "", c, driveway.Errorf(driveway.EUNAVAILABLE, "the project's OneDrive cloud setting is not usable")
	}
	app, problem := appFor(in, m.now())
	if problem != "" {
		return m.appRefused(ctx, c, in, problem, why)
	}
	tok, err := m.callRefresh(ctx, id, in, app, c)
	if err != nil {
		return m.failed(ctx, c, in, err, why)
	}
	return m.stored(ctx, c, in, tok, why)
}

// callRefresh calls the token endpoint, retrying transient failures with
// backoff (or the Retry-After Microsoft sent, when short).
func (m *Manager) callRefresh(ctx context.Context, id *microsoft.Identity, in *driveway.Integration, app microsoft.App, c *driveway.Credential) (*microsoft.Token, error) {
	scopes := c.Scopes
	if len(scopes) == 0 {
		scopes = in.Scopes
	}
	for attempt := 0; ; attempt++ {
		start := time.Now()
		tok, err := id.Refresh(ctx, tenantOf(in), app, c.RefreshToken, scopes)
		m.observeCall(start, err)
		var te *microsoft.TokenError
		if err == nil || !errors.As(err, &te) || te.Class() != microsoft.ClassTransient || attempt >= m.retries() {
			return tok, err
		}
		d := m.backoff() << attempt
		if te.RetryAfter > MaxRetryAfterWait {
			return tok, err
		} else if te.RetryAfter > 0 {
			d = te.RetryAfter
		}
		m.logger().Warn("credential: token endpoint failed, retrying", "credential", c.ID, "err", err, "wait", d)
		if wait(ctx, d) != nil {
			return tok, err
		}
	}
}

// stored writes the new tokens with compare-and-swap on the version read
// under the lease; only then is the access token handed out.
func (m *Manager) stored(ctx context.Context, c *driveway.Credential, in *driveway.Integration, tok *microsoft.Token, why refreshIf) (string, *driveway.Credential, error) {
	next := clone(c)
	now := m.now()
	next.AccessToken, next.AccessTokenExpiresAt = tok.AccessToken, tok.ExpiresAt
	if tok.RefreshToken != "" {
		next.RefreshToken = tok.RefreshToken
	}
	if len(tok.Scopes) > 0 {
		next.Scopes = tok.Scopes
	}
	next.LastRefreshAt, next.UpdatedAt, next.RefreshFailures, next.HealthReason = now, now, 0, ""
	if err := m.Store.UpdateCredential(ctx, next); err != nil {
		if driveway.ErrorCode(err) != driveway.ECONFLICT {
			return "", c, m.storeFailed("store refreshed tokens", c, err)
		}
		// Written meanwhile (a reconnect): what is stored wins.
		cur, err := m.Store.GetCredential(ctx, c.ProjectID, c.ID)
		if err != nil {
			return "", nil, err
		}
		if err := statusError(cur); err != nil {
			return "", cur, err
		}
		return m.fallback(cur, why, driveway.Errorf(driveway.EUNAVAILABLE, "the OneDrive credential changed during its refresh; try again"), 0)
	}
	m.count(OutcomeRefreshed)
	m.probes.worked(in.ProjectID)
	if in.Alarm != nil && in.Alarm.Reason == driveway.ReasonAppCredentialsInvalid {
		m.clearAlarm(ctx, in)
	}
	return next.AccessToken, next, nil
}

// fallback returns c's access token if it is still valid (not expired, not
// the one being invalidated), else err.
func (m *Manager) fallback(c *driveway.Credential, why refreshIf, err *driveway.Error, after time.Duration) (string, *driveway.Credential, error) {
	if c.AccessToken != "" && c.AccessToken != why.token && c.AccessTokenExpiresAt.After(m.now()) {
		return c.AccessToken, c, nil
	}
	if after > 0 {
		return "", c, &retryError{err: err, after: after}
	}
	return "", c, err
}

// storeFailed logs a store error and returns it for the caller.
func (m *Manager) storeFailed(what string, c *driveway.Credential, err error) error {
	m.logger().Error("credential: "+what, "project", c.ProjectID, "credential", c.ID, "err", err)
	return err
}

func tenantOf(in *driveway.Integration) string {
	if in.Tenant == "" {
		return driveway.TenantCommon
	}
	return in.Tenant
}
