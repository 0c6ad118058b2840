package workflow

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/sqlite"
	"github.com/drivewayhq/driveway/workflow/redact"
)

// reflectActions is the OneDrive side of the leak test, an edge of the
// engine: an action runner that gives back everything it was sent, in
// its output and its errors, as a careless service would: the input as
// JSON and base64, inside a Graph URL with the path and a query encoded.
type reflectActions struct{}

func (reflectActions) Run(ctx context.Context, p *driveway.Principal, credentialID, action string, in map[string]any) (any, error) {
	body, _ := json.Marshal(in)
	target := "https://graph.invalid/v1.0/me/drive/root:/" + url.PathEscape(str(in["path"])) +
		":/content?select=" + url.QueryEscape(text(in["content"]))
	switch action {
	case "fail":
		return nil, driveway.Errorf(driveway.EINVALID, "Graph refused %s: %s", target, body)
	case "crash":
		return nil, fmt.Errorf("GET %q: unexpected answer %s", target, base64.StdEncoding.EncodeToString(body))
	}
	return map[string]any{"url": target, "input": in, "sent": base64.URLEncoding.EncodeToString(body),
		"action": action}, nil
}

// leakWorkflows use the secrets A, B and C through every step type, on
// their success and failure paths; each ends with a Response step that
// sends back every step's output. api is the echo API, closed a loopback
// URL that refuses connections.
func leakWorkflows(api, closed string) map[string]string {
	reply := `{"id": "reply", "type": "response", "input": {"body": "{{ steps }}",
		"headers": {"X-Echo": "{{ secrets.A }}"}}}`
	wf := func(steps string) string {
		return `{"name": "Leak", "trigger": {"type": "request"}, "steps": [` + steps + `, ` + reply + `]}`
	}
	return map[string]string{
		"http-ok": wf(`{"id": "get", "type": "http_request", "input": {"url": "` + api + `/ok", "query": {"k": "{{ secrets.A }}"},
			"headers": {"X-K": "{{ secrets.B }}"}, "auth": {"username": "user", "password": "{{ secrets.C }}"}}},
			{"id": "post", "type": "http_request", "input": {"method": "POST", "url": "` + api + `/ok",
			"json": {"a": "{{ secrets.A }}", "n": {"b": ["{{ secrets.B }}"]}}, "auth": {"bearer": "{{ secrets.C }}"}}},
			{"id": "form", "type": "http_request", "input": {"method": "PUT", "url": "` + api + `/ok",
			"form": {"c": "{{ secrets.C }} and {{ secrets.A }}"}, "idempotent": true}},
			{"id": "raw", "type": "http_request", "input": {"method": "POST", "url": "` + api + `/ok",
			"body": "{{ secrets.A }}{{ secrets.B }}", "headers": {"Content-Type": "text/plain"}}}`),
		"http-recall": wf(`{"id": "keep", "type": "http_request", "input": {"method": "POST", "url": "` + api + `/keep",
			"body": "{{ secrets.A }} {{ secrets.B }}"}},
			{"id": "recall", "type": "http_request", "input": {"url": "` + api + `/recall"}}`),
		"http-status": wf(`{"id": "get", "type": "http_request", "retry": {"attempts": 2, "backoff": ["10ms"]},
			"input": {"url": "` + api + `/fail", "query": {"api_key": "{{ secrets.A }}"}, "headers": {"X-K": "{{ secrets.B }}"}}}`),
		"http-text": wf(`{"id": "get", "type": "http_request", "continueOnError": true, "input": {"url": "` + api + `/deny",
			"query": {"k": "{{ secrets.A }}"}, "auth": {"username": "{{ secrets.B }}", "password": "{{ secrets.C }}"}}}`),
		"http-down": wf(`{"id": "get", "type": "http_request", "continueOnError": true, "input": {"url": "` + closed + `/x",
			"query": {"k": "{{ secrets.A }}", "j": "{{ secrets.B }}"}}}`),
		"template": wf(`{"id": "bad", "type": "echo", "continueOnError": true, "input": {"n": "{{ int(secrets.A) }}"}},
			{"id": "bad2", "type": "echo", "continueOnError": true, "input": {"n": "{{ let s = secrets.B; s.x }}"}},
			{"id": "bad3", "type": "echo", "continueOnError": true, "input": {"n": "{{ float(secrets.C) }}"}}`),
		"actions": wf(`{"id": "act", "type": "onedrive_action", "input": {"action": "onedrive.saveFile",
			"input": {"path": "/docs/{{ secrets.A }}", "content": "{{ secrets.B }}"}}},
			{"id": "req", "type": "onedrive_request", "input": {"method": "GET", "path": "/x/{{ secrets.C }}",
			"content": "{{ secrets.A }}", "query": {"q": "{{ secrets.B }}"}}},
			{"id": "fail", "type": "onedrive_action", "continueOnError": true, "input": {"action": "fail",
			"input": {"path": "{{ secrets.C }}", "content": "{{ secrets.A }}"}}},
			{"id": "crash", "type": "onedrive_action", "continueOnError": true, "input": {"action": "crash",
			"input": {"path": "{{ secrets.B }}", "content": ["{{ secrets.C }}"]}}}`),
		"action-fails-run": wf(`{"id": "fail", "type": "onedrive_action", "input": {"action": "fail",
			"input": {"path": "{{ secrets.A }}", "content": "{{ secrets.B }}"}}}`),
		"control": wf(`{"id": "if", "type": "conditional", "input": {"condition": "{{ secrets.A != '' }}"},
			"then": [{"id": "wait", "type": "delay", "input": {"duration": "1ms"}},
				{"id": "t", "type": "echo", "input": {"v": "{{ secrets.A }}|{{ secrets.B }}"}}],
			"else": [{"id": "e", "type": "echo", "input": {"v": "{{ secrets.C }}"}}]},
			{"id": "each", "type": "fan_out", "continueOnError": true,
			"input": {"items": "{{ [secrets.A, secrets.B, secrets.C] }}"}, "steps": [
				{"id": "one", "type": "echo", "input": {"item": "{{ item }}", "c": "{{ secrets.C }}"}},
				{"id": "boom", "type": "echo", "input": {"n": "{{ index == 1 ? int(item) : item }}"}}]},
			{"id": "after", "type": "delay", "input": {"duration": "1ms"}}`),
		"panic": wf(`{"id": "each", "type": "fan_out", "continueOnError": true, "input": {"items": [1, 2]}, "steps": [
				{"id": "p", "type": "panics", "input": {"k": "{{ secrets.A }}", "i": "{{ item }}"}}]},
			{"id": "top", "type": "panics", "input": {"k": "{{ secrets.B }}"}}`),
		"response-fails": `{"name": "Leak", "trigger": {"type": "request"}, "steps": [
			{"id": "reply", "type": "response", "input": {"body": {"n": "{{ int(secrets.A + secrets.B) }}"}}}]}`,
	}
}

// leakStatus is the status of each leak workflow's answer: 502 when the
// run fails.
var leakStatus = map[string]int{"http-ok": 200, "http-recall": 200, "http-status": 502, "http-text": 200, "http-down": 200, "template": 200,
	"actions": 200, "action-fails-run": 502, "control": 200, "response-fails": 502, "panic": 502}

// randomSecret draws a secret of redact.MinLen to 40 bytes from the whole
// printable range: printable ASCII, and now and then a printable rune
// beyond it.
func randomSecret(rng *rand.Rand) string {
	n := redact.MinLen + rng.IntN(40-redact.MinLen)
	var b strings.Builder
	for b.Len() < n {
		if rng.IntN(6) == 0 {
			if r := rune(0xa1 + rng.IntN(0x2000)); unicode.IsPrint(r) {
				b.WriteRune(r)
			}
			continue
		}
		b.WriteByte(byte(0x20 + rng.IntN(0x5f)))
	}
	return b.String()
}

// TestSecretsNeverLeak is the property: random secrets, drawn from the
// whole printable range and used by every step type on its success and
// failure paths, never appear in any form (secretForms, and hex) in the
// Request trigger's answers, the runs and step runs as stored and as the
// task history shows them, any table of the database (River's jobs and
// their errors included), or the logs at debug level.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	engines(t, func(t *testing.T, db *testDB) {
		rng := rand.New(rand.NewPCG(seed, uint64(len(db.name))))
		api, addr := echoAPI(t)
		down := closedAddr(t)
		var logs syncBuffer
		n := leakNode(t, db, reflectActions{}, &logs, addr, down)
		project(t, db.store, "prj_1", "u1")
		for id, def := range leakWorkflows(api.URL, "http://"+down.String()) {
			save(t, n.engine, "prj_1", strings.Replace(def, `{"name"`, `{"id": "`+id+`", "name"`, 1))
		}
		srv := server(t, n.engine)
		var used []string
		for round := range 3 {
			secrets := []string{randomSecret(rng), randomSecret(rng), randomSecret(rng)}
			used = append(used, secrets...)
			for i, name := range []string{"A", "B", "C"} {
				putSecret(t, db.store, "prj_1", name, secrets[i])
			}
			for id := range leakWorkflows("", "") {
				status, answer := rawCall(t, srv.URL+"/projects/prj_1/sdk/triggers/"+id, "u1", map[string]any{"round": round})
				where := fmt.Sprintf("seed %d, round %d, workflow %s, secrets %q", seed, round, id, secrets)
				if f := leakOf(answer, used); f != "" {
					t.Fatalf("%s: the answer (%d) holds a secret as %q:\n%s", where, status, f, answer)
				}
				if want := leakStatus[id]; status != want || (want == 200 && !strings.Contains(answer, redact.Mask)) {
					t.Fatalf("%s: status %d, want %d with the secrets masked:\n%s", where, status, want, answer)
				}
				runID := answerRunID(t, answer)
				waitRun(t, n.engine, "prj_1", runID, 20*time.Second)
				if data := runData(t, db, n.engine, "prj_1", runID); leakOf(data, used) != "" {
					t.Fatalf("%s: the run's data holds a secret as %q:\n%s", where, leakOf(data, used), data)
				}
			}
		}
		if dump := dumpDB(t, db); leakOf(dump, used) != "" {
			t.Fatalf("seed %d: the database holds a secret as %q", seed, leakOf(dump, used))
		}
		if f := leakOf(logs.String(), used); f != "" {
			t.Fatalf("seed %d: the logs hold a secret as %q:\n%s", seed, f, logs.String())
		}
	})
}

// leakOf returns the first form of a secret (secretForms, or hex) in data.
func leakOf(data string, secrets []string) string {
	if f := leak(data, secrets...); f != "" {
		return f
	}
	for _, s := range secrets {
		if h := hex.EncodeToString([]byte(s)); strings.Contains(strings.ToLower(data), h) {
			return h
		}
	}
	return ""
}

// answerRunID reads the run id from a Request trigger's answer: the
// X-Driveway-Run-Id header, or runId in the body.
func answerRunID(t *testing.T, answer string) string {
	t.Helper()
	for _, line := range strings.Split(answer, "\r\n") {
		if v, ok := strings.CutPrefix(line, "X-Driveway-Run-Id: "); ok {
			return v
		}
	}
	var body struct {
		RunID string `json:"runId"`
	}
	if _, raw, ok := strings.Cut(answer, "\r\n\n"); ok && json.Unmarshal([]byte(raw), &body) == nil && body.RunID != "" {
		return body.RunID
	}
	t.Fatalf("no run id in the answer:\n%s", answer)
	return ""
}

// closedAddr is a loopback address where nothing listens.
func closedAddr(t *testing.T) netip.AddrPort {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := netip.MustParseAddrPort(l.Addr().String())
	l.Close()
	return addr
}

// dumpDB is every row of every table of the test's database, as text.
func dumpDB(t *testing.T, db *testDB) string {
	t.Helper()
	switch s := db.store.(type) {
	case *postgres.Store:
		return dumpPostgres(t, s)
	case *sqlite.Store:
		return dumpSQLite(t, s)
	}
	t.Fatalf("dumpDB: unknown store %T", db.store)
	return ""
}

func dumpPostgres(t *testing.T, s *postgres.Store) string {
	ctx := t.Context()
	rows, err := s.Pool().Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	var tables []string
	for rows.Next() {
		var name string
		_ = rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	var b strings.Builder
	for _, name := range tables {
		rows, err := s.Pool().Query(ctx, `SELECT row_to_json(t)::text FROM "`+name+`" t`)
		if err != nil {
			t.Fatalf("dump %s: %v", name, err)
		}
		for rows.Next() {
			var row string
			_ = rows.Scan(&row)
			b.WriteString(name + ": " + row + "\n")
		}
		rows.Close()
	}
	if len(tables) < 5 || !strings.Contains(b.String(), "workflow_runs") {
		t.Fatalf("dump of %d tables holds no run: %.200s", len(tables), b.String())
	}
	return b.String()
}

func dumpSQLite(t *testing.T, s *sqlite.Store) string {
	ctx := t.Context()
	names, err := s.WriterDB().QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	var tables []string
	for names.Next() {
		var name string
		_ = names.Scan(&name)
		tables = append(tables, name)
	}
	names.Close()
	var b strings.Builder
	for _, name := range tables {
		rows, err := s.WriterDB().QueryContext(ctx, `SELECT * FROM "`+name+`"`)
		if err != nil {
			t.Fatalf("dump %s: %v", name, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			_ = rows.Scan(ptrs...)
			b.WriteString(name + ":")
			for _, v := range vals {
				if raw, ok := v.([]byte); ok {
					v = string(raw)
				}
				fmt.Fprintf(&b, " %v", v)
			}
			b.WriteByte('\n')
		}
		rows.Close()
	}
	if len(tables) < 5 || !strings.Contains(b.String(), "workflow_runs") {
		t.Fatalf("dump of %d tables holds no run: %.200s", len(tables), b.String())
	}
	return b.String()
}
