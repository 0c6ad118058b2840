package postgres

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway/internal/upgradetest"
	"github.com/drivewayhq/driveway/storetest"
)

// fixtureRelease is the last migration of the first release: the schema the
// fixture holds.
const fixtureRelease = 8

var updateFixture = flag.Bool("update-fixture", false, "rewrite testdata/release-0008.sql from migrations 0001..0008 (only ever at that release)")

const (
	fixturePath = "testdata/release-0008.sql"
	// fixtureSchema stands for the schema's name in the saved dump.
	fixtureSchema = "driveway_fixture_schema"
)

// TestUpgradeFromFirstRelease loads a pg_dump of a database written by the
// first release (migrations 0001..0008, with records in it) into a fresh
// schema, applies today's migrations and checks every record, secrets
// included, survived.
func TestUpgradeFromFirstRelease(t *testing.T) {
	t.Parallel()
	if *updateFixture {
		writeFixture(t)
	}
	ctx := context.Background()
	dump, err := os.ReadFile(fixturePath)
	if err != nil {
		t.Fatalf("the old-database fixture is missing: %v", err)
	}
	url, schema := storetest.PostgresSchema(t)
	s, err := Open(ctx, url, upgradetest.Keyring(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.pool.Exec(ctx, restorable(string(dump), schema)); err != nil {
		t.Fatalf("load the fixture: %v", err)
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != fixtureRelease {
		t.Fatalf("the fixture has %d migrations applied (%v), want %d", n, err, fixtureRelease)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate the first release's database forward: %v", err)
	}
	upgradetest.Check(t, s)
}

// restorable turns the saved dump into SQL for schema (already created):
// the placeholder name becomes schema, and psql's meta-commands, the
// CREATE SCHEMA and the emptied search_path (which would outlive the load
// on the pooled connection) go.
func restorable(dump, schema string) string {
	var out []string
	for _, line := range strings.Split(dump, "\n") {
		if strings.HasPrefix(line, `\`) || strings.HasPrefix(line, "CREATE SCHEMA ") || strings.Contains(line, "set_config('search_path'") {
			continue
		}
		out = append(out, line)
	}
	return strings.ReplaceAll(strings.Join(out, "\n"), fixtureSchema, schema)
}

// writeFixture builds the first release's database in a fresh schema (its
// migrations only, then the fixture records) and saves its dump, with the
// schema's name replaced by a placeholder.
func writeFixture(t *testing.T) {
	ctx := context.Background()
	url, schema := storetest.PostgresSchema(t)
	s, err := Open(ctx, url, upgradetest.Keyring(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.pool.Exec(ctx, `CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.version > fixtureRelease {
			continue
		}
		if _, err := s.pool.Exec(ctx, m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if _, err := s.pool.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
			t.Fatal(err)
		}
	}
	upgradetest.Populate(t, s)
	out, err := exec.Command("pg_dump", "--schema="+schema, "--no-owner", "--no-privileges", "--inserts",
		"--dbname="+os.Getenv(storetest.PostgresEnv)).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	dump := regexp.MustCompile(`\b`+schema+`\b`).ReplaceAllString(string(out), fixtureSchema)
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fixturePath, []byte(dump), 0o644); err != nil {
		t.Fatal(err)
	}
}
