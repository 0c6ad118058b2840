package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// A database that restarts or cannot be reached is "unavailable" (503, try
// again), not an internal error (500); a refused statement is not.
func TestMapErrUnavailable(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{&pgconn.PgError{Code: "57P01"}, driveway.EUNAVAILABLE}, // admin_shutdown: a restart
		{&pgconn.PgError{Code: "57P03"}, driveway.EUNAVAILABLE}, // cannot_connect_now: starting up
		{&pgconn.PgError{Code: "08006"}, driveway.EUNAVAILABLE}, // connection_failure
		{&pgconn.PgError{Code: "23505"}, driveway.ECONFLICT},
		{&pgconn.PgError{Code: "42601"}, driveway.EINTERNAL}, // a syntax error is ours
		{fmt.Errorf("read: %w", context.Canceled), driveway.EINTERNAL},
		{errors.New("something else"), driveway.EINTERNAL},
	}
	for _, c := range cases {
		if got := driveway.ErrorCode(mapErr(c.err, "thing")); got != c.want {
			t.Errorf("mapErr(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

// A refused connection (nothing listens on loopback port 1) is unavailable.
func TestMapErrRefusedConnection(t *testing.T) {
	_, err := pgx.Connect(t.Context(), "postgres://driveway@127.0.0.1:1/none?connect_timeout=5")
	if err == nil {
		t.Fatal("connected to port 1")
	}
	if got := driveway.ErrorCode(mapErr(err, "project")); got != driveway.EUNAVAILABLE {
		t.Fatalf("mapErr(%v) = %q, want %q", err, got, driveway.EUNAVAILABLE)
	}
}

// A connection the server ends, as a restart does to every backend, makes
// the next statement on it unavailable.
func TestMapErrTerminatedConnection(t *testing.T) {
	base := os.Getenv("DRIVEWAY_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("DRIVEWAY_TEST_POSTGRES_URL is not set: skipping the Postgres tests")
	}
	ctx := t.Context()
	victim, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close(context.Background())
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	pid := victim.PgConn().PID()
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	// pg_terminate_backend only signals: wait until the backend is gone.
	for gone := false; !gone; {
		var n int
		if err := admin.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		gone = n == 0
		time.Sleep(10 * time.Millisecond)
	}
	var one int
	err = victim.QueryRow(ctx, "SELECT 1").Scan(&one)
	if err == nil {
		t.Fatal("a terminated connection answered")
	}
	if got := driveway.ErrorCode(mapErr(err, "project")); got != driveway.EUNAVAILABLE {
		t.Fatalf("mapErr(%v) = %q, want %q", err, got, driveway.EUNAVAILABLE)
	}
}
