package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/sqlite"
	"github.com/drivewayhq/driveway/storetest"
)

// dumpStore lets the canary test read the database and WAL files.
type dumpStore struct {
	*sqlite.Store
	path string
}

func (d dumpStore) DumpRaw(t *testing.T) []byte {
	var all []byte
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(d.path + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatalf("read %s: %v", d.path+suffix, err)
		}
		all = append(all, b...)
	}
	return all
}

func open(t testing.TB, sealer driveway.Sealer) dumpStore {
	path := filepath.Join(t.TempDir(), "driveway.db")
	s, err := sqlite.Open(context.Background(), path, sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dumpStore{s, path}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, sealer driveway.Sealer) driveway.Store { return open(t, sealer) })
}
