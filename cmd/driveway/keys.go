package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/drivewayhq/driveway/admin"
)

// keys generate registers a new user-token key pair for a project and
// prints the private key, which Driveway does not keep.
func (m *Main) keys(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "generate" {
		fmt.Fprintln(m.Stderr, "usage: driveway keys generate --project PID [--alg ES256|RS256] [--audience AUD] [--out FILE]")
		return errUsage
	}
	var project, alg, audience, out string
	cfg, err := m.config("keys generate", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&project, "project", "", "project id (required)")
		fs.StringVar(&alg, "alg", "ES256", "ES256 or RS256")
		fs.StringVar(&audience, "audience", "", "audience tokens signed with this key must carry")
		fs.StringVar(&out, "out", "", "write the private key to this file (mode 0600) instead of standard output")
	})
	if err != nil {
		return err
	}
	if project == "" {
		return badConfig("--project", "required: the project id")
	}
	if alg != "ES256" && alg != "RS256" {
		return badConfig("--alg", "must be ES256 or RS256")
	}
	db, _, err := m.openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &admin.Service{Store: db, PublicURL: cfg.PublicURL}
	k, priv, err := svc.GenerateSigningKey(ctx, project, alg, audience)
	if err != nil {
		return err
	}
	if out != "" {
		if err := writeFileAtomic(out, []byte(priv), 0o600); err != nil {
			return fmt.Errorf("write private key: %w", err)
		}
		fmt.Fprintf(m.Stdout, "registered key %s (%s) for project %s; private key written to %s\n", k.ID, k.Alg, project, out)
		return nil
	}
	fmt.Fprintf(m.Stderr, "registered key %s (%s) for project %s; its private key follows and is not stored anywhere:\n", k.ID, k.Alg, project)
	fmt.Fprint(m.Stdout, priv)
	return nil
}
