package main

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/drivewayhq/driveway/dashboard"
	"github.com/drivewayhq/driveway/internal/clientip"
	"github.com/drivewayhq/driveway/netguard"
)

// loadEdge reads the settings of the edge: trusted proxies and the
// connection caps.
func loadEdge(cfg *Config, getenv env) error {
	if v := getenv("DRIVEWAY_TRUSTED_PROXIES"); v != "" {
		p, err := clientip.ParsePrefixes(v)
		if err != nil {
			return badConfig("DRIVEWAY_TRUSTED_PROXIES", "%v", err)
		}
		cfg.TrustedProxies = p
	}
	if v := getenv("DRIVEWAY_ALLOW_PRIVATE_DESTINATIONS"); v != "" {
		a, err := netguard.ParseAllowlist(v)
		if err != nil {
			return badConfig("DRIVEWAY_ALLOW_PRIVATE_DESTINATIONS", "%v", err)
		}
		cfg.AllowPrivate = a
	}
	ints := map[string]*int{"DRIVEWAY_MAX_CONNECTIONS_PER_CLIENT": &cfg.MaxConnsPerClient, "DRIVEWAY_MAX_CONNECTIONS": &cfg.MaxConns}
	for name, p := range ints {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return badConfig(name, "%q is not a number", v)
			}
			*p = n
		}
	}
	return nil
}

// validateEdge checks the admin password's length (never quoting it), the
// body deadline and the connection cap.
func (cfg *Config) validateEdge() error {
	if cfg.AdminPassword != "" && utf8.RuneCountInString(cfg.AdminPassword) < dashboard.MinPasswordLength {
		return badConfig("DRIVEWAY_ADMIN_PASSWORD", "must be at least %d characters (generate one with `openssl rand -base64 18`)", dashboard.MinPasswordLength)
	}
	if cfg.BodyTimeout < time.Second || cfg.BodyTimeout > time.Hour {
		return badConfig("DRIVEWAY_BODY_TIMEOUT", "must be between 1s and 1h")
	}
	if cfg.MaxConns < 1 || cfg.MaxConns > 1<<20 {
		return badConfig("DRIVEWAY_MAX_CONNECTIONS", "must be between 1 and 1048576")
	}
	if cfg.MaxConnsPerClient < 1 || cfg.MaxConnsPerClient > cfg.MaxConns {
		return badConfig("DRIVEWAY_MAX_CONNECTIONS_PER_CLIENT", "must be between 1 and DRIVEWAY_MAX_CONNECTIONS (%d)", cfg.MaxConns)
	}
	return nil
}

// resolver is the client address resolver of cfg's trusted proxies.
func (cfg *Config) resolver() *clientip.Resolver {
	return &clientip.Resolver{Trusted: cfg.TrustedProxies}
}
