package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/drivewayhq/driveway/sqlite"
)

// backup copies the SQLite database to a new file while the server keeps
// running (sqlite.Backup). Postgres has its own tools; the command says so
// rather than half-doing it.
func (m *Main) backup(ctx context.Context, args []string) error {
	var to string
	cfg, err := m.config("backup", args, func(fs *flag.FlagSet) {
		fs.StringVar(&to, "to", "", "file to write the copy to; it must not exist")
	})
	if err != nil {
		return err
	}
	if to == "" {
		return badConfig("--to", "name the file to write the backup to, like --to /backups/driveway-2026-01-31.db")
	}
	kind, path, err := databaseKind(cfg.Database)
	if err != nil {
		return err
	}
	if kind != "sqlite" {
		return errors.New("backup copies SQLite databases; back Postgres up with pg_dump (see docs/operations.md)")
	}
	if err := sqlite.Backup(ctx, path, to); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "backed up %s to %s\n", path, to)
	return nil
}
