package jobs

import (
	"net/url"
	"os"
	"testing"

	"github.com/drivewayhq/driveway/postgres"
)

// postgresStoreEnv opens the Postgres store in a fresh schema (through
// search_path, as an operator would) with the queue on its pool.
func postgresStoreEnv(t *testing.T, cfg Config) *storeEnv {
	t.Helper()
	schema := freshSchema(t, postgresPool(t))
	u, err := url.Parse(os.Getenv(postgresURLVar))
	if err != nil {
		t.Fatalf("parse %s: %v", postgresURLVar, err)
	}
	query := u.Query()
	query.Set("search_path", schema)
	u.RawQuery = query.Encode()
	s, err := postgres.Open(t.Context(), u.String(), testSealer(t))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate store: %v", err)
	}
	q, err := NewPostgres(s.Pool(), cfg)
	if err != nil {
		t.Fatalf("NewPostgres: %v", err)
	}
	if err := q.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	pool := s.Pool()
	return &storeEnv{store: s, queue: q, state: func(t *testing.T, id int64) string {
		return queryState(t, pool.QueryRow(t.Context(), "SELECT state FROM river_job WHERE id = $1", id))
	}}
}
