package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/audit"
	"github.com/drivewayhq/driveway/httpapi"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/storetest"
)

// BenchmarkAdminChange measures what the audit trail adds to an admin
// change: the same PATCH of a project's name through the real handler on
// loopback, without and with the recorder, side by side on each engine
// (Postgres skipped without DRIVEWAY_TEST_POSTGRES_URL).
func BenchmarkAdminChange(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		for _, audited := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/audited=%v", engine, audited), func(b *testing.B) {
				bb := setupOn(b, openEngine(b, engine))
				api := &httpapi.Server{Admin: bb.svc}
				if audited {
					api.Audit = &audit.Recorder{Store: bb.store}
				}
				srv := httptest.NewServer(api.Handler())
				defer srv.Close()
				patchLoop(b, srv, "/api/v1/projects/"+bb.projA.ID, bb.instance)
			})
		}
	}
}

func patchLoop(b *testing.B, srv *httptest.Server, path, key string) {
	b.ResetTimer()
	for i := range b.N {
		req, _ := http.NewRequest("PATCH", srv.URL+path, strings.NewReader(fmt.Sprintf(`{"name":"n%d"}`, i)))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("PATCH: %d", resp.StatusCode)
		}
	}
}

func openEngine(b *testing.B, engine string) driveway.Store {
	if engine == "sqlite" {
		return openSQLite(b)
	}
	url, _ := storetest.PostgresSchema(b)
	s, err := postgres.Open(context.Background(), url, testRing(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return s
}
