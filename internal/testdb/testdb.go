// Package testdb gives tests a sealing keyring and a migrated SQLite store
// in a temporary directory: what nearly every package's tests start from.
package testdb

import (
	"path/filepath"
	"testing"

	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/sqlite"
)

// Keyring returns a keyring with one fresh key.
func Keyring(t testing.TB) *secret.Keyring {
	t.Helper()
	spec, err := secret.GenerateKey()
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	ring, err := secret.ParseKeyring(spec)
	if err != nil {
		t.Fatalf("parse keyring: %v", err)
	}
	return ring
}

// SQLite opens a migrated SQLite store sealed with a fresh Keyring, in a
// temporary directory; it is closed when the test ends.
func SQLite(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "driveway.db"), Keyring(t))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}
