package webhook

import (
	"log/slog"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/netguard"
)

// DefaultSchedule is the wait before each retry: the first attempt goes at
// once, then 5 s, 5 min, 30 min, 2 h, 5 h, 8 h and 8 h later (8 attempts
// over about 23.6 hours, as Standard Webhooks senders commonly do); after
// the last one fails the delivery is dead.
var DefaultSchedule = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 8 * time.Hour, 8 * time.Hour,
}

// Defaults of Config.
const (
	DefaultTimeout          = 15 * time.Second
	DefaultRotationOverlap  = 24 * time.Hour
	DefaultDispatchInterval = 5 * time.Second
	DefaultMaxResponseBytes = 64 << 10
	DefaultRetention        = 30 * 24 * time.Hour
	// PurgeInterval is how often finished deliveries past Retention are
	// deleted.
	PurgeInterval = time.Hour
)

// Config configures a Service. The zero value is valid.
type Config struct {
	// Schedule is the wait before each retry; len(Schedule)+1 attempts in
	// all. Default DefaultSchedule. Tests compress it.
	Schedule []time.Duration
	// Timeout bounds one attempt, connection to last response byte.
	// Default 15 s.
	Timeout time.Duration
	// RotationOverlap is how long a rotated-out secret keeps signing, by
	// default, so that the receiver can switch. Default 24 h.
	RotationOverlap time.Duration
	// DispatchInterval is how often the leader sweeps the outbox for events
	// that no Enqueue call fanned out. Default 5 s.
	DispatchInterval time.Duration
	// Retention is how long succeeded and dead deliveries are kept (for
	// the list and redelivery) after their last update. Default 30 days.
	Retention time.Duration
	// Guard configures the address-checked client every delivery goes
	// through (its Timeout is replaced by Timeout).
	Guard netguard.Config
	// AllowLoopback is for development and tests only: endpoint URLs may
	// then be http on localhost, 127.0.0.1 or [::1], and deliveries to the
	// URL's own loopback port pass the address check. Never set it in
	// production: it lets a project's admin reach services on the host.
	AllowLoopback bool
	// Logger receives delivery failures (never secrets or bodies). Default
	// slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.Schedule == nil {
		c.Schedule = DefaultSchedule
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.RotationOverlap <= 0 {
		c.RotationOverlap = DefaultRotationOverlap
	}
	if c.DispatchInterval <= 0 {
		c.DispatchInterval = DefaultDispatchInterval
	}
	if c.Retention <= 0 {
		c.Retention = DefaultRetention
	}
	if c.Guard.MaxResponseBytes <= 0 {
		c.Guard.MaxResponseBytes = DefaultMaxResponseBytes
	}
	c.Guard.Timeout = c.Timeout
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports the first invalid field as an EINVALID *driveway.Error.
func (c Config) Validate() error {
	for _, d := range c.Schedule {
		if d < 0 {
			return driveway.Invalid("Schedule", "a wait is negative: %s", d)
		}
	}
	if c.Timeout < 0 {
		return driveway.Invalid("Timeout", "must be positive, got %s", c.Timeout)
	}
	return nil
}
