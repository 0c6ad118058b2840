package postgres_test

import (
	"context"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/storetest"
)

// dumpStore lets the canary test read pg_dump's output of its schema.
type dumpStore struct {
	*postgres.Store
	schema string
}

func (d dumpStore) DumpRaw(t *testing.T) []byte { return storetest.PgDump(t, d.schema) }

func open(t testing.TB, sealer driveway.Sealer) dumpStore {
	url, schema := storetest.PostgresSchema(t)
	s, err := postgres.Open(context.Background(), url, sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dumpStore{s, schema}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.SkipWithoutPostgres(t)
	storetest.Run(t, func(t *testing.T, sealer driveway.Sealer) driveway.Store { return open(t, sealer) })
}
