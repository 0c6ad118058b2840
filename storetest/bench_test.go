package storetest_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/sqlite"
	"github.com/drivewayhq/driveway/storetest"
)

// BenchmarkCredential runs the credential benchmarks on both engines side
// by side: BenchmarkCredential/{sqlite,postgres}/{get,get-parallel,cas}.
// Postgres is skipped without DRIVEWAY_TEST_POSTGRES_URL.
func BenchmarkCredential(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { storetest.BenchmarkCredential(b, openSQLite) })
	b.Run("postgres", func(b *testing.B) { storetest.BenchmarkCredential(b, openPostgres) })
}

func openSQLite(tb testing.TB, sealer driveway.Sealer) driveway.Store {
	s, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "bench.db"), sealer)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return s
}

func openPostgres(tb testing.TB, sealer driveway.Sealer) driveway.Store {
	url, _ := storetest.PostgresSchema(tb)
	s, err := postgres.Open(context.Background(), url, sealer)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return s
}
