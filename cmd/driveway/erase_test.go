package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/ids"
)

// TestEraseUserLeavesNoTrace: a user of driveway dev connects OneDrive
// (with a File Change watch: a Graph subscription at the emulator, and an
// item index), runs a workflow, and has events and webhook deliveries.
// The admin API's erasure deletes the subscription at the emulator, and
// afterwards no row of any table of the database names the user; erasing
// again is accepted and finds nothing.
func TestEraseUserLeavesNoTrace(t *testing.T) {
	t.Parallel()
	r, info, dir := startDev(t)
	user := "u-erase-" + ids.Random(6)
	d := newDevClient(t, r, info, dir, user)
	pid := info.ProjectID
	if s, body := d.admin("POST", "/api/v1/projects/"+pid+"/webhook-endpoints", `{"url":"http://127.0.0.1:9/hooks"}`); s != 201 {
		t.Fatalf("webhook endpoint: %d %s", s, body)
	}
	if s, body := d.user("POST", "/projects/"+pid+"/trigger-subscriptions", `{"pathPrefix":"/Documents"}`); s != 201 {
		t.Fatalf("trigger subscription: %d %s", s, body)
	}
	def := `{"name": "Hello", "trigger": {"type": "request"},
		"steps": [{"id": "reply", "type": "response", "input": {"body": {"user": "{{ user.id }}"}}}]}`
	if s, body := d.admin("PUT", "/api/v1/projects/"+pid+"/workflows/hello", def); s != 200 && s != 201 {
		t.Fatalf("save the workflow: %d %s", s, body)
	}
	credID := d.connect()
	waitActiveWatch(t, d, pid, credID)
	if s, body := d.user("POST", "/projects/"+pid+"/sdk/triggers/hello", `{}`); s != 200 || !strings.Contains(body, user) {
		t.Fatalf("run the workflow: %d %s", s, body)
	}
	waitSubscriptions(t, dir, func(n int) bool { return n > 0 }, "a subscription before the erasure")
	if s, body := d.admin("GET", "/api/v1/projects/"+pid+"/users/"+user, ""); s != 200 || !strings.Contains(body, credID) ||
		strings.Contains(strings.ToLower(body), "token\":") {
		t.Fatalf("inspect the user: %d %s", s, body)
	}
	before := tablesNaming(t, dir, user)
	if len(before) < 5 {
		t.Fatalf("only %v name the user before the erasure: the test would prove little", before)
	}

	t.Logf("tables naming the user before the erasure: %d", len(before))
	for round := 1; round <= 2; round++ {
		eraseAndWait(t, d, pid, user)
		if left := tablesNaming(t, dir, user); len(left) > 0 {
			t.Fatalf("after erasure %d, tables still name the user: %v (before: %v)", round, left, before)
		}
	}
	waitSubscriptions(t, dir, func(n int) bool { return n == 0 }, "no subscription after the erasure")
	if s, body := d.admin("GET", "/api/v1/projects/"+pid+"/users/"+user, ""); s != 404 {
		t.Fatalf("inspect the erased user: %d %s, want 404", s, body)
	}
}

func waitActiveWatch(t *testing.T, d *devClient, pid, credID string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, st := d.user("GET", "/projects/"+pid+"/trigger-subscriptions/status/"+credID, "")
		var w struct {
			Status      string
			LastDeltaAt *time.Time
		}
		if json.Unmarshal([]byte(st), &w) == nil && w.Status == "active" && w.LastDeltaAt != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the watch did not become active with a baseline: %s", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// eraseAndWait erases the user through the admin API and waits until the
// erasure is done.
func eraseAndWait(t *testing.T, d *devClient, pid, user string) {
	t.Helper()
	s, body := d.admin("DELETE", "/api/v1/projects/"+pid+"/users/"+user, "")
	var e struct{ ID, Status string }
	if s != 202 || json.Unmarshal([]byte(body), &e) != nil || e.ID == "" {
		t.Fatalf("erase: %d %s", s, body)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		s, body := d.admin("GET", "/api/v1/projects/"+pid+"/erasures/"+e.ID, "")
		if s == 200 && strings.Contains(body, `"done"`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("erasure %s not done within 60 s: %d %s\njobs:\n%s", e.ID, s, body, d.r.stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitSubscriptions waits until the emulator's saved state (dev's
// emulator.json, written shortly after each change) has a number of Graph
// subscriptions that ok accepts.
func waitSubscriptions(t *testing.T, dir string, ok func(int) bool, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var f struct {
			State struct {
				Subscriptions map[string]json.RawMessage `json:"subscriptions"`
			} `json:"state"`
		}
		b, err := os.ReadFile(filepath.Join(dir, "emulator.json"))
		if err == nil && json.Unmarshal(b, &f) == nil && ok(len(f.State.Subscriptions)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the emulator's state did not show %s: %d subscriptions (%v)", want, len(f.State.Subscriptions), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tablesNaming lists the tables of a dev data directory's database with a
// row whose text holds s, with the first such row.
func tablesNaming(t *testing.T, dir, s string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "driveway.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(t.Context(), `SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var out []string
	for _, table := range tables {
		if row := rowHolding(t, db, table, s); row != "" {
			out = append(out, fmt.Sprintf("%s (%.300s)", table, row))
		}
	}
	return out
}

func rowHolding(t *testing.T, db *sql.DB, table, s string) string {
	rows, err := db.QueryContext(t.Context(), `SELECT * FROM "`+table+`"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, v := range vals {
			if raw, ok := v.([]byte); ok {
				b.Write(raw)
			} else {
				fmt.Fprint(&b, v)
			}
			b.WriteByte('\t')
		}
		if strings.Contains(b.String(), s) {
			return b.String()
		}
	}
	return ""
}
