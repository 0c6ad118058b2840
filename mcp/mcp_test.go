package mcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/action"
	"github.com/drivewayhq/driveway/mcp"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/sqlite"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

const projectID = "prj_mcptest"

type world struct {
	emu   *emulator.Server
	user  emulator.User
	front *httptest.Server
}

// newWorld starts the emulator, a store with alice's credential, and the
// MCP server behind a stand-in for the user-token check (a bearer
// "user-token-<id>" is end user <id>).
func newWorld(t *testing.T, maxResult int) *world {
	t.Helper()
	ctx := t.Context()
	w := &world{emu: emulator.StartTest(t, emulator.Options{})}
	app, err := w.emu.CreateApp(emulator.AppSpec{Name: "mcp test"})
	must(t, "app", err)
	w.user, err = w.emu.CreateUser(emulator.UserSpec{UPN: "alice@outlook.com"})
	must(t, "user", err)
	ring, err := secret.GenerateKey()
	must(t, "key", err)
	kr, err := secret.ParseKeyring(ring)
	must(t, "keyring", err)
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), kr)
	must(t, "open", err)
	t.Cleanup(func() { store.Close() })
	must(t, "migrate", store.Migrate(ctx))
	must(t, "project", store.CreateProject(ctx, &driveway.Project{ID: projectID, Name: "mcp"}))
	must(t, "integration", store.PutIntegration(ctx, &driveway.Integration{ProjectID: projectID, ClientID: app.ClientID,
		Tenant: driveway.TenantCommon, Cloud: driveway.CloudGlobal, Enabled: true}))
	must(t, "connected user", store.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: projectID, ID: "alice"}))
	must(t, "credential", store.CreateCredential(ctx, &driveway.Credential{ID: "cred_alice", ProjectID: projectID, UserID: "alice",
		Integration: driveway.IntegrationOneDrive, Status: driveway.CredentialValid, AccessToken: "x", RefreshToken: "x",
		AccessTokenExpiresAt: time.Now().Add(time.Hour)}))
	tok, err := w.emu.IssueAccessToken(w.user.ID, app.ClientID)
	must(t, "token", err)
	cat, err := action.NewCatalogue()
	must(t, "catalogue", err)
	ex := &action.Executor{Catalogue: cat, Store: store, Tokens: &tokens{store: store, token: tok},
		Resolver: microsoft.Resolver{Override: &microsoft.Endpoints{Login: w.emu.BaseURL, Graph: w.emu.BaseURL}}}
	srv := &mcp.Server{Executor: ex, MaxResultBytes: maxResult}
	mux := http.NewServeMux()
	for _, r := range srv.Routes() {
		mux.Handle(r.Pattern, withPrincipal(r.Handler))
	}
	w.front = httptest.NewServer(mux)
	t.Cleanup(w.front.Close)
	return w
}

type tokens struct {
	store driveway.Store
	token string
}

func (k *tokens) AccessToken(ctx context.Context, pid, cid string) (string, *driveway.Credential, error) {
	c, err := k.store.GetCredential(ctx, pid, cid)
	return k.token, c, err
}

func (k *tokens) Invalidate(ctx context.Context, pid, cid, _ string) (string, *driveway.Credential, error) {
	return k.AccessToken(ctx, pid, cid)
}

func withPrincipal(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer user-token-"); ok {
			r = r.WithContext(driveway.WithPrincipal(r.Context(), &driveway.Principal{ProjectID: projectID, UserID: id}))
		}
		h.ServeHTTP(w, r)
	})
}

// bearer adds the user token to every request of the MCP client.
type bearer struct {
	token string
	base  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

func (w *world) client(t *testing.T, token string) *sdk.ClientSession {
	t.Helper()
	c := sdk.NewClient(&sdk.Implementation{Name: "test-agent", Version: "1"}, nil)
	tr := &sdk.StreamableClientTransport{Endpoint: w.front.URL + "/projects/" + projectID + "/mcp",
		HTTPClient: &http.Client{Transport: bearer{token: token, base: http.DefaultTransport}}, DisableStandaloneSSE: true, MaxRetries: -1}
	s, err := c.Connect(t.Context(), tr, nil)
	must(t, "connect", err)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestAgentListsSavesAndDeletes(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 0)
	s := w.client(t, "user-token-alice")
	tools, err := s.ListTools(t.Context(), nil)
	must(t, "list tools", err)
	byName := map[string]*sdk.Tool{}
	for _, tl := range tools.Tools {
		byName[tl.Name] = tl
	}
	if len(byName) != 19 {
		t.Fatalf("%d tools, want 19", len(byName))
	}
	for name, destructive := range map[string]bool{"ONEDRIVE_DELETE_FILE": true, "ONEDRIVE_DELETE_FOLDER": true, "ONEDRIVE_SAVE_FILE": true, "ONEDRIVE_LIST_CONTENTS": false} {
		a := byName[name].Annotations
		if a == nil || a.DestructiveHint == nil || *a.DestructiveHint != destructive {
			t.Fatalf("%s annotations %+v, want destructiveHint %v", name, a, destructive)
		}
	}
	if !byName["ONEDRIVE_LIST_CONTENTS"].Annotations.ReadOnlyHint {
		t.Fatalf("list is not read-only")
	}
	// The same schemas as the Actions API.
	cat, err := action.NewCatalogue()
	must(t, "catalogue", err)
	for _, a := range cat.Actions() {
		got, _ := json.Marshal(byName[a.Name].InputSchema)
		want, _ := json.Marshal(a.Input)
		if string(got) != string(want) {
			t.Fatalf("%s input schema over MCP:\n%s\nwant\n%s", a.Name, got, want)
		}
		got, _ = json.Marshal(byName[a.Name].OutputSchema)
		want, _ = json.Marshal(a.Output)
		if string(got) != string(want) {
			t.Fatalf("%s output schema over MCP differs", a.Name)
		}
	}

	saved := call(t, s, "ONEDRIVE_SAVE_FILE", map[string]any{"name": "agent.txt", "content": "from the agent"})
	got, err := w.emu.ReadFile(w.user.ID, "/agent.txt")
	must(t, "read", err)
	if string(got) != "from the agent" {
		t.Fatalf("content %q", got)
	}
	listed := call(t, s, "ONEDRIVE_LIST_CONTENTS", map[string]any{})
	if !strings.Contains(listed, `"agent.txt"`) {
		t.Fatalf("listing %s", listed)
	}
	var item action.Item
	must(t, "decode saved", json.Unmarshal([]byte(saved), &item))
	call(t, s, "ONEDRIVE_DELETE_FILE", map[string]any{"fileId": item.ID})
	if _, err := w.emu.Stat(w.user.ID, "/agent.txt"); err == nil {
		t.Fatalf("agent.txt still exists")
	}
	// A tool error is a result with isError, naming the field.
	res, err := s.CallTool(t.Context(), &sdk.CallToolParams{Name: "ONEDRIVE_CREATE_FOLDER", Arguments: map[string]any{}})
	must(t, "call", err)
	if !res.IsError || !strings.Contains(text(res), `"field":"name"`) {
		t.Fatalf("invalid call: %+v %s", res, text(res))
	}
}

func TestResultsAreCappedWithANextPageHandle(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2048)
	for i := range 30 {
		_, err := w.emu.WriteFile(w.user.ID, "/many/file-"+strings.Repeat("x", 20)+string(rune('a'+i%26))+string(rune('0'+i/26))+".txt", []byte("x"))
		must(t, "write", err)
	}
	s := w.client(t, "user-token-alice")
	seen := map[string]bool{}
	args := map[string]any{"path": "/many"}
	for pages := 0; ; pages++ {
		if pages > 30 {
			t.Fatalf("no end after 30 pages")
		}
		out := call(t, s, "ONEDRIVE_LIST_CONTENTS", args)
		if len(out) > 2048 {
			t.Fatalf("result of %d bytes, cap 2048", len(out))
		}
		var page action.Page
		must(t, "decode page", json.Unmarshal([]byte(out), &page))
		for _, it := range page.Items {
			if seen[it.ID] {
				t.Fatalf("%s returned twice", it.Name)
			}
			seen[it.ID] = true
		}
		if page.NextPageToken == "" {
			break
		}
		args = map[string]any{"path": "/many", "pageToken": page.NextPageToken}
	}
	if len(seen) != 30 {
		t.Fatalf("saw %d files over the pages, want 30", len(seen))
	}
}

func TestChangesAreCappedWithACursor(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2048)
	for i := range 30 {
		_, err := w.emu.WriteFile(w.user.ID, fmt.Sprintf("/changes/file-%s-%02d.txt", strings.Repeat("y", 30), i), []byte("x"))
		must(t, "write", err)
	}
	s := w.client(t, "user-token-alice")
	seen := map[string]bool{}
	args := map[string]any{}
	for calls := 0; ; calls++ {
		if calls > 40 {
			t.Fatalf("no end after 40 calls")
		}
		out := call(t, s, "ONEDRIVE_LIST_CHANGES", args)
		if len(out) > 2048 {
			t.Fatalf("result of %d bytes, cap 2048", len(out))
		}
		var ch action.Changes
		must(t, "decode changes", json.Unmarshal([]byte(out), &ch))
		for _, it := range ch.Items {
			seen[it.Name] = true
		}
		if !ch.HasMore {
			break
		}
		args = map[string]any{"cursor": ch.Cursor}
	}
	for i := range 30 {
		if name := fmt.Sprintf("file-%s-%02d.txt", strings.Repeat("y", 30), i); !seen[name] {
			t.Fatalf("%s never listed", name)
		}
	}
}

func TestWrongProjectOrNoToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 0)
	res, err := http.Post(w.front.URL+"/projects/"+projectID+"/mcp", "application/json", strings.NewReader(`{}`))
	must(t, "post", err)
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no token: %d", res.StatusCode)
	}
}

func call(t *testing.T, s *sdk.ClientSession, name string, args map[string]any) string {
	t.Helper()
	res, err := s.CallTool(t.Context(), &sdk.CallToolParams{Name: name, Arguments: args})
	must(t, "call "+name, err)
	if res.IsError {
		t.Fatalf("%s: %s", name, text(res))
	}
	return text(res)
}

func text(res *sdk.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
