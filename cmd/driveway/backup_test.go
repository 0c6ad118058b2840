package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestBackupOfALiveServerRestoresIntoANewServer connects a user on a
// running `driveway dev`, backs its SQLite database up with `driveway
// backup` while webhook endpoints are being created through the API, then
// starts `driveway serve` on the copy: it is ready, holds every endpoint
// created before the backup began, opens the connected user's sealed
// tokens to proxy a Graph call, and takes new writes.
func TestBackupOfALiveServerRestoresIntoANewServer(t *testing.T) {
	t.Parallel()
	r, info, dir := startDev(t)
	d := newDevClient(t, r, info, dir, "backup-user")
	d.connect()
	endpoints := "/api/v1/projects/" + info.ProjectID + "/webhook-endpoints"
	var created atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; !stop.Load(); i++ {
			body := fmt.Sprintf(`{"url":"http://127.0.0.1:9/hook-%d"}`, i)
			if s, b := d.admin("POST", endpoints, body); s != 201 {
				t.Errorf("create endpoint during the backup: %d %s", s, b)
				return
			}
			created.Add(1)
		}
	})
	for created.Load() < 3 && !t.Failed() {
		time.Sleep(10 * time.Millisecond)
	}
	before := created.Load()
	dst := filepath.Join(t.TempDir(), "copy.db")
	code, out, errs := run(t, nil, "backup", "--data-dir", dir, "--to", dst)
	stop.Store(true)
	wg.Wait()
	if code != 0 || !strings.Contains(out, dst) {
		t.Fatalf("backup: exit %d: %s %s", code, out, errs)
	}
	keys, err := os.ReadFile(filepath.Join(dir, "secret.keys"))
	if err != nil {
		t.Fatal(err)
	}
	emu := r.base + "/_ms"
	restored := start(t, map[string]string{"DRIVEWAY_DATABASE_URL": "sqlite:" + dst, "DRIVEWAY_SECRET_KEYS": string(keys),
		"DRIVEWAY_DATA_DIR": t.TempDir(), "DRIVEWAY_MICROSOFT_LOGIN_URL": emu, "DRIVEWAY_MICROSOFT_GRAPH_URL": emu,
		"DRIVEWAY_MICROSOFT_DOWNLOAD_HOSTS": strings.TrimPrefix(r.base, "http://")}, "serve", "--addr", "127.0.0.1:0")
	if status, _ := get(t, restored.base+"/readyz"); status != 200 {
		t.Fatalf("the restored server is not ready: %d", status)
	}
	d2 := &devClient{t: t, r: restored, info: info, tok: d.tok, client: d.client}
	s, body := d2.admin("GET", endpoints, "")
	var list struct{ Data []json.RawMessage }
	json.Unmarshal([]byte(body), &list)
	if s != 200 || int64(len(list.Data)) < before || int64(len(list.Data)) > created.Load() {
		t.Fatalf("endpoints in the copy: %d (status %d), want between %d and %d: %.300s", len(list.Data), s, before, created.Load(), body)
	}
	if s, body = d2.user("GET", "/projects/"+info.ProjectID+"/sdk/proxy/onedrive/me/drive/root/children", ""); s != 200 || !strings.Contains(body, "Welcome.txt") {
		t.Fatalf("proxy through the restored server: %d %.300s", s, body)
	}
	if s, body = d2.admin("POST", endpoints, `{"url":"https://hooks.example.com/after-restore"}`); s != 201 {
		t.Fatalf("write to the restored server: %d %s", s, body)
	}
}

// TestBackupCommandErrors names what is wrong and writes nothing.
func TestBackupCommandErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if code, _, errs := run(t, nil, "backup", "--data-dir", dir); code != 2 || !strings.Contains(errs, "--to") {
		t.Fatalf("backup without --to: %d %q", code, errs)
	}
	code, _, errs := run(t, map[string]string{"DRIVEWAY_DATABASE_URL": "postgres://u@127.0.0.1:1/db"}, "backup", "--to", filepath.Join(dir, "x"))
	if code != 1 || !strings.Contains(errs, "pg_dump") {
		t.Fatalf("backup of Postgres: %d %q", code, errs)
	}
	if code, _, errs = run(t, nil, "backup", "--data-dir", dir, "--to", filepath.Join(dir, "y")); code != 1 || !strings.Contains(errs, "source database") {
		t.Fatalf("backup of a missing database: %d %q", code, errs)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a failed backup left files: %v", entries)
	}
}
