package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/sqlite"
)

// TestBackupWhileWriting takes backups while a writer commits transactions
// that each add a project and its user. Every backup must open as a
// migrated store holding whole transactions only (as many users as
// projects), with sealed secrets that still open; the writer must never
// fail because of a backup.
func TestBackupWhileWriting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	ring := testRing(t)
	src := filepath.Join(dir, "live.db")
	s, err := sqlite.Open(ctx, src, ring)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	putSecret(t, s)
	var (
		wg       sync.WaitGroup
		stop     atomic.Bool
		written  atomic.Int64
		writeErr error
	)
	wg.Go(func() {
		for i := 0; !stop.Load(); i++ {
			if writeErr = writePair(ctx, s, i); writeErr != nil {
				return
			}
			written.Add(1)
		}
	})
	var backups []string
	for i := range 3 {
		waitWritten(t, &written, int64(20*(i+1)))
		dst := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		if err := sqlite.Backup(ctx, src, dst); err != nil {
			stop.Store(true)
			wg.Wait()
			t.Fatalf("backup %d: %v", i, err)
		}
		backups = append(backups, dst)
	}
	stop.Store(true)
	wg.Wait()
	if writeErr != nil {
		t.Fatalf("a write failed during the backups: %v", writeErr)
	}
	for _, b := range backups {
		checkBackup(t, b, ring)
	}
}

func writePair(ctx context.Context, s *sqlite.Store, i int) error {
	return s.WithTx(ctx, func(tx driveway.Tx) error {
		now := time.Now().UTC()
		id := fmt.Sprintf("prj_w%06d", i)
		if err := tx.CreateProject(ctx, &driveway.Project{ID: id, Name: id, CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		return tx.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: id, ID: "u", CreatedAt: now, UpdatedAt: now})
	})
}

func waitWritten(t *testing.T, n *atomic.Int64, want int64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for n.Load() < want {
		if time.Now().After(deadline) {
			t.Fatalf("only %d writes within a minute", n.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// putSecret saves OneDrive settings with a client secret in project
// prj_secret, for the backup to carry sealed.
func putSecret(t *testing.T, s *sqlite.Store) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	if err := s.CreateProject(ctx, &driveway.Project{ID: "prj_secret", Name: "s", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	in := &driveway.Integration{ProjectID: "prj_secret", ClientID: "c", Tenant: driveway.TenantCommon, Cloud: driveway.CloudGlobal,
		ClientSecrets: []driveway.ClientSecret{{ID: "sec_1", Value: "backup-canary-secret", Hint: "cret", ExpiresAt: now.Add(time.Hour), CreatedAt: now}},
		UpdatedAt:     now}
	if err := s.PutIntegration(ctx, in); err != nil {
		t.Fatal(err)
	}
}

func checkBackup(t *testing.T, path string, sealer driveway.Sealer) {
	t.Helper()
	ctx := context.Background()
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup %s: %v, mode %v (want 0600)", path, err, fi.Mode())
	}
	b, err := sqlite.Open(ctx, path, sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Ping(ctx); err != nil {
		t.Fatalf("backup %s is not a migrated database: %v", path, err)
	}
	in, err := b.GetIntegration(ctx, "prj_secret")
	if err != nil || len(in.ClientSecrets) != 1 || in.ClientSecrets[0].Value != "backup-canary-secret" {
		t.Fatalf("backup %s: client secret did not survive: %v", path, err)
	}
	projects, err := b.ListProjects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	users := 0
	for _, p := range projects {
		if p.ID == "prj_secret" {
			continue
		}
		if _, err := b.GetConnectedUser(ctx, p.ID, "u"); err != nil {
			t.Fatalf("backup %s has project %s without its user (a torn transaction): %v", path, p.ID, err)
		}
		users++
	}
	if users < 20 {
		t.Fatalf("backup %s holds %d write transactions, want at least 20", path, users)
	}
}

// TestBackupRefusesToOverwrite keeps an existing file and creates nothing
// from a missing source.
func TestBackupRefusesToOverwrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "live.db")
	s, err := sqlite.Open(ctx, src, testRing(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "existing.db")
	os.WriteFile(dst, []byte("keep me"), 0o600)
	if err := sqlite.Backup(ctx, src, dst); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("backup over an existing file: %v", err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "keep me" {
		t.Fatalf("the existing file was changed: %q", b)
	}
	missing := filepath.Join(dir, "missing.db")
	if err := sqlite.Backup(ctx, missing, filepath.Join(dir, "out.db")); err == nil {
		t.Fatal("backup of a missing database succeeded")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "missing") || strings.HasPrefix(e.Name(), "out") || strings.Contains(e.Name(), "partial") {
			t.Fatalf("a failed backup left %s behind", e.Name())
		}
	}
}
