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
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/httpapi"
	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/sqlite"
)

// bundle is a server on a real SQLite store with two projects and keys:
// an instance key and one key per project.
type bundle struct {
	t          *testing.T
	svc        *admin.Service
	srv        *httptest.Server
	instance   string // instance API key
	projA      *driveway.Project
	projB      *driveway.Project
	keyA, keyB string
	ready      error
}

func setup(t *testing.T) *bundle {
	t.Helper()
	ctx := context.Background()
	spec, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	ring, err := secret.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "driveway.db"), ring)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	b := &bundle{t: t, svc: &admin.Service{Store: store, PublicURL: "https://driveway.example.com"}}
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
	api := &httpapi.Server{Admin: b.svc, ServeMetrics: true, Ready: func(ctx context.Context) error {
		if b.ready != nil {
			return b.ready
		}
		return store.Ping(ctx)
	}}
	b.srv = httptest.NewServer(api.Handler())
	t.Cleanup(b.srv.Close)
	return b
}

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
