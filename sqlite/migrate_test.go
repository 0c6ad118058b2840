package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/sqlite"
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
	path := filepath.Join(t.TempDir(), "m.db")
	var stores []*sqlite.Store
	for range 3 {
		s, err := sqlite.Open(ctx, path, testRing(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
	}
	if got := driveway.ErrorCode(stores[0].Ping(ctx)); got != driveway.EUNAVAILABLE {
		t.Fatalf("Ping before Migrate: code %q, want %q", got, driveway.EUNAVAILABLE)
	}
	// Several processes (here, stores) migrating at once.
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
}

func TestPragmas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, testRing(t))
	db := s.WriterDB()
	if got := db.Stats().MaxOpenConnections; got != 1 {
		t.Fatalf("writer MaxOpenConnections = %d, want 1", got)
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "1", "busy_timeout": "10000"} {
		var got string
		if err := db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
}

func TestTxDriver(t *testing.T) {
	t.Parallel()
	s := open(t, testRing(t))
	err := s.WithTx(context.Background(), func(tx driveway.Tx) error {
		if _, ok := tx.Driver().(*sql.Tx); !ok {
			t.Errorf("Driver() is %T, want *sql.Tx", tx.Driver())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOddPath(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "a?b#c%20d")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "x.db")
	s, err := sqlite.Open(context.Background(), path, testRing(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the database is not at %s: %v", path, err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := sqlite.Open(ctx, "", testRing(t)); err == nil {
		t.Fatalf("Open with no path succeeded")
	}
	if _, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"), nil); err == nil {
		t.Fatalf("Open with no sealer succeeded")
	}
	if _, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "missing", "x.db"), testRing(t)); err == nil {
		t.Fatalf("Open in a missing directory succeeded")
	}
}
