package sqlite

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/drivewayhq/driveway/internal/upgradetest"
)

// fixtureRelease is the last migration of the first release: the schema the
// fixture holds.
const fixtureRelease = 8

var updateFixture = flag.Bool("update-fixture", false, "rewrite testdata/release-0008.db from migrations 0001..0008 (only ever at that release)")

const fixturePath = "testdata/release-0008.db"

// TestUpgradeFromFirstRelease opens a database file written by the first
// release (migrations 0001..0008, with records in it), applies today's
// migrations and checks every record, secrets included, survived.
func TestUpgradeFromFirstRelease(t *testing.T) {
	t.Parallel()
	if *updateFixture {
		writeFixture(t)
	}
	ctx := context.Background()
	b, err := os.ReadFile(fixturePath)
	if err != nil {
		t.Fatalf("the old-database fixture is missing: %v", err)
	}
	path := filepath.Join(t.TempDir(), "old.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path, upgradetest.Keyring(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if applied := appliedVersions(t, s); applied != fixtureRelease {
		t.Fatalf("the fixture has %d migrations applied, want %d", applied, fixtureRelease)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate the first release's database forward: %v", err)
	}
	upgradetest.Check(t, s)
}

func appliedVersions(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.reader.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// writeFixture builds the first release's database: its migrations only,
// then the fixture records, then a compact copy into testdata.
func writeFixture(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fixture.db")
	s, err := Open(ctx, path, upgradetest.Keyring(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.writer.ExecContext(ctx, createMigrationsTable); err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.version <= fixtureRelease {
			if err := s.apply(ctx, m); err != nil {
				t.Fatalf("%s: %v", m.name, err)
			}
		}
	}
	upgradetest.Populate(t, s)
	os.Remove(fixturePath)
	if err := os.MkdirAll(filepath.Dir(fixturePath), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := s.writer.ExecContext(ctx, `VACUUM INTO ?`, fixturePath); err != nil {
		t.Fatal(err)
	}
}
