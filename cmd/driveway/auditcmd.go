package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/audit"
)

// errBrokenChain makes `audit verify` exit 1 after printing its report.
var errBrokenChain = errors.New("the audit chain is broken")

// auditCmd runs `driveway audit verify` (walk the chain; exit 1 when it is
// broken) and `driveway audit export` (JSON lines after --after) against
// the configured database, for operators without an API key.
func (m *Main) auditCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "export") {
		fmt.Fprintln(m.Stderr, "usage: driveway audit verify | driveway audit export [--after SEQ] [--project PID]")
		return errUsage
	}
	var f driveway.AuditFilter
	cfg, err := m.config("audit "+args[0], args[1:], func(fs *flag.FlagSet) {
		if args[0] == "export" {
			fs.Int64Var(&f.After, "after", 0, "export the entries after this seq")
			fs.StringVar(&f.ProjectID, "project", "", "only this project's entries")
		}
	})
	if err != nil {
		return err
	}
	db, _, err := m.openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if args[0] == "export" {
		return m.auditExport(ctx, db, f)
	}
	rep, err := audit.Verify(ctx, db)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(rep)
	fmt.Fprintln(m.Stdout, string(b))
	if !rep.OK {
		return fmt.Errorf("%w at seq %d: %s", errBrokenChain, rep.BrokenAt, rep.Reason)
	}
	return nil
}

func (m *Main) auditExport(ctx context.Context, db driveway.Store, f driveway.AuditFilter) error {
	enc := json.NewEncoder(m.Stdout)
	for {
		page, err := db.ListAudit(ctx, f, 500)
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := enc.Encode(audit.ToLine(e)); err != nil {
				return err
			}
			f.After = e.Seq
		}
		if len(page) < 500 {
			return nil
		}
	}
}
