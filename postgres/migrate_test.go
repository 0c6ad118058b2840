package postgres_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/storetest"
	"github.com/jackc/pgx/v5"
)

func testRing(t *testing.T) *secret.Keyring {
	key, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	ring, err := secret.ParseKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	return ring
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url, _ := storetest.PostgresSchema(t)
	var stores []*postgres.Store
	for range 4 {
		s, err := postgres.Open(ctx, url, testRing(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
	}
	if got := driveway.ErrorCode(stores[0].Ping(ctx)); got != driveway.EUNAVAILABLE {
		t.Fatalf("Ping before Migrate: code %q, want %q", got, driveway.EUNAVAILABLE)
	}
	// Several processes (here, pools) migrating at once.
	var wg sync.WaitGroup
	errs := make([]error, len(stores))
	for i, s := range stores {
		wg.Go(func() { errs[i] = s.Migrate(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Migrate %d: %v", i, err)
		}
	}
	if err := stores[0].Migrate(ctx); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	for _, s := range stores {
		if err := s.Ping(ctx); err != nil {
			t.Fatalf("Ping after Migrate: %v", err)
		}
	}
	// Each migration applied once (numbers may have gaps).
	var n, distinct int
	if err := stores[0].Pool().QueryRow(ctx, `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct); err != nil || n != distinct || n != countMigrations(t) {
		t.Fatalf("schema_migrations has %d rows, %d versions (%v), want one per embedded migration (%d)", n, distinct, err, countMigrations(t))
	}
}

func TestTxDriver(t *testing.T) {
	t.Parallel()
	s := open(t, testRing(t))
	err := s.WithTx(context.Background(), func(tx driveway.Tx) error {
		if _, ok := tx.Driver().(pgx.Tx); !ok {
			t.Errorf("Driver() is %T, want a pgx.Tx", tx.Driver())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, err := postgres.Open(ctx, "postgres://user:hunter2-password@127.0.0.1:1/db?sslmode=bogus", testRing(t))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("Open with a bad URL: %v, want an error without the password", err)
	}
	if _, err := postgres.Open(ctx, "postgres://127.0.0.1:1/db", nil); err == nil {
		t.Fatalf("Open with no sealer succeeded")
	}
}

// countMigrations counts the migration files (the test runs in the
// package's directory).
func countMigrations(t *testing.T) int {
	ms, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(ms) < 2 {
		t.Fatalf("migrations: %v %d", err, len(ms))
	}
	return len(ms)
}
