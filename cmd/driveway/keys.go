package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/audit"
	"github.com/drivewayhq/driveway/secret"
)

const keysUsage = `usage:
  driveway keys generate --project PID [--alg ES256|RS256] [--audience AUD] [--out FILE]
  driveway keys create [--project PID] [--name NAME] [--role read|operate|admin] [--surfaces a,b|*] [--expires-in 720h]
  driveway keys list [--project PID]
  driveway keys revoke [--project PID] KEY_ID`

// keys manages user-token signing keys (generate) and admin API keys
// (create, list, revoke) straight in the configured database: the bootstrap
// for a fresh `serve`, where no API key exists yet to ask the API with.
func (m *Main) keys(ctx context.Context, args []string) error {
	sub := map[string]func(context.Context, []string) error{
		"generate": m.keysGenerate, "create": m.keysCreate, "list": m.keysList, "revoke": m.keysRevoke,
	}
	if len(args) == 0 || sub[args[0]] == nil {
		fmt.Fprintln(m.Stderr, keysUsage)
		return errUsage
	}
	return sub[args[0]](ctx, args[1:])
}

// keysGenerate registers a new user-token key pair for a project and
// prints the private key, which Driveway does not keep.
func (m *Main) keysGenerate(ctx context.Context, args []string) error {
	var project, alg, audience, out string
	cfg, err := m.config("keys generate", args, func(fs *flag.FlagSet) {
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

// keysCreate makes an API key and prints its secret alone on standard
// output (for `KEY=$(driveway keys create ...)`). It needs the database
// and the sealing keyring, so only whoever holds the server's own secrets
// can mint a key this way; the creation is in the audit trail as the CLI.
func (m *Main) keysCreate(ctx context.Context, args []string) error {
	var spec admin.KeySpec
	var surfaces string
	var expiresIn time.Duration
	cfg, err := m.config("keys create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&spec.ProjectID, "project", "", "project id; none for an instance key")
		fs.StringVar(&spec.Name, "name", "CLI key", "a name to recognise the key by")
		fs.StringVar(&spec.Role, "role", driveway.KeyAdmin, "read, operate or admin")
		fs.StringVar(&surfaces, "surfaces", "*", "comma-separated surfaces ("+strings.Join(driveway.KeySurfaces, ", ")+") or * for all")
		fs.DurationVar(&expiresIn, "expires-in", 0, "lifetime, such as 720h; none: never expires")
	})
	if err != nil {
		return err
	}
	if expiresIn < 0 {
		return badConfig("--expires-in", "must be positive")
	}
	if expiresIn > 0 {
		spec.ExpiresAt = time.Now().Add(expiresIn)
	}
	spec.Surfaces = strings.Split(surfaces, ",")
	return m.withKeyAdmin(ctx, cfg, func(ctx context.Context, svc *admin.Service, rec *audit.Recorder) error {
		k, sec, err := svc.MintAPIKey(ctx, nil, spec)
		if err != nil {
			return err
		}
		if err := rec.Record(ctx, audit.Event{Action: "api_key.create", ProjectID: k.ProjectID, Target: k.ID, After: keySummary(k)}); err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "created API key %s (%s, %s); its secret follows and is shown only now:\n", k.ID, scopeName(k), k.Role)
		fmt.Fprintln(m.Stdout, sec)
		return nil
	})
}

func (m *Main) keysList(ctx context.Context, args []string) error {
	var project string
	cfg, err := m.config("keys list", args, func(fs *flag.FlagSet) {
		fs.StringVar(&project, "project", "", "project id; none lists the instance keys")
	})
	if err != nil {
		return err
	}
	return m.withKeyAdmin(ctx, cfg, func(ctx context.Context, svc *admin.Service, _ *audit.Recorder) error {
		ks, err := svc.Store.ListAPIKeys(ctx, project)
		if err != nil {
			return err
		}
		for _, k := range ks {
			fmt.Fprintf(m.Stdout, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, scopeName(k), k.Role, surfaceList(k), keyState(k), k.Name)
		}
		return nil
	})
}

func (m *Main) keysRevoke(ctx context.Context, args []string) error {
	var project string
	var fs *flag.FlagSet
	cfg, err := m.config("keys revoke", args, func(f *flag.FlagSet) {
		fs = f
		f.StringVar(&project, "project", "", "the key's project id; none for an instance key")
	})
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return badConfig("KEY_ID", "name exactly one key id to revoke")
	}
	id := fs.Arg(0)
	return m.withKeyAdmin(ctx, cfg, func(ctx context.Context, svc *admin.Service, rec *audit.Recorder) error {
		if err := svc.Store.RevokeAPIKey(ctx, project, id, time.Now().UTC()); err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "revoked API key %s\n", id)
		return rec.Record(ctx, audit.Event{Action: "api_key.revoke", ProjectID: project, Target: id})
	})
}

// withKeyAdmin opens the database, proves the keyring opens its sealed
// secrets, and runs fn acting as the CLI.
func (m *Main) withKeyAdmin(ctx context.Context, cfg *Config, fn func(context.Context, *admin.Service, *audit.Recorder) error) error {
	db, ring, err := m.openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := proveKeyring(ctx, db, ring); err != nil {
		return err
	}
	who := m.Getenv("USER")
	if who == "" {
		who = "unknown"
	}
	ctx = audit.WithActor(ctx, audit.Actor{Type: "cli", ID: who})
	return fn(ctx, &admin.Service{Store: db, PublicURL: cfg.PublicURL}, &audit.Recorder{Store: db})
}

// proveKeyring refuses a keyring that cannot open a sealed value of the
// database: holding the database's address is not enough to mint keys,
// the caller must hold the server's sealing key too. (A database with no
// sealed value yet has nothing to prove against.)
func proveKeyring(ctx context.Context, db driveway.Store, ring *secret.Keyring) error {
	vs, err := db.ListSealed(ctx, driveway.SealedRef{}, 1)
	if err != nil {
		return err
	}
	for _, v := range vs {
		if _, err := ring.Open(v.Ciphertext, v.Ref); err != nil {
			return badConfig("DRIVEWAY_SECRET_KEYS", "does not open this database's secrets: use the server's own keyring")
		}
	}
	return nil
}

func keySummary(k *driveway.APIKey) map[string]any {
	m := map[string]any{"name": k.Name, "projectId": k.ProjectID, "role": k.Role, "surfaces": surfaceList(k)}
	if !k.ExpiresAt.IsZero() {
		m["expiresAt"] = k.ExpiresAt
	}
	return m
}

func scopeName(k *driveway.APIKey) string {
	if k.ProjectID == "" {
		return "instance"
	}
	return "project " + k.ProjectID
}

func surfaceList(k *driveway.APIKey) string {
	if k.Surfaces == nil {
		return "*"
	}
	return strings.Join(k.Surfaces, ",")
}

func keyState(k *driveway.APIKey) string {
	switch {
	case !k.RevokedAt.IsZero():
		return "revoked"
	case !k.Active(time.Now()):
		return "expired"
	case !k.ExpiresAt.IsZero():
		return "expires " + k.ExpiresAt.Format(time.RFC3339)
	}
	return "active"
}
