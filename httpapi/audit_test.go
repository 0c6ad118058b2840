package httpapi_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/sqlite"
	"github.com/drivewayhq/driveway/storetest"
)

// engines open a migrated store and give raw SQL access to it, as an
// attacker with the database would have.
var engines = map[string]func(t *testing.T) (*bundle, func(q string) error){
	"sqlite": func(t *testing.T) (*bundle, func(string) error) {
		path := filepath.Join(t.TempDir(), "driveway.db")
		store, err := sqlite.Open(context.Background(), path, testRing(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		if err := store.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		raw, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		return setupOn(t, store), func(q string) error { _, err := raw.Exec(q); return err }
	},
	"postgres": func(t *testing.T) (*bundle, func(string) error) {
		url, _ := storetest.PostgresSchema(t)
		store, err := postgres.Open(context.Background(), url, testRing(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		if err := store.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return setupOn(t, store), func(q string) error {
			conn, err := pgx.Connect(context.Background(), url)
			if err != nil {
				return err
			}
			defer conn.Close(context.Background())
			_, err = conn.Exec(context.Background(), q)
			return err
		}
	},
}

// TestAuditExportVerifiesAndDetectsAnEditedRow: an admin change through the
// API is in the export with who, what, where and before/after; the chain
// verifies; a created key's secret is nowhere in it; the table refuses an
// UPDATE; and once a row is edited anyway (trigger dropped, as an attacker
// with the database could), verification names that row.
func TestAuditExportVerifiesAndDetectsAnEditedRow(t *testing.T) {
	t.Parallel()
	for name, open := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b, exec := open(t)
			a := "/api/v1/projects/" + b.projA.ID
			status, _ := b.call(b.instance, "PATCH", a, map[string]any{"name": "Renamed"})
			if status != http.StatusOK {
				t.Fatalf("PATCH: %d", status)
			}
			secret := b.mint(b.keyA, a+"/api-keys", map[string]any{"name": "ci", "role": "read"})
			lines := b.export(b.instance, "/api/v1/audit-log")
			upd := find(t, lines, "project.update")
			if upd["projectId"] != b.projA.ID || upd["actor"].(map[string]any)["type"] != "key" ||
				upd["address"] != "127.0.0.1" || !strings.HasPrefix(upd["requestId"].(string), "req_") {
				t.Fatalf("project.update entry lacks who/where: %v", upd)
			}
			if upd["before"].(map[string]any)["name"] != "A" || upd["after"].(map[string]any)["name"] != "Renamed" {
				t.Fatalf("project.update before/after: %v %v", upd["before"], upd["after"])
			}
			created := find(t, lines, "api_key.create")
			if created["after"].(map[string]any)["role"] != "read" {
				t.Fatalf("api_key.create after: %v", created["after"])
			}
			assertNoSecret(t, b.exportRaw(b.instance, "/api/v1/audit-log"), secret)
			if rep := b.verify(); rep["ok"] != true || rep["checked"].(float64) != float64(len(lines)) {
				t.Fatalf("untouched chain: %v", rep)
			}
			seq := int(upd["seq"].(float64))
			if err := exec(fmt.Sprintf(`UPDATE audit_log SET target = 'x' WHERE seq = %d`, seq)); err == nil {
				t.Fatal("UPDATE of audit_log succeeded; the table should refuse it")
			}
			if err := exec(`DROP TRIGGER audit_log_no_update` + map[string]string{"postgres": " ON audit_log"}[name]); err != nil {
				t.Fatal(err)
			}
			if err := exec(fmt.Sprintf(`UPDATE audit_log SET after_json = '{"name":"Innocent"}' WHERE seq = %d`, seq)); err != nil {
				t.Fatal(err)
			}
			if rep := b.verify(); rep["ok"] != false || rep["brokenAt"] != float64(seq) {
				t.Fatalf("chain after editing seq %d: %v, want broken at it", seq, rep)
			}
		})
	}
}

// TestProjectKeyExportsOnlyItsProject: a project key reads its project's
// entries and no other's, nor the instance export.
func TestProjectKeyExportsOnlyItsProject(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.call(b.keyA, "PATCH", "/api/v1/projects/"+b.projA.ID, map[string]any{"name": "A2"})
	b.call(b.keyB, "PATCH", "/api/v1/projects/"+b.projB.ID, map[string]any{"name": "B2"})
	lines := b.export(b.keyA, "/api/v1/projects/"+b.projA.ID+"/audit-log")
	if len(lines) != 1 || lines[0]["projectId"] != b.projA.ID {
		t.Fatalf("project A's export: %v", lines)
	}
	if status, _ := b.call(b.keyA, "GET", "/api/v1/audit-log", nil); status != http.StatusForbidden {
		t.Fatalf("project key on the instance export: %d", status)
	}
	if status, _ := b.call(b.keyA, "GET", "/api/v1/projects/"+b.projB.ID+"/audit-log", nil); status != http.StatusNotFound {
		t.Fatalf("project key on another project's export: %d", status)
	}
	first := b.export(b.instance, "/api/v1/audit-log?limit=1")
	rest := b.export(b.instance, fmt.Sprintf("/api/v1/audit-log?after=%v", first[0]["seq"]))
	if len(first) != 1 || len(rest) != 1 || rest[0]["projectId"] != b.projB.ID {
		t.Fatalf("cursor paging: %v then %v", first, rest)
	}
}

func (b *bundle) exportRaw(key, path string) string {
	b.t.Helper()
	status, out := b.call(key, "GET", path, nil)
	if status != http.StatusOK {
		b.t.Fatalf("GET %s: %d %v", path, status, out["_raw"])
	}
	return out["_raw"].(string)
}

func (b *bundle) export(key, path string) []map[string]any {
	b.t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(b.exportRaw(key, path)))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			b.t.Fatalf("export line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func (b *bundle) verify() map[string]any {
	b.t.Helper()
	status, rep := b.call(b.instance, "GET", "/api/v1/audit-log/verify", nil)
	if status != http.StatusOK {
		b.t.Fatalf("verify: %d %v", status, rep["_raw"])
	}
	return rep
}

func find(t *testing.T, lines []map[string]any, action string) map[string]any {
	t.Helper()
	for _, l := range lines {
		if l["action"] == action {
			return l
		}
	}
	t.Fatalf("no %s entry in %v", action, lines)
	return nil
}

// assertNoSecret fails if any part of a dwk_ secret appears in text, in
// plain, base64 or hex.
func assertNoSecret(t *testing.T, text, secret string) {
	t.Helper()
	_, part, _ := strings.Cut(secret, ".")
	for _, s := range []string{secret, part, base64.StdEncoding.EncodeToString([]byte(part)),
		base64.RawURLEncoding.EncodeToString([]byte(part)), hex.EncodeToString([]byte(part))} {
		if strings.Contains(text, s) {
			t.Fatalf("the audit export holds the key's secret (%q)", s)
		}
	}
}

// TestAuditRecordsSettingsWithoutTheirSecrets: saving the OneDrive
// settings twice records before and after, and the client secret is in
// neither, in any encoding. (Its last four characters are, in the expiry
// warning, as the API and the dashboard show them.)
func TestAuditRecordsSettingsWithoutTheirSecrets(t *testing.T) {
	t.Parallel()
	b := setup(t)
	path := "/api/v1/projects/" + b.projA.ID + "/integrations/onedrive"
	const canary = "CANARY-audit-secret-7q2w"
	in := map[string]any{"clientId": "11111111-2222-3333-4444-555555555555", "tenant": "organizations",
		"clientSecrets": []any{map[string]any{"value": canary, "expiresAt": time.Now().Add(240 * time.Hour)}}}
	for _, clientID := range []string{"11111111-2222-3333-4444-555555555555", "66666666-2222-3333-4444-555555555555"} {
		in["clientId"] = clientID
		if status, out := b.call(b.keyA, "PUT", path, in); status != http.StatusOK {
			t.Fatalf("PUT: %d %v", status, out["_raw"])
		}
	}
	raw := b.exportRaw(b.instance, "/api/v1/audit-log?action=integration.")
	lines := b.export(b.instance, "/api/v1/audit-log?action=integration.")
	if len(lines) != 2 || lines[0]["before"].(map[string]any)["configured"] != false ||
		lines[1]["before"].(map[string]any)["clientId"] != "11111111-2222-3333-4444-555555555555" ||
		lines[1]["after"].(map[string]any)["clientId"] != "66666666-2222-3333-4444-555555555555" {
		t.Fatalf("integration entries: %s", raw)
	}
	for _, enc := range []string{canary, base64.StdEncoding.EncodeToString([]byte(canary)), hex.EncodeToString([]byte(canary))} {
		if strings.Contains(raw, enc) {
			t.Fatalf("the audit export holds the client secret (%q): %s", enc, raw)
		}
	}
}
