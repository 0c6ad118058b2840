package main

import (
	"context"
	"fmt"
)

// migrate applies the store's and the job queue's migrations and exits.
func (m *Main) migrate(ctx context.Context, args []string) error {
	cfg, err := m.config("migrate", args, nil)
	if err != nil {
		return err
	}
	ring, err := keyringFrom(cfg.SecretKeys)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, cfg, ring, newLogger(cfg, m.Stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "migrations applied (%s)\n", db.kind)
	return nil
}
