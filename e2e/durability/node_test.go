package durability

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" for the effects table on Postgres
	_ "modernc.org/sqlite"             // "sqlite" for the effects database on SQLite

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/sqlite"
	"github.com/drivewayhq/driveway/workflow"
)

// Environment of a node process (set by the parent test).
const (
	envNode    = "DURABILITY_NODE"    // "1": this process is a node
	envEngine  = "DURABILITY_ENGINE"  // "sqlite" or "postgres"
	envDSN     = "DURABILITY_DSN"     // store: SQLite path or Postgres URL
	envKey     = "DURABILITY_KEY"     // the store's sealing key (secret.GenerateKey)
	envEffects = "DURABILITY_EFFECTS" // effects database: SQLite path or Postgres URL
)

// Queue and engine timing of the nodes: a step attempt times out after
// StepTimeout, its job after StepTimeout + 5 s, and a job left running by
// a dead node is rescued once older than RescueStuckJobsAfter.
var (
	nodeQueue  = jobs.Config{JobTimeout: 2 * time.Second, RescueStuckJobsAfter: 7 * time.Second, FastPoll: true}
	nodeEngine = workflow.Config{StepTimeout: time.Second, ProjectConcurrency: 1000, UserConcurrency: 1000}
)

func TestMain(m *testing.M) {
	if os.Getenv(envNode) == "1" {
		if err := runNode(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, "node:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runNode opens the store and the queue, starts the engine with the
// effect step, prints "ready" and works until it is killed.
func runNode(ctx context.Context) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ring, err := secret.ParseKeyring(os.Getenv(envKey))
	if err != nil {
		return err
	}
	store, q, err := openNode(ctx, os.Getenv(envEngine), os.Getenv(envDSN), ring, nodeQueue, log)
	if err != nil {
		return err
	}
	fx, err := openEffects(ctx, os.Getenv(envEngine), os.Getenv(envEffects))
	if err != nil {
		return err
	}
	reg, err := registry(fx)
	if err != nil {
		return err
	}
	cfg := nodeEngine
	cfg.Store, cfg.Queue, cfg.Registry, cfg.Logger = store, q, reg, log
	e, err := workflow.New(cfg)
	if err != nil {
		return err
	}
	if err := e.Register(); err != nil {
		return err
	}
	if err := q.Start(ctx); err != nil {
		return fmt.Errorf("start queue: %w", err)
	}
	fmt.Println("ready")
	select {} // until SIGKILL
}

// openNode opens the store and a job queue on it.
func openNode(ctx context.Context, engine, dsn string, sealer driveway.Sealer, qcfg jobs.Config, log *slog.Logger) (driveway.Store, *jobs.Queue, error) {
	qcfg.Logger = log
	switch engine {
	case "sqlite":
		s, err := sqlite.Open(ctx, dsn, sealer)
		if err != nil {
			return nil, nil, err
		}
		q, err := jobs.NewSQLite(s.WriterDB(), qcfg)
		return s, q, err
	case "postgres":
		s, err := postgres.Open(ctx, dsn, sealer)
		if err != nil {
			return nil, nil, err
		}
		q, err := jobs.NewPostgres(s.Pool(), qcfg)
		return s, q, err
	}
	return nil, nil, fmt.Errorf("unknown engine %q", engine)
}

// effects is the deduplicating service the effect step calls: one row
// per idempotency key, with the nonce of its first request and the number
// of requests.
type effects struct {
	db *sql.DB
	pg bool
}

func openEffects(ctx context.Context, engine, dsn string) (*effects, error) {
	driver, pg := "sqlite", engine == "postgres"
	if pg {
		driver = "pgx"
	} else {
		dsn = "file:" + dsn + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("open effects: %w", err)
	}
	if !pg {
		db.SetMaxOpenConns(1)
	}
	_, err = db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS durability_effects (
		key TEXT PRIMARY KEY, nonce TEXT NOT NULL, requests INTEGER NOT NULL)`)
	if err != nil {
		return nil, fmt.Errorf("create effects table: %w", err)
	}
	return &effects{db: db, pg: pg}, nil
}

// bind rewrites ? placeholders as $n on Postgres.
func (fx *effects) bind(q string) string {
	if !fx.pg {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// apply performs the side effect of key once: the first request stores
// nonce; every request counts; the answer is the first request's nonce.
func (fx *effects) apply(ctx context.Context, key, nonce string) (string, error) {
	var first string
	err := fx.db.QueryRowContext(ctx, fx.bind(`INSERT INTO durability_effects (key, nonce, requests) VALUES (?, ?, 1)
		ON CONFLICT (key) DO UPDATE SET requests = durability_effects.requests + 1 RETURNING nonce`), key, nonce).Scan(&first)
	if err != nil {
		return "", fmt.Errorf("apply effect %s: %w", key, err)
	}
	return first, nil
}

// count is the number of keys applied.
func (fx *effects) count(ctx context.Context) (int, error) {
	var n int
	err := fx.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM durability_effects`).Scan(&n)
	return n, err
}

// all returns every row: nonce and requests by key.
func (fx *effects) all(ctx context.Context) (map[string]string, map[string]int, error) {
	rows, err := fx.db.QueryContext(ctx, `SELECT key, nonce, requests FROM durability_effects`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	nonces, requests := map[string]string{}, map[string]int{}
	for rows.Next() {
		var k, n string
		var r int
		if err := rows.Scan(&k, &n, &r); err != nil {
			return nil, nil, err
		}
		nonces[k], requests[k] = n, r
	}
	return nonces, requests, rows.Err()
}

// registry returns the built-in steps and "effect": apply the side effect
// keyed by the idempotency key, then work 20 to 200 ms (a kill then leaves
// the effect applied and the result uncommitted). Output: the key, the
// service's answer, this execution's nonce, and input.prev.
func registry(fx *effects) (*workflow.Registry, error) {
	reg := workflow.NewRegistry(nil, nil)
	err := reg.Register("effect", workflow.RunnerFunc(func(ctx context.Context, c *workflow.Call) (any, error) {
		if c.IdempotencyKey == "" {
			return nil, errors.New("effect: no idempotency key")
		}
		exec := nonce()
		first, err := fx.apply(ctx, c.IdempotencyKey, exec)
		if err != nil {
			return nil, err
		}
		time.Sleep(time.Duration(20+mrand.IntN(180)) * time.Millisecond) // simulated work, not a wait
		return map[string]any{"key": c.IdempotencyKey, "effect": first, "exec": exec, "prev": c.Input["prev"]}, nil
	}), nil)
	return reg, err
}

func nonce() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
