package audit_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/audit"
	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/sqlite"
)

// TestRedactHidesSecretsByNameAndShape: fields named like secrets and
// values shaped like credentials are replaced, nested at any depth; other
// values are kept.
func TestRedactHidesSecretsByNameAndShape(t *testing.T) {
	t.Parallel()
	in := map[string]any{
		"name": "kept", "clientSecret": "s3", "refresh_token": "rt", "Password": "pw",
		"nested": []any{map[string]any{"privateKey": "pk", "url": "https://x"}},
		"note":   "dwk_abc.def", "jwt": "eyJhbGciOi.x.y", "pem": "-----BEGIN PRIVATE KEY-----", "hook": "whsec_zz",
	}
	b, _ := json.Marshal(audit.Redact(in))
	out := string(b)
	for _, leaked := range []string{"s3", `"rt"`, `"pw"`, `"pk"`, "dwk_", "eyJ", "PRIVATE", "whsec_"} {
		if strings.Contains(out, leaked) {
			t.Errorf("redacted output holds %q: %s", leaked, out)
		}
	}
	for _, kept := range []string{`"name":"kept"`, `"url":"https://x"`} {
		if !strings.Contains(out, kept) {
			t.Errorf("redacted output lost %s: %s", kept, out)
		}
	}
}

func open(t *testing.T) (driveway.Store, *sql.DB) {
	t.Helper()
	spec, _ := secret.GenerateKey()
	ring, _ := secret.ParseKeyring(spec)
	path := filepath.Join(t.TempDir(), "d.db")
	s, err := sqlite.Open(context.Background(), path, ring)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return s, raw
}

// TestVerifyFindsEachKindOfTampering: a chain verifies; a row removed from
// the middle, a re-hashed edit (hash recomputed but the link to it not),
// and the oldest rows removed by retention are each told apart.
func TestVerifyFindsEachKindOfTampering(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, sql string
		ok        bool
		brokenAt  int64
		reason    string
	}{
		{"untouched", ``, true, 0, ""},
		{"retention removed the oldest", `DELETE FROM audit_log WHERE seq <= 2`, true, 0, ""},
		{"row removed from the middle", `DELETE FROM audit_log WHERE seq = 3`, false, 4, "missing"},
		{"row edited and re-hashed", `rehash`, false, 4, "link"},
		{"hash swapped", `DROP TRIGGER audit_log_no_update; UPDATE audit_log SET hash = x'00' WHERE seq = 2`, false, 2, "hash"},
		{"actor rewritten", `DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor_id = 'someone' WHERE seq = 4`, false, 4, "hash"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, raw := open(t)
			rec := &audit.Recorder{Store: s}
			ctx := audit.WithActor(context.Background(), audit.Actor{Type: "key", ID: "key_1"})
			for range 5 {
				if err := rec.Record(ctx, audit.Event{Action: "x", Before: map[string]any{"secret": "no"}}); err != nil {
					t.Fatal(err)
				}
			}
			if c.sql == "rehash" {
				rehash(t, s, raw, 3)
			} else if c.sql != "" {
				if _, err := raw.Exec(c.sql); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := audit.Verify(context.Background(), s)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK != c.ok || rep.BrokenAt != c.brokenAt || !strings.Contains(rep.Reason, c.reason) {
				t.Fatalf("report %+v, want ok=%v brokenAt=%d reason ~%q", rep, c.ok, c.brokenAt, c.reason)
			}
		})
	}
}

// rehash edits entry seq and stores a hash that matches the edit, as an
// attacker who knows the scheme would: only the next entry's link shows it.
func rehash(t *testing.T, s driveway.Store, raw *sql.DB, seq int64) {
	t.Helper()
	es, err := s.ListAudit(context.Background(), driveway.AuditFilter{After: seq - 1}, 1)
	if err != nil || len(es) != 1 {
		t.Fatalf("read entry %d: %v", seq, err)
	}
	e := es[0]
	e.Target = "innocent"
	if _, err := raw.Exec(`DROP TRIGGER audit_log_no_update`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE audit_log SET target = ?, hash = ? WHERE seq = ?`, e.Target, e.ChainHash(), seq); err != nil {
		t.Fatal(err)
	}
}
