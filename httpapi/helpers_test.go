package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/audit"
	"github.com/drivewayhq/driveway/httpapi"
	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/sqlite"
)

// bundle is a server on a real SQLite store with two projects and keys:
// an instance key and one key per project.
type bundle struct {
	t          testing.TB
	svc        *admin.Service
	srv        *httptest.Server
	instance   string // instance API key
	projA      *driveway.Project
	projB      *driveway.Project
	keyA, keyB string
	ready      error
	store      driveway.Store
	skew       atomic.Int64 // added to the service's clock, in nanoseconds
}

func setup(t *testing.T) *bundle {
	t.Helper()
	return setupOn(t, openSQLite(t))
}

func testRing(t testing.TB) *secret.Keyring {
	t.Helper()
	spec, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	ring, err := secret.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	return ring
}

func openSQLite(t testing.TB) driveway.Store {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "driveway.db"), testRing(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return store
}

// setupOn builds the bundle on a migrated, empty store, with the audit
// trail recording and a clock the test may move (b.advance).
func setupOn(t testing.TB, store driveway.Store) *bundle {
	t.Helper()
	ctx := context.Background()
	var err error
	b := &bundle{t: t, store: store}
	b.svc = &admin.Service{Store: store, PublicURL: "https://driveway.example.com", Now: b.now}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, b.instance, err = b.svc.CreateAPIKey(ctx, "", "instance")
	must(err)
	b.projA, err = b.svc.CreateProject(ctx, admin.ProjectInput{Name: "A"})
	must(err)
	b.projB, err = b.svc.CreateProject(ctx, admin.ProjectInput{Name: "B"})
	must(err)
	_, b.keyA, err = b.svc.CreateAPIKey(ctx, b.projA.ID, "a")
	must(err)
	_, b.keyB, err = b.svc.CreateAPIKey(ctx, b.projB.ID, "b")
	must(err)
	api := &httpapi.Server{Admin: b.svc, ServeMetrics: true, Audit: &audit.Recorder{Store: store}, Ready: func(ctx context.Context) error {
		if b.ready != nil {
			return b.ready
		}
		return store.Ping(ctx)
	}}
	b.srv = httptest.NewServer(api.Handler())
	t.Cleanup(b.srv.Close)
	return b
}

// now is the admin service's clock: the real time plus b.skew.
func (b *bundle) now() time.Time { return time.Now().Add(time.Duration(b.skew.Load())) }

// advance moves the service's clock forward by d.
func (b *bundle) advance(d time.Duration) { b.skew.Add(int64(d)) }

// call sends a JSON request with key as bearer ("" for none) and returns
// the status and decoded body.
func (b *bundle) call(key, method, path string, body any) (int, map[string]any) {
	b.t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	default:
		buf, err := json.Marshal(v)
		if err != nil {
			b.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, b.srv.URL+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := b.srv.Client().Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out); err != nil {
			b.t.Fatalf("%s %s: body is not JSON: %q", method, path, raw)
		}
	}
	out["_raw"] = string(raw)
	return resp.StatusCode, out
}

func errField(body map[string]any) (code, field string) {
	e, _ := body["error"].(map[string]any)
	code, _ = e["code"].(string)
	field, _ = e["field"].(string)
	return code, field
}
