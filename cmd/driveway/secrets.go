package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/drivewayhq/driveway/secret"
)

// secrets rotate re-seals every sealed value under the newest key of
// DRIVEWAY_SECRET_KEYS. It is safe to stop and run again.
func (m *Main) secrets(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprintln(m.Stderr, "usage: driveway secrets rotate [--batch N]")
		return errUsage
	}
	var batch int
	cfg, err := m.config("secrets rotate", args[1:], func(fs *flag.FlagSet) {
		fs.IntVar(&batch, "batch", secret.DefaultRotateBatch, "values re-sealed per page")
	})
	if err != nil {
		return err
	}
	db, ring, err := m.openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := secret.Rotate(ctx, db, ring, batch, func(done, total int) {
		fmt.Fprintf(m.Stderr, "re-sealed %d of %d\n", done, total)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "scanned %d sealed values, re-sealed %d under key %s, skipped %d rewritten meanwhile\n",
		res.Scanned, res.Resealed, ring.KeyIDs()[0], res.Skipped)
	return nil
}
