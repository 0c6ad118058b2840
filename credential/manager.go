package credential

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/ids"
	"github.com/drivewayhq/driveway/microsoft"
)

// Defaults for the Manager fields left zero.
const (
	DefaultRefreshMargin = 5 * time.Minute
	DefaultLeaseTTL      = 30 * time.Second
	DefaultPollInterval  = 50 * time.Millisecond
	// DefaultTransientRetries is how many times one refresh retries a
	// timeout, 5xx or 429 of the token endpoint before giving up.
	DefaultTransientRetries = 1
	// DefaultBackoff is the wait before the first such retry; it doubles
	// with each one. A Retry-After up to MaxRetryAfterWait replaces it.
	DefaultBackoff = 250 * time.Millisecond
	// MaxRetryAfterWait is the longest Retry-After honoured inside a call;
	// a longer one ends the call with the wait in RetryAfter(err).
	MaxRetryAfterWait = 2 * time.Second
	// AppProbeInterval: while a project's app-credentials alarm is set, a
	// node calls the token endpoint for that project at most this often
	// (other refreshes fail at once with EUNAVAILABLE). Saving new app
	// credentials clears the alarm (package admin), which ends the wait.
	AppProbeInterval = time.Minute
)

// Manager hands out access tokens of stored credentials and refreshes them.
// Set the fields, then use it from any number of goroutines; do not change
// the fields afterwards. Store is required; every other field has a default.
type Manager struct {
	// Store holds the credentials, integrations, leases and events.
	Store driveway.Store
	// Endpoints, when set, replace every cloud's Microsoft endpoints (the
	// emulator, from DRIVEWAY_MICROSOFT_LOGIN_URL). Default: the cloud of
	// each integration, from microsoft.Clouds.
	Endpoints *microsoft.Endpoints
	// HTTP is the client for the token endpoint; default http.DefaultClient.
	HTTP *http.Client
	// Now returns the time; default time.Now. Expiry, lease and idle checks
	// use it.
	Now func() time.Time
	// Logger receives failures (AADSTS codes and trace ids, never a token);
	// default slog.Default().
	Logger *slog.Logger
	// RefreshMargin: a token expiring within it is refreshed first
	// (default 5 minutes).
	RefreshMargin time.Duration
	// LeaseTTL is how long one node may hold a credential's refresh lease
	// (default 30 s); a refresh gives up after three quarters of it.
	LeaseTTL time.Duration
	// LeaseWait is how long, in real time, a caller waits for another node's
	// refresh before failing with EUNAVAILABLE (default LeaseTTL + 5 s).
	LeaseWait time.Duration
	// PollInterval is how often a waiting node re-reads the credential
	// (default 50 ms).
	PollInterval time.Duration
	// TransientRetries and Backoff: see DefaultTransientRetries. A negative
	// TransientRetries means none.
	TransientRetries int
	Backoff          time.Duration
	// NodeID names this process as a lease holder; default a random id.
	// Two Managers must never share one.
	NodeID string

	initOnce sync.Once
	node     string
	flights  flights
	// resources caches tokens for resources other than Graph (resource.go).
	resources resourceTokens
	probes    probes
	metrics   *metrics
}

func (m *Manager) init() {
	m.initOnce.Do(func() {
		m.node = m.NodeID
		if m.node == "" {
			m.node = ids.New("node")
		}
		m.metrics = newMetrics()
	})
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Manager) logger() *slog.Logger {
	if m.Logger != nil {
		return m.Logger
	}
	return slog.Default()
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func (m *Manager) margin() time.Duration { return orDefault(m.RefreshMargin, DefaultRefreshMargin) }
func (m *Manager) leaseTTL() time.Duration {
	return orDefault(m.LeaseTTL, DefaultLeaseTTL)
}
func (m *Manager) leaseWait() time.Duration {
	return orDefault(m.LeaseWait, m.leaseTTL()+5*time.Second)
}
func (m *Manager) pollInterval() time.Duration { return orDefault(m.PollInterval, DefaultPollInterval) }
func (m *Manager) backoff() time.Duration      { return orDefault(m.Backoff, DefaultBackoff) }
func (m *Manager) retries() int {
	if m.TransientRetries < 0 {
		return 0
	}
	return orDefault(m.TransientRetries, DefaultTransientRetries)
}

// fresh reports whether c's access token is usable for longer than the
// refresh margin.
func (m *Manager) fresh(c *driveway.Credential) bool {
	return c.AccessToken != "" && c.AccessTokenExpiresAt.After(m.now().Add(m.margin()))
}

// AccessToken returns a valid access token of the project's credential,
// refreshing it first when it expires within RefreshMargin, and the
// credential as stored afterwards. Concurrent calls for one credential share
// one refresh, in this process and (through a lease) across nodes.
//
// Errors: ENOTFOUND (no such credential in the project); EFORBIDDEN when
// the credential is not VALID (the returned credential's HealthReason says
// why; the user must reconnect), with no call to Microsoft; EUNAVAILABLE
// when Microsoft refused the integration's app credentials (the integration
// alarm is set) or is unreachable; ETHROTTLED when Microsoft asked to wait
// (see RetryAfter). The credential is returned with most errors.
func (m *Manager) AccessToken(ctx context.Context, projectID, credentialID string) (string, *driveway.Credential, error) {
	m.init()
	c, err := m.Store.GetCredential(ctx, projectID, credentialID)
	if err != nil {
		return "", nil, err
	}
	if err := statusError(c); err != nil {
		return "", c, err
	}
	if m.fresh(c) {
		return c.AccessToken, c, nil
	}
	return m.refreshShared(ctx, c, refreshIf{expiring: true})
}

// Invalidate is for a Graph 401 on staleToken: it refreshes the credential
// once, unless the stored access token is no longer staleToken (another
// caller refreshed already), and returns the token to retry with, once.
// Errors are those of AccessToken.
func (m *Manager) Invalidate(ctx context.Context, projectID, credentialID, staleToken string) (string, *driveway.Credential, error) {
	m.init()
	c, err := m.Store.GetCredential(ctx, projectID, credentialID)
	if err != nil {
		return "", nil, err
	}
	if err := statusError(c); err != nil {
		return "", c, err
	}
	if c.AccessToken != staleToken && m.fresh(c) {
		return c.AccessToken, c, nil
	}
	tok, c2, err := m.refreshShared(ctx, c, refreshIf{expiring: true, token: staleToken})
	if err == nil && tok == staleToken {
		// We joined a refresh that did not replace staleToken: run one of
		// our own.
		return m.refreshShared(ctx, c2, refreshIf{expiring: true, token: staleToken})
	}
	return tok, c2, err
}

// Refresh refreshes the credential now if it was last refreshed before
// the given time (the idle job's rule), and returns the credential as
// stored afterwards. Errors are those of AccessToken.
func (m *Manager) Refresh(ctx context.Context, projectID, credentialID string, ifLastRefreshBefore time.Time) (*driveway.Credential, error) {
	m.init()
	c, err := m.Store.GetCredential(ctx, projectID, credentialID)
	if err != nil {
		return nil, err
	}
	if err := statusError(c); err != nil {
		return c, err
	}
	_, c, err = m.refreshShared(ctx, c, refreshIf{expiring: true, before: ifLastRefreshBefore})
	return c, err
}

// refreshIf is when a credential, re-read under the lease, still needs a
// refresh: its token expires within the margin, or it is still the given
// stale token, or it was last refreshed before the given time.
type refreshIf struct {
	expiring bool
	token    string
	before   time.Time
}

func (m *Manager) needsRefresh(c *driveway.Credential, why refreshIf) bool {
	switch {
	case why.expiring && !m.fresh(c):
		return true
	case why.token != "" && c.AccessToken == why.token:
		return true
	case !why.before.IsZero() && c.LastRefreshAt.Before(why.before):
		return true
	}
	return false
}

// refreshShared runs one refresh per credential in this process; callers
// that arrive while it runs wait for its result (or their ctx).
func (m *Manager) refreshShared(ctx context.Context, c *driveway.Credential, why refreshIf) (string, *driveway.Credential, error) {
	key := c.ProjectID + "/" + c.ID
	return m.flights.do(ctx, key, func() (string, *driveway.Credential, error) {
		// The refresh outlives a caller that gives up: a new refresh token
		// must be stored once Microsoft issued it. Waiting for another
		// node and refreshing are bounded separately.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.leaseWait()+m.leaseTTL())
		defer cancel()
		return m.refreshAcrossNodes(fctx, c, why)
	})
}
