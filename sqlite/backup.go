package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the database file at src to dst while
// other processes (a running server) keep reading and writing it. It runs
// VACUUM INTO, which reads one snapshot: in WAL mode that never blocks the
// writer, and the copy holds every transaction committed before it started
// and none after. The copy is written under a
// temporary name next to dst, checked with PRAGMA quick_check, made
// readable by its owner only (it holds sealed secrets), and renamed into
// place: dst either appears complete or not at all. Backup refuses to
// overwrite dst, and fails without creating anything when src does not
// exist.
func Backup(ctx context.Context, src, dst string) error {
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("backup: source database: %w", err)
	}
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file name", dst)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	tmp, err := tempName(dst)
	if err != nil {
		return err
	}
	if err := vacuumInto(ctx, src, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := finish(ctx, tmp, dst); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// tempName reserves an unused name in dst's directory, then frees it:
// VACUUM INTO wants to create the file itself.
func tempName(dst string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".partial-*")
	if err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	name := f.Name()
	f.Close()
	return name, os.Remove(name)
}

func vacuumInto(ctx context.Context, src, tmp string) error {
	// Not openDB: the source keeps its journal mode and pragmas untouched.
	db, err := sql.Open("sqlite", "file:"+uriPath.Replace(src)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return fmt.Errorf("backup: VACUUM INTO: %w", err)
	}
	return nil
}

// finish checks the copy, restricts it to its owner, syncs it and moves it
// to dst.
func finish(ctx context.Context, tmp, dst string) error {
	if err := quickCheck(ctx, tmp); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f, err := os.Open(tmp)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	err = f.Sync()
	f.Close()
	if err != nil {
		return fmt.Errorf("backup: sync: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

func quickCheck(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+uriPath.Replace(path)+"?mode=ro")
	if err != nil {
		return fmt.Errorf("backup: check: %w", err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&res); err != nil {
		return fmt.Errorf("backup: check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("backup: the copy failed its check: %s", res)
	}
	return nil
}
