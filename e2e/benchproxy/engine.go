package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/drivewayhq/driveway/e2e/cluster"
)

// freshSchema creates a schema of its own in the database at base and
// returns base with search_path set to it.
func freshSchema(ctx context.Context, base string) (string, error) {
	schema := fmt.Sprintf("bench_%d", time.Now().UnixNano())
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", err
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// setup is one engine's running world.
type setup struct {
	c        *cluster.Cluster
	modes    []*mode
	pprof    string
	nodePID  int
	cleanups []func()
}

func (s *setup) close() {
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		s.cleanups[i]()
	}
}

// start runs the node, the emulator, the bare proxy and nginx, connects
// a user through the install flow and writes the file every mode reads.
func start(ctx context.Context, bin, dir, engine, pg string) (*setup, error) {
	s := &setup{}
	pport, err := freePort()
	if err != nil {
		return nil, err
	}
	s.pprof = "http://127.0.0.1:" + pport
	s.c, err = cluster.Start(ctx, cluster.Options{Bin: bin, Dir: filepath.Join(dir, engine), PostgresURL: pg,
		Env: []string{"DRIVEWAY_PPROF_ADDR=127.0.0.1:" + pport}})
	if err != nil {
		return nil, err
	}
	s.cleanups = append(s.cleanups, s.c.Close)
	s.nodePID = s.c.Pids()[1]
	emu := strings.Replace(s.c.Emulator, "localhost", "127.0.0.1", 1)
	item, graphTok, userTok, err := s.connect(ctx, emu)
	if err != nil {
		return s, err
	}
	return s, s.addModes(ctx, dir, emu, item, graphTok, userTok)
}

// connect makes a personal account with one file, connects it for an
// app user through the install flow, and returns the file's id, a Graph
// token of the account (for the other modes) and the app user's token.
func (s *setup) connect(ctx context.Context, emu string) (item, graphTok, userTok string, err error) {
	const upn = "alex@outlook.com"
	uid, err := s.c.AddUser(ctx, upn)
	if err != nil {
		return "", "", "", err
	}
	var it struct{ ID string }
	body := map[string]string{"path": "/bench.txt", "content": strings.Repeat("driveway ", 50)}
	if err := cluster.PostJSON(ctx, emu+"/_emulator/users/"+uid+"/files", body, &it); err != nil {
		return "", "", "", err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	in := map[string]any{"User": uid, "ClientID": s.c.ClientID, "Scopes": []string{"Files.ReadWrite"}}
	if err := cluster.PostJSON(ctx, emu+"/_emulator/tokens", in, &tok); err != nil {
		return "", "", "", err
	}
	if userTok, err = s.c.Token("bench-user"); err != nil {
		return "", "", "", err
	}
	return it.ID, tok.AccessToken, userTok, s.c.Connect(ctx, s.c.Nodes[0], userTok, upn)
}

func (s *setup) addModes(ctx context.Context, dir, emu, item, graphTok, userTok string) error {
	path := "/v1.0/me/drive/items/" + item
	bare, cmd, err := startBare(emu, graphTok)
	if err != nil {
		return err
	}
	s.cleanups = append(s.cleanups, func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	node := strings.Replace(s.c.Nodes[0], "localhost", "127.0.0.1", 1)
	s.modes = []*mode{
		{name: "direct", url: emu + path, header: http.Header{"Authorization": {"Bearer " + graphTok}}},
		{name: "bare", url: bare + path},
		{name: "driveway", url: node + "/projects/" + s.c.ProjectID + "/sdk/proxy/onedrive" + strings.TrimPrefix(path, "/v1.0"),
			header: http.Header{"Authorization": {"Bearer " + userTok}}},
	}
	ngx, ncmd, err := startNginx(dir, hostOf(emu), graphTok)
	if err != nil {
		return err
	}
	if ngx != "" {
		s.cleanups = append(s.cleanups, func() { _ = ncmd.Process.Signal(os.Interrupt); _ = ncmd.Wait() })
		s.modes = append(s.modes, &mode{name: "nginx", url: ngx + path})
	}
	for _, m := range s.modes {
		if err := waitMode(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// waitMode waits up to 30 s for a mode to answer 200.
func waitMode(ctx context.Context, m *mode) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := check(ctx, m)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// goTool runs `go tool pprof -top` on a profile of bin.
func goTool(bin, profile string) string {
	out, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=30", bin, profile).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("pprof: %v\n%s", err, out)
	}
	return string(out)
}
