package main

import (
	"context"
	"flag"
)

// serve runs the production server: configuration from the environment and
// flags, migrations applied at start, then HTTP and jobs until a signal.
func (m *Main) serve(ctx context.Context, args []string) error {
	cfg, err := m.config("serve", args, nil)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, m.Stderr)
	ring, err := keyringFrom(cfg.SecretKeys)
	if err != nil {
		return err
	}
	stopTracing, err := m.startTracing(ctx)
	if err != nil {
		return err
	}
	defer stopTracing()
	if cfg.AdminPassword == "" {
		logger.Warn("DRIVEWAY_ADMIN_PASSWORD is not set: the dashboard will refuse every login")
	}
	if cfg.MetricsAddr == "" && cfg.MetricsToken == "" {
		logger.Info("/metrics is off: set DRIVEWAY_METRICS_TOKEN (bearer token) or DRIVEWAY_METRICS_ADDR (own listener)")
	}
	db, err := openDatabase(ctx, cfg, ring, logger)
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return err
	}
	ln, err := listen(cfg.Addr)
	if err != nil {
		db.Close()
		return err
	}
	s, err := newServer(cfg, logger, db, ring, configEndpoints(cfg), false)
	if err != nil {
		ln.Close()
		db.Close()
		return err
	}
	s.proxy.DownloadHosts = cfg.MicrosoftDownloadHosts
	return s.run(ctx, ln, m.Ready)
}

// config reads the environment, then the flags of one subcommand (extra
// binds that command's own flags), then validates.
func (m *Main) config(name string, args []string, extra func(*flag.FlagSet)) (*Config, error) {
	cfg := defaultConfig()
	if err := loadEnv(&cfg, env(m.Getenv)); err != nil {
		return nil, err
	}
	fs := flag.NewFlagSet("driveway "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	addFlags(fs, &cfg)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, errUsage
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}
