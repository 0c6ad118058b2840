package storetest

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// PostgresEnv names the variable holding the test database URL.
const PostgresEnv = "DRIVEWAY_TEST_POSTGRES_URL"

// PostgresSchema creates a fresh schema in the database at
// DRIVEWAY_TEST_POSTGRES_URL, drops it when t ends, and returns a URL whose
// sessions use it (search_path) and the schema's name. It skips t when the
// variable is unset.
func PostgresSchema(t testing.TB) (dbURL, schema string) {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("%s is not set: skipping the Postgres tests", PostgresEnv)
	}
	schema = "t_" + strings.ToLower(unique())
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", PostgresEnv, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("connect to drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), schema
}

// PgDump returns the pg_dump output (plain SQL, data included) of schema in
// the database at DRIVEWAY_TEST_POSTGRES_URL. It skips t when pg_dump is not
// on PATH.
func PgDump(t *testing.T, schema string) []byte {
	t.Helper()
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		t.Skipf("pg_dump is not on PATH: skipping the check of the Postgres dump (install the Postgres client tools)")
	}
	out, err := exec.CommandContext(t.Context(), bin, "--schema="+schema, "--no-owner", "--dbname="+os.Getenv(PostgresEnv)).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("pg_dump: %v: %s", err, stderr)
	}
	return out
}

// SkipWithoutPostgres skips t, with a message naming the variable, when
// DRIVEWAY_TEST_POSTGRES_URL is unset.
func SkipWithoutPostgres(t testing.TB) {
	t.Helper()
	if os.Getenv(PostgresEnv) == "" {
		t.Skipf("%s is not set: skipping the Postgres tests", PostgresEnv)
	}
}
