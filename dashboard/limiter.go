package dashboard

import (
	"context"
	"net/http"
	"time"

	"github.com/drivewayhq/driveway/internal/clientip"
)

// Login attempts allowed per client within the window; more are refused
// until the window of the first one has passed. A client is an IPv4
// address or an IPv6 /64 (clientip.Key), behind configured proxies the
// forwarded one.
const (
	maxFailedLogins   = 5
	failedLoginWindow = 15 * time.Minute
)

// MinPasswordLength is the shortest admin password the dashboard accepts;
// with a shorter one it refuses every login.
const MinPasswordLength = 12

// clientKey names the client of r for the login limit.
func (h *handler) clientKey(r *http.Request) string {
	if h.opts.ClientKey != nil {
		return h.opts.ClientKey(r)
	}
	return (*clientip.Resolver)(nil).Key(r)
}

// attempt counts one login attempt of client in the database, before the
// password is checked, so that parallel guesses on any number of nodes are
// all counted; a good password resets the count (reset). It reports
// whether client is over the limit, and for how much longer.
func (h *handler) attempt(ctx context.Context, client string) (bool, time.Duration, error) {
	now := h.now()
	n, start, err := h.opts.Admin.Store.RecordLoginFailure(ctx, client, now, failedLoginWindow)
	if err != nil {
		return false, 0, err
	}
	return n > maxFailedLogins, start.Add(failedLoginWindow).Sub(now), nil
}

// reset forgets client's attempts after a good login.
func (h *handler) reset(ctx context.Context, client string) error {
	return h.opts.Admin.Store.ResetLoginFailures(ctx, client)
}
