package workflow

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/sqlite"
)

// TestDownloadLeavesNoFileBytesAtRest: a workflow downloads a file, saves
// a copy from the downloaded content (so the content passes between
// steps), and answers. Afterwards no table of the database holds the
// file's bytes in any form looked for (raw, base64, hex, a 40-character
// run of its base64), and the history keeps the file's metadata and a
// reference instead.
func TestDownloadLeavesNoFileBytesAtRest(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		actions, emu := newEmulatorActions(t)
		n := startNodeWith(t, db, newSteps(), actions)
		project(t, db.store, "prj_1", "u1")
		secretFile := make([]byte, 3000)
		_, _ = rand.Read(secretFile)
		if _, err := emu.WriteFile("adele@contoso.onmicrosoft.com", "/secret.bin", secretFile); err != nil {
			t.Fatal(err)
		}
		save(t, n.engine, "prj_1", `{"id": "copy", "name": "Copy", "trigger": {"type": "request"}, "steps": [
			{"id": "dl", "type": "onedrive_action", "input": {"action": "onedrive.downloadFile", "input": {"path": "/secret.bin"}}},
			{"id": "put", "type": "onedrive_action", "input": {"action": "onedrive.saveFile",
				"input": {"path": "/copy.bin", "contentBase64": "{{ steps.dl.output.contentBase64 }}"}}},
			{"id": "reply", "type": "response", "input": {"body": {"size": "{{ steps.put.output.size }}",
				"echo": "{{ steps.dl.output.contentBase64 }}"}}}]}`)
		srv := server(t, n.engine)
		status, got := call(t, "POST", srv.URL+"/projects/prj_1/sdk/triggers/copy", "u1", map[string]any{})
		if status != 200 || got["size"] != 3000.0 {
			t.Fatalf("trigger: %d %v", status, got)
		}
		copied, err := emu.ReadFile("adele@contoso.onmicrosoft.com", "/copy.bin")
		if err != nil || !bytes.Equal(copied, secretFile) {
			t.Fatalf("the copy (from the content passed between steps) differs: %v", err)
		}
		page, err := n.engine.ListRuns(t.Context(), "prj_1", RunQuery{})
		if err != nil || len(page.Runs) != 1 {
			t.Fatalf("runs: %v %v", page, err)
		}
		run := waitRun(t, n.engine, "prj_1", page.Runs[0].ID, 30*time.Second)
		detail, err := n.engine.RunDetail(t.Context(), "prj_1", run.ID)
		if err != nil {
			t.Fatal(err)
		}
		dl := string(detail.Steps[0].Output)
		if !strings.Contains(dl, `"name":"secret.bin"`) || !strings.Contains(dl, "[file content of step dl, contentBase64: 3000 bytes") {
			t.Fatalf("the download's recorded output keeps no metadata or reference: %s", dl)
		}
		// A step that fails with the content in its error leaves it nowhere
		// either (the error is recorded in the step run and the queue's job).
		save(t, n.engine, "prj_1", `{"id": "fail", "name": "Fail", "trigger": {"type": "request"}, "steps": [
			{"id": "dl", "type": "onedrive_action", "input": {"action": "onedrive.downloadFile", "input": {"path": "/secret.bin"}}},
			{"id": "bad", "type": "onedrive_action", "input": {"action": "onedrive.failQuoting", "input": {"value": "{{ steps.dl.output.contentBase64 }}"}}}]}`)
		call(t, "POST", srv.URL+"/projects/prj_1/sdk/triggers/fail", "u1", map[string]any{})
		failed, err := n.engine.ListRuns(t.Context(), "prj_1", RunQuery{WorkflowID: "fail"})
		if err != nil || len(failed.Runs) != 1 {
			t.Fatalf("runs of the failing workflow: %v %v", failed, err)
		}
		if r := waitRun(t, n.engine, "prj_1", failed.Runs[0].ID, 30*time.Second); r.Status != driveway.RunFailed {
			t.Fatalf("the failing workflow's run: %s", r.Status)
		}
		forms := contentForms(secretFile)
		for table, row := range scanTables(t, db) {
			for name, form := range forms {
				if strings.Contains(row, form) {
					t.Errorf("table %s holds the file's bytes (%s)", table, name)
				}
			}
		}
	})
}

// contentForms are the encodings of b looked for at rest.
func contentForms(b []byte) map[string]string {
	b64 := base64.StdEncoding.EncodeToString(b)
	return map[string]string{"raw": string(b[:64]), "base64": b64, "base64 run": b64[1000:1040],
		"base64url run": base64.RawURLEncoding.EncodeToString(b)[1000:1040], "hex run": hex.EncodeToString(b)[2000:2080]}
}

// scanTables returns every table of the database as text: one string of
// all its rows' values, by table name.
func scanTables(t *testing.T, db *testDB) map[string]string {
	t.Helper()
	ctx := t.Context()
	out := map[string]string{}
	switch s := db.store.(type) {
	case *sqlite.Store:
		names := sqlQueryStrings(t, s.WriterDB(), `SELECT name FROM sqlite_master WHERE type = 'table'`)
		for _, name := range names {
			out[name] = sqlTableText(t, s.WriterDB(), name)
		}
	case *postgres.Store:
		rows, err := s.Pool().Query(ctx, `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for rows.Next() {
			var n string
			_ = rows.Scan(&n)
			names = append(names, n)
		}
		rows.Close()
		for _, name := range names {
			out[name] = pgTableText(t, s, name)
		}
	default:
		t.Fatalf("no table scan for %T", db.store)
	}
	if len(out) < 10 {
		t.Fatalf("scanned only %d tables: %v", len(out), out)
	}
	return out
}

func sqlQueryStrings(t *testing.T, db *sql.DB, q string) []string {
	rows, err := db.QueryContext(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func sqlTableText(t *testing.T, db *sql.DB, table string) string {
	rows, err := db.QueryContext(t.Context(), `SELECT * FROM "`+table+`"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var sb strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		writeValues(&sb, vals)
	}
	return sb.String()
}

func pgTableText(t *testing.T, s *postgres.Store, table string) string {
	rows, err := s.Pool().Query(context.WithoutCancel(t.Context()), `SELECT * FROM "`+table+`"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var sb strings.Builder
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		writeValues(&sb, vals)
	}
	return sb.String()
}

// writeValues writes a row's values as text ([]byte as its bytes).
func writeValues(sb *strings.Builder, vals []any) {
	for _, v := range vals {
		if b, ok := v.([]byte); ok {
			sb.Write(b)
		} else {
			fmt.Fprint(sb, v)
		}
		sb.WriteByte('\t')
	}
	sb.WriteByte('\n')
}
