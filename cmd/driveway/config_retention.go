package main

import (
	"strconv"
	"strings"
	"time"
)

// Retention settings: how long history is kept before the purge jobs
// delete it. Zero keeps each package's default (90 days for runs and
// events, 30 for deliveries).
type Retention struct {
	// Runs: finished workflow runs and their step runs
	// (DRIVEWAY_RUN_RETENTION).
	Runs time.Duration
	// Events: connect and file events, with their webhook deliveries
	// (DRIVEWAY_EVENT_RETENTION).
	Events time.Duration
	// Deliveries: succeeded and dead webhook deliveries
	// (DRIVEWAY_DELIVERY_RETENTION).
	Deliveries time.Duration
}

// Bounds of a retention setting.
const (
	minRetention = time.Hour
	maxRetention = 10 * 365 * 24 * time.Hour
)

// loadRetention reads the retention settings: a duration like 720h, or a
// number of days like 30d.
func loadRetention(cfg *Config, getenv env) error {
	for name, p := range map[string]*time.Duration{"DRIVEWAY_RUN_RETENTION": &cfg.Retention.Runs,
		"DRIVEWAY_EVENT_RETENTION": &cfg.Retention.Events, "DRIVEWAY_DELIVERY_RETENTION": &cfg.Retention.Deliveries} {
		v := getenv(name)
		if v == "" {
			continue
		}
		d, err := parseRetention(v)
		if err != nil || d < minRetention || d > maxRetention {
			return badConfig(name, "%q is not a duration from 1h to 3650d (like 720h or 30d)", v)
		}
		*p = d
	}
	return nil
}

func parseRetention(v string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 3650 {
			return 0, strconv.ErrRange
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(v)
}
