package jobs

import (
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/drivewayhq/driveway"
)

// Defaults applied by Config for fields left zero.
const (
	// DefaultMaxWorkers is the concurrency of the default queue.
	DefaultMaxWorkers = 10
	// DefaultRescueStuckJobsAfter is how long a job may stay running before
	// the leader returns it to be retried. River's own default is an hour;
	// ours is minutes so that a crashed node's jobs resume soon.
	DefaultRescueStuckJobsAfter = 5 * time.Minute
	// DefaultJobTimeout cancels a job's context after this long.
	DefaultJobTimeout = time.Minute
	// DefaultFetchCooldown is the least time between two fetches of a queue.
	DefaultFetchCooldown = 100 * time.Millisecond
	// DefaultFetchPollInterval is the time between fetches when nothing
	// announced new jobs (SQLite always polls; Postgres also listens).
	DefaultFetchPollInterval = time.Second
	// DefaultMaxAttempts is the attempts a job gets before it is discarded.
	DefaultMaxAttempts = 25

	// fastFetchCooldown and fastFetchPollInterval replace the fetch defaults
	// when Config.FastPoll is set.
	fastFetchCooldown     = 10 * time.Millisecond
	fastFetchPollInterval = 20 * time.Millisecond
)

// Config configures a Queue. The zero value is valid: every zero field takes
// the default documented on it.
type Config struct {
	// Queues maps each queue this node works to the most jobs it runs at
	// once from that queue (1 to 10,000). Default: {"default": 10}. Jobs go
	// to "default" unless their insert options name another queue.
	Queues map[string]int

	// RescueStuckJobsAfter is how long a job may be running before it is
	// considered stuck (its node crashed) and is scheduled again, or
	// discarded when out of attempts. Must exceed JobTimeout. Default 5m.
	RescueStuckJobsAfter time.Duration

	// JobTimeout cancels a job's context after this long, unless its worker
	// sets its own Timeout. Default 1m.
	JobTimeout time.Duration

	// FetchCooldown is the least time between two fetches. Default 100ms.
	FetchCooldown time.Duration

	// FetchPollInterval is the time between fetches when no notification
	// announced new jobs. Default 1s.
	FetchPollInterval time.Duration

	// MaxAttempts is the attempts a job gets before it is discarded, unless
	// its insert options say otherwise. Default 25.
	MaxAttempts int

	// Schema is the Postgres schema of River's tables. Default "": the
	// connection's search_path. Must be empty on SQLite.
	Schema string

	// InsertOnly makes a queue that only inserts jobs (for CLI commands): it
	// has no workers, cannot Start, and does not check that an inserted kind
	// has a registered worker.
	InsertOnly bool

	// FastPoll is for tests: fetch every 20ms (cooldown 10ms) unless the
	// fetch fields are set, and start River's maintenance services without
	// their production jitter.
	FastPoll bool

	// Logger receives River's logs. Default slog.Default().
	Logger *slog.Logger
}

// WithDefaults returns a copy of c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if len(c.Queues) == 0 {
		c.Queues = map[string]int{river.QueueDefault: DefaultMaxWorkers}
	}
	c.RescueStuckJobsAfter = orDefault(c.RescueStuckJobsAfter, DefaultRescueStuckJobsAfter)
	c.JobTimeout = orDefault(c.JobTimeout, DefaultJobTimeout)
	cooldown, poll := DefaultFetchCooldown, DefaultFetchPollInterval
	if c.FastPoll {
		cooldown, poll = fastFetchCooldown, fastFetchPollInterval
	}
	c.FetchCooldown = orDefault(c.FetchCooldown, cooldown)
	c.FetchPollInterval = orDefault(c.FetchPollInterval, poll)
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Validate reports the first invalid field of c (zero fields count as their
// defaults) as an EINVALID *driveway.Error whose Field names it.
func (c Config) Validate() error {
	c = c.WithDefaults()
	for name, n := range c.Queues {
		if name == "" {
			return driveway.Invalid("Queues", "a queue name is empty")
		}
		if n < 1 || n > 10000 {
			return driveway.Invalid("Queues", "queue %q: max workers %d is not between 1 and 10000", name, n)
		}
	}
	switch {
	case c.JobTimeout < 0:
		return driveway.Invalid("JobTimeout", "must be positive, got %s", c.JobTimeout)
	case c.RescueStuckJobsAfter <= c.JobTimeout:
		return driveway.Invalid("RescueStuckJobsAfter",
			"must exceed JobTimeout (%s), got %s", c.JobTimeout, c.RescueStuckJobsAfter)
	case c.FetchCooldown < 0:
		return driveway.Invalid("FetchCooldown", "must be positive, got %s", c.FetchCooldown)
	case c.FetchPollInterval < c.FetchCooldown:
		return driveway.Invalid("FetchPollInterval",
			"must be at least FetchCooldown (%s), got %s", c.FetchCooldown, c.FetchPollInterval)
	case c.MaxAttempts < 1:
		return driveway.Invalid("MaxAttempts", "must be at least 1, got %d", c.MaxAttempts)
	}
	return nil
}

// riverConfig translates c (defaults applied) into River's configuration.
func (c Config) riverConfig(workers *river.Workers, middleware []rivertype.Middleware) *river.Config {
	rc := &river.Config{
		FetchCooldown:        c.FetchCooldown,
		FetchPollInterval:    c.FetchPollInterval,
		JobTimeout:           c.JobTimeout,
		Logger:               c.Logger,
		MaxAttempts:          c.MaxAttempts,
		RescueStuckJobsAfter: c.RescueStuckJobsAfter,
		Schema:               c.Schema,
		TestOnly:             c.FastPoll,
		Middleware:           middleware,
	}
	if c.InsertOnly {
		return rc
	}
	rc.Workers = workers
	rc.Queues = make(map[string]river.QueueConfig, len(c.Queues))
	for name, n := range c.Queues {
		rc.Queues[name] = river.QueueConfig{MaxWorkers: n}
	}
	return rc
}
