package credential

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/ids"
	"github.com/drivewayhq/driveway/microsoft"
)

// retryError is a *driveway.Error with the wait Microsoft asked for.
type retryError struct {
	err   *driveway.Error
	after time.Duration
}

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// RetryAfter returns how long the caller should wait before trying again,
// when Microsoft said so (a Retry-After on a 429 or 5xx of the token
// endpoint), and 0 otherwise.
func RetryAfter(err error) time.Duration {
	var re *retryError
	if errors.As(err, &re) {
		return re.after
	}
	return 0
}

// reasonMessages are the caller-safe messages of a credential that is not
// VALID, by health reason.
var reasonMessages = map[string]string{
	driveway.ReasonNeedsReauth:      "the OneDrive connection was revoked or has expired: the user must reconnect",
	driveway.ReasonNeedsConsent:     "the OneDrive connection lacks consent for a permission: the user must reconnect",
	driveway.ReasonNeedsInteractive: "Microsoft requires the user to sign in again (for example for multi-factor authentication): the user must reconnect",
}

// statusError is EFORBIDDEN for a credential that is not VALID, else nil.
func statusError(c *driveway.Credential) error {
	switch c.Status {
	case driveway.CredentialValid:
		return nil
	case driveway.CredentialPending:
		return driveway.Errorf(driveway.EFORBIDDEN, "the OneDrive connection is not complete yet")
	}
	if msg, ok := reasonMessages[c.HealthReason]; ok {
		return driveway.Errorf(driveway.EFORBIDDEN, "%s", msg)
	}
	return driveway.Errorf(driveway.EFORBIDDEN, "the OneDrive connection is not valid: the user must reconnect")
}

// failed acts on a token-endpoint failure by its class.
func (m *Manager) failed(ctx context.Context, c *driveway.Credential, in *driveway.Integration, err error, why refreshIf) (string, *driveway.Credential, error) {
	var te *microsoft.TokenError
	if !errors.As(err, &te) {
		m.count(OutcomeFailed)
		m.logger().Error("credential: refresh", "project", c.ProjectID, "credential", c.ID, "err", err)
		return m.fallback(c, why, driveway.Errorf(driveway.EUNAVAILABLE, "the OneDrive credential could not be refreshed"), 0)
	}
	m.logger().Warn("credential: token endpoint refused a refresh", "project", c.ProjectID, "credential", c.ID,
		"class", te.Class(), "status", te.Status, "error", te.Code, "aadsts", te.ErrorCodes, "trace", te.TraceID)
	switch te.Class() {
	case microsoft.ClassNeedsReauth:
		return m.markInvalid(ctx, c, driveway.ReasonNeedsReauth, aadstsText(te))
	case microsoft.ClassNeedsConsent:
		return m.markInvalid(ctx, c, driveway.ReasonNeedsConsent, aadstsText(te))
	case microsoft.ClassNeedsInteractive:
		return m.markInvalid(ctx, c, driveway.ReasonNeedsInteractive, aadstsText(te))
	case microsoft.ClassAppCredentials:
		return m.appRefused(ctx, c, in, appDetail(te), why)
	}
	return m.countFailure(ctx, c, te, why)
}

// markInvalid makes c INVALID with reason and records one status event, in
// one transaction; a concurrent write wins (its outcome is returned).
func (m *Manager) markInvalid(ctx context.Context, c *driveway.Credential, reason, cause string) (string, *driveway.Credential, error) {
	next := clone(c)
	now := m.now()
	next.Status, next.HealthReason, next.UpdatedAt = driveway.CredentialInvalid, reason, now
	next.RefreshFailures++
	err := m.Store.WithTx(ctx, func(tx driveway.Tx) error {
		if err := tx.UpdateCredential(ctx, next); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, &driveway.Event{ID: ids.New("evt"), ProjectID: c.ProjectID, Kind: driveway.EventCredentialStatus,
			UserID: c.UserID, CredentialID: c.ID, CreatedAt: now, Data: map[string]any{
				"status": driveway.CredentialInvalid, "previousStatus": c.Status, "reason": reason, "cause": cause}})
	})
	if driveway.ErrorCode(err) == driveway.ECONFLICT {
		return m.reread(ctx, c)
	}
	if err != nil {
		return "", c, m.storeFailed("mark credential invalid", c, err)
	}
	m.count(reason)
	m.logger().Info("credential: marked invalid", "project", c.ProjectID, "credential", c.ID, "reason", reason, "cause", cause)
	return "", next, statusError(next)
}

// reread returns the stored credential's token after a lost
// compare-and-swap.
func (m *Manager) reread(ctx context.Context, c *driveway.Credential) (string, *driveway.Credential, error) {
	cur, err := m.Store.GetCredential(ctx, c.ProjectID, c.ID)
	if err != nil {
		return "", nil, err
	}
	if err := statusError(cur); err != nil {
		return "", cur, err
	}
	return m.fallback(cur, refreshIf{}, driveway.Errorf(driveway.EUNAVAILABLE, "the OneDrive credential changed during its refresh; try again"), 0)
}

// appRefused raises the integration alarm (once: only the call that sets it
// records the event) and leaves the user's credential as it is.
func (m *Manager) appRefused(ctx context.Context, c *driveway.Credential, in *driveway.Integration, detail string, why refreshIf) (string, *driveway.Credential, error) {
	now := m.now()
	alarm := &driveway.IntegrationAlarm{Reason: driveway.ReasonAppCredentialsInvalid, Detail: detail, Since: now}
	var raised bool
	err := m.Store.WithTx(ctx, func(tx driveway.Tx) error {
		var err error
		if raised, err = tx.SetIntegrationAlarm(ctx, in.ProjectID, alarm); err != nil || !raised {
			return err
		}
		return tx.AppendEvent(ctx, &driveway.Event{ID: ids.New("evt"), ProjectID: in.ProjectID, Kind: driveway.EventIntegrationAlarm,
			CreatedAt: now, Data: map[string]any{"reason": alarm.Reason, "detail": detail}})
	})
	if err != nil {
		m.logger().Error("credential: raise integration alarm", "project", in.ProjectID, "err", err)
	} else if raised {
		m.logger().Error("credential: Microsoft refused the app credentials; integration alarm raised", "project", in.ProjectID, "detail", detail)
	}
	m.count(OutcomeAppRefused)
	m.probes.failed(in.ProjectID, now)
	return m.fallback(c, why, errAppRefused(), 0)
}

func errAppRefused() *driveway.Error {
	return driveway.Errorf(driveway.EUNAVAILABLE,
		"Microsoft refused this project's OneDrive app credentials (client secret or certificate): the project administrator must update them")
}

// probes remembers, per project, when this node last saw Microsoft refuse
// the app credentials.
type probes struct {
	mu   sync.Mutex
	last map[string]time.Time
}

func (p *probes) failed(projectID string, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last == nil {
		p.last = map[string]time.Time{}
	}
	p.last[projectID] = at
}

func (p *probes) worked(projectID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.last, projectID)
}

// wait reports whether a token call for the project should wait: its alarm
// is set and this node saw the refusal less than AppProbeInterval ago.
func (p *probes) wait(in *driveway.Integration, now time.Time) bool {
	if in.Alarm == nil || in.Alarm.Reason != driveway.ReasonAppCredentialsInvalid {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	last, ok := p.last[in.ProjectID]
	return ok && now.Sub(last) < AppProbeInterval
}

// clearAlarm clears an app-credentials alarm after the app credentials
// worked again.
func (m *Manager) clearAlarm(ctx context.Context, in *driveway.Integration) {
	cleared, err := m.Store.SetIntegrationAlarm(ctx, in.ProjectID, nil)
	if err != nil {
		m.logger().Error("credential: clear integration alarm", "project", in.ProjectID, "err", err)
	} else if cleared {
		m.logger().Info("credential: app credentials work again; integration alarm cleared", "project", in.ProjectID)
	}
}

// countFailure counts a transient (or unclassified) failure on c, leaving
// its status, and returns ETHROTTLED for a 429, EUNAVAILABLE otherwise.
func (m *Manager) countFailure(ctx context.Context, c *driveway.Credential, te *microsoft.TokenError, why refreshIf) (string, *driveway.Credential, error) {
	if te.Class() == microsoft.ClassTransient {
		m.count(OutcomeTransient)
	} else {
		m.count(OutcomeFailed)
	}
	next := clone(c)
	next.RefreshFailures++
	next.UpdatedAt = m.now()
	if err := m.Store.UpdateCredential(ctx, next); err != nil {
		m.logger().Warn("credential: count refresh failure", "credential", c.ID, "err", err)
		next = c
	}
	e := driveway.Errorf(driveway.EUNAVAILABLE, "Microsoft's sign-in service is unavailable; try again later")
	if te.Status == http.StatusTooManyRequests {
		e = driveway.Errorf(driveway.ETHROTTLED, "Microsoft's sign-in service asked to slow down; try again later")
	}
	return m.fallback(next, why, e, te.RetryAfter)
}

// aadstsText names the AADSTS codes of te, for events and alarms (never
// Microsoft's description text).
func aadstsText(te *microsoft.TokenError) string {
	if len(te.ErrorCodes) == 0 {
		return te.Code
	}
	return fmt.Sprintf("AADSTS%d", te.ErrorCodes[0])
}

// appDetails explain the AADSTS codes of refused app credentials.
var appDetails = map[int]string{
	7000215: "invalid client secret (the secret's value, not its id, is needed)",
	7000222: "the client secret has expired",
	7000218: "no client secret or certificate was sent",
	700016:  "the app is not found in the tenant",
	700027:  "the certificate's signature was refused",
}

func appDetail(te *microsoft.TokenError) string {
	for _, c := range te.ErrorCodes {
		if d, ok := appDetails[c]; ok {
			return fmt.Sprintf("AADSTS%d: %s", c, d)
		}
	}
	return aadstsText(te) + ": the app's credentials were refused"
}
