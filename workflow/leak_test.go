package workflow

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/netguard"
)

// The oracle of the leak tests: every form a secret can take on its way
// through a run, computed here independently of package redact.

// secretForms lists the texts that give a secret away: as is,
// percent-encoded (query and path, upper and lower hex), JSON- and
// Go-escaped, and base64 (standard and URL alphabets) at every alignment
// inside a longer encoded value.
func secretForms(s string) []string {
	forms := []string{s, url.QueryEscape(s), url.PathEscape(s), lowerHex(url.QueryEscape(s)), lowerHex(url.PathEscape(s))}
	j, _ := json.Marshal(s)
	forms = append(forms, string(j[1:len(j)-1]), strings.Trim(strconv.Quote(s), `"`), jsonNoHTML(s))
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for k := range 3 {
			forms = append(forms, base64Core(enc, s, k))
		}
	}
	seen := map[string]bool{}
	out := forms[:0]
	for _, f := range forms {
		if !seen[f] && len(f) >= 8 {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

func jsonNoHTML(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.Trim(strings.TrimSpace(b.String()), `"`)
}

// lowerHex writes the %XX escapes of s in lower case.
func lowerHex(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			b.WriteString(strings.ToLower(s[i : i+3]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// base64Core is the part of the encoding of s, preceded by k other bytes,
// that depends on s's bytes alone: what any base64 text holding s at that
// alignment contains.
func base64Core(enc *base64.Encoding, s string, k int) string {
	full := enc.EncodeToString(append(make([]byte, k), s...))
	first := (8*k + 5) / 6         // first character whose bits all come from s
	last := (8 * (k + len(s))) / 6 // one past the last
	return full[first:last]
}

// leak returns the first form of a secret found in data, or "".
func leak(data string, secrets ...string) string {
	for _, s := range secrets {
		for _, f := range secretForms(s) {
			if strings.Contains(data, f) {
				return f
			}
		}
	}
	return ""
}

// syncBuffer is a log destination tests read while nodes write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// echoAPI is a loopback API that answers with what it was sent: method,
// escaped path, raw query, headers and body; "/fail…" paths answer 500,
// "/deny…" 403 as text; "/keep" keeps its body, which "/recall" answers
// with (a service that hands back a secret to a step that sent none).
func echoAPI(t *testing.T) (*httptest.Server, netip.AddrPort) {
	var mu sync.Mutex
	var kept []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		seen := map[string]any{"method": r.Method, "path": r.URL.EscapedPath(), "query": r.URL.RawQuery,
			"headers": r.Header, "body": string(body)}
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.URL.Path == "/keep":
			kept = body
		case r.URL.Path == "/recall":
			_, _ = w.Write(kept)
		case strings.HasPrefix(r.URL.Path, "/fail"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_ = json.NewEncoder(w).Encode(seen)
		case strings.HasPrefix(r.URL.Path, "/deny"):
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, "denied "+r.URL.String()+" "+r.Header.Get("Authorization"))
		default:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(seen)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, netip.MustParseAddrPort(strings.TrimPrefix(srv.URL, "http://"))
}

// leakNode is a node with the built-in step types (HTTP Request allowed to
// reach the loopback addresses given), the test step types, and its own
// and River's logs at debug level in logs.
func leakNode(t *testing.T, db *testDB, actions ActionRunner, logs io.Writer, allow ...netip.AddrPort) *node {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	q := db.newQueue(t, jobs.Config{FastPoll: true, Logger: logger})
	if err := q.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate queue: %v", err)
	}
	reg := NewRegistry(actions, &HTTPRequest{Client: netguard.NewClient(netguard.Config{AllowAddrPorts: allow})})
	newSteps().register(t, reg)
	// panics panics with its input, as a careless runner would.
	if err := reg.Register("panics", RunnerFunc(func(ctx context.Context, c *Call) (any, error) {
		panic(fmt.Sprintf("cannot handle %v", c.Input))
	}), nil); err != nil {
		t.Fatalf("register: %v", err)
	}
	e, err := New(Config{Store: db.store, Queue: q, Registry: reg, Logger: logger})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := e.Register(); err != nil {
		t.Fatalf("Register: %v", err)
	}
	if err := q.Start(t.Context()); err != nil {
		t.Fatalf("start queue: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
	return &node{engine: e, queue: q}
}

func putSecret(t *testing.T, s driveway.Store, pid, name, value string) {
	t.Helper()
	if err := s.PutProjectSecret(t.Context(), &driveway.ProjectSecret{ProjectID: pid, Name: name, Value: value}); err != nil {
		t.Fatalf("PutProjectSecret: %v", err)
	}
}

// rawCall sends a JSON request as user and returns the status and the
// whole answer (headers and body) as text.
func rawCall(t *testing.T, url, user string, body any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(t.Context(), "POST", url, bytes.NewReader(b))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("X-Test-User", user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var head strings.Builder
	_ = resp.Header.Write(&head)
	return resp.StatusCode, head.String() + "\n" + string(raw)
}

// runData is everything the engine keeps and shows of a run: the run and
// step run rows as stored, and the task history's view of them.
func runData(t *testing.T, db *testDB, e *Engine, pid, runID string) string {
	t.Helper()
	var b strings.Builder
	run, err := db.store.GetRun(t.Context(), pid, runID)
	if err != nil {
		t.Fatalf("GetRun: %v", err)
	}
	srs, err := db.store.ListStepRuns(t.Context(), pid, runID)
	if err != nil {
		t.Fatalf("ListStepRuns: %v", err)
	}
	d, err := e.RunDetail(t.Context(), pid, runID)
	if err != nil {
		t.Fatalf("RunDetail: %v", err)
	}
	page, err := e.ListRuns(t.Context(), pid, RunQuery{})
	if err != nil {
		t.Fatalf("ListRuns: %v", err)
	}
	for _, v := range []any{run, srs, d, page} {
		j, _ := json.Marshal(v)
		b.Write(j)
		b.WriteByte('\n')
	}
	for _, sr := range srs { // the stored texts, unescaped
		b.WriteString(string(sr.Input) + string(sr.Output) + sr.Error + "\n")
	}
	b.WriteString(string(run.Response) + run.Error + "\n")
	return b.String()
}

// TestFailedRequestLeaksNoSecret is the reproduction: an HTTP
// Request step sends a secret in its query; the API fails; neither the
// Request trigger's answer nor the run's history may hold the secret in
// any form, and the answer holds no internal error text.
func TestFailedRequestLeaksNoSecret(t *testing.T) {
	t.Parallel()
	const secret = "s3cr/t+Key=="
	engines(t, func(t *testing.T, db *testDB) {
		api, addr := echoAPI(t)
		var logs syncBuffer
		n := leakNode(t, db, nil, &logs, addr)
		project(t, db.store, "prj_1", "u1")
		putSecret(t, db.store, "prj_1", "API_KEY", secret)
		save(t, n.engine, "prj_1", `{"id": "lookup", "name": "Lookup", "trigger": {"type": "request"}, "steps": [
			{"id": "call", "type": "http_request", "input": {"url": "`+api.URL+`/fail/items",
				"query": {"api_key": "{{ secrets.API_KEY }}"}}},
			{"id": "reply", "type": "response", "input": {"body": "{{ steps.call.output }}"}}]}`)
		srv := server(t, n.engine)
		status, answer := rawCall(t, srv.URL+"/projects/prj_1/sdk/triggers/lookup", "u1", map[string]any{})
		if status != http.StatusBadGateway {
			t.Fatalf("status %d, want 502; answer %s", status, answer)
		}
		if f := leak(answer, secret); f != "" {
			t.Fatalf("the Request trigger's answer holds the secret as %q:\n%s", f, answer)
		}
		var body struct {
			RunID   string `json:"runId"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal([]byte(answer[strings.Index(answer, "\n\n")+2:]), &body)
		if body.RunID == "" || strings.Contains(answer, "status 500") || strings.Contains(answer, "127.0.0.1") {
			t.Fatalf("answer %s: want the run id and a generic failure, no internal error text", answer)
		}
		run := waitRun(t, n.engine, "prj_1", body.RunID, 10*time.Second)
		data := runData(t, db, n.engine, "prj_1", run.ID)
		if f := leak(data, secret); f != "" {
			t.Fatalf("the run's data holds the secret as %q:\n%s", f, data)
		}
		if strings.Contains(run.Error, "api_key") || !strings.Contains(run.Error, "/fail/items") {
			t.Fatalf("run error %q: want the URL's path, without its query", run.Error)
		}
		if f := leak(logs.String(), secret); f != "" {
			t.Fatalf("the logs hold the secret as %q:\n%s", f, logs.String())
		}
	})
}

// TestShortSecretIsRefused: a secret shorter than redact.MinLen cannot be
// told from ordinary text, so it could not be kept out of the history: a
// step that names it fails with an error naming the secret (not its
// value), and a step that does not name it runs.
func TestShortSecretIsRefused(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		n := startNode(t, db, newSteps(), jobs0(), Config{})
		project(t, db.store, "prj_1", "u1")
		putSecret(t, db.store, "prj_1", "PIN", "4711")
		save(t, n.engine, "prj_1", `{"id": "pin", "name": "Pin", "trigger": {"type": "app_event", "event": "go"}, "steps": [
			{"id": "plain", "type": "echo", "input": {"v": "{{ trigger.x }}"}},
			{"id": "uses", "type": "echo", "input": {"v": "pin {{ secrets.PIN }}"}}]}`)
		run := start(t, n.engine, "prj_1", "pin", "u1")
		run = waitRun(t, n.engine, "prj_1", run.ID, 10*time.Second)
		if run.Status != driveway.RunFailed || !strings.Contains(run.Error, `secret "PIN" is shorter than 8 bytes`) ||
			strings.Contains(run.Error, "4711") {
			t.Fatalf("run %s: %q; want it failed naming the short secret", run.Status, run.Error)
		}
		if sr, err := db.store.GetStepRun(t.Context(), "prj_1", run.ID, "plain"); err != nil || sr.Status != driveway.StepSucceeded {
			t.Fatalf("the step not naming the secret: %v, %v; want it to succeed", sr, err)
		}
	})
}

// TestFanOutItemsAreBounded: a Fan Out over more than MaxFanOutItems fails
// before any item runs, naming its items field and the limit; one at the
// limit runs every item.
func TestFanOutItemsAreBounded(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db *testDB) {
		st := newSteps()
		n := startNode(t, db, st, jobs0(), Config{MaxFanOutItems: 3})
		project(t, db.store, "prj_1", "u1")
		save(t, n.engine, "prj_1", `{"id": "fan", "name": "Fan", "trigger": {"type": "app_event", "event": "go"}, "steps": [
			{"id": "each", "type": "fan_out", "input": {"items": "{{ trigger.items }}"},
			 "steps": [{"id": "touch", "type": "record", "input": {"name": "{{ item }}"}}]}]}`)
		over, err := n.engine.StartRun(t.Context(), StartParams{ProjectID: "prj_1", WorkflowID: "fan", UserID: "u1",
			Trigger: map[string]any{"items": []int{1, 2, 3, 4}}})
		if err != nil {
			t.Fatalf("StartRun: %v", err)
		}
		run := waitRun(t, n.engine, "prj_1", over.ID, 10*time.Second)
		if run.Status != driveway.RunFailed || !strings.Contains(run.Error, "has 4 items; a Fan Out runs at most 3") ||
			st.count("touch") != 0 {
			t.Fatalf("over the bound: run %s %q, %d items ran; want it failed before any item", run.Status, run.Error, st.count("touch"))
		}
		at, err := n.engine.StartRun(t.Context(), StartParams{ProjectID: "prj_1", WorkflowID: "fan", UserID: "u1",
			Trigger: map[string]any{"items": []int{1, 2, 3}}})
		if err != nil {
			t.Fatalf("StartRun: %v", err)
		}
		if run := waitRun(t, n.engine, "prj_1", at.ID, 10*time.Second); run.Status != driveway.RunSucceeded || st.count("touch") != 3 {
			t.Fatalf("at the bound: run %s %q, %d items ran; want all 3", run.Status, run.Error, st.count("touch"))
		}
	})
}
