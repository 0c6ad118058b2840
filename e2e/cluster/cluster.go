// Package cluster runs Driveway as users run it, for end-to-end tests and
// benchmarks: the real binary (`driveway serve`, one node on SQLite or
// several on one Postgres), a `driveway emulator` process in front of which
// it works, a project seeded in the database, and users connected through
// the real install flow (build-oauth, the emulator's authorize, /oauth).
//
//	Build ─▶ bin ─▶ Start: emulator process, seed the database, N serve processes
//	Token(sub) ─▶ a user token signed with the project's key
//	Connect(node, token, upn) ─▶ build-oauth ─▶ authorize (auto-consent) ─▶ /oauth
package cluster

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/sqlite"
	"github.com/drivewayhq/driveway/usertoken"
)

// Options describe a cluster.
type Options struct {
	// Bin is the driveway binary (see Build).
	Bin string
	// Dir holds the SQLite database and the processes' data.
	Dir string
	// PostgresURL, when set, is the database of every node (give each
	// cluster its own schema); else one node runs on SQLite in Dir.
	PostgresURL string
	// Nodes is the number of serve processes (default 1; only 1 on SQLite).
	Nodes int
	// Env are extra environment variables of the serve processes.
	Env []string
	// Log receives the processes' output; discarded when nil.
	Log *os.File
}

// Cluster is a running emulator and its Driveway nodes.
type Cluster struct {
	Emulator  string   // base URL of the emulator
	Nodes     []string // base URLs of the nodes
	ProjectID string
	APIKey    string // a project API key, for /api/v1
	// InstanceKey is an instance API key (it may create and delete projects).
	InstanceKey string
	ClientID    string // the emulator app's client id
	Store       driveway.Store

	keyID  string
	signer crypto.Signer
	procs  []*exec.Cmd
}

// Build compiles ./cmd/driveway of the module into dir.
func Build(ctx context.Context, dir string) (string, error) {
	root, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("find the module: %w", err)
	}
	bin := filepath.Join(dir, "driveway")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/driveway")
	cmd.Dir = strings.TrimSpace(string(root))
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}

// Start starts the emulator, seeds the database and starts the nodes.
// Close stops them.
func Start(ctx context.Context, o Options) (_ *Cluster, err error) {
	c := &Cluster{}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	if o.Nodes <= 0 || o.PostgresURL == "" {
		o.Nodes = 1
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, err
	}
	ports := make([]string, o.Nodes+1)
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return nil, err
		}
	}
	c.Emulator = "http://localhost:" + ports[0]
	if err := c.start(o, "emulator", "--addr", "127.0.0.1:"+ports[0], "--auto-consent"); err != nil {
		return nil, err
	}
	if err := waitOK(ctx, c.Emulator+"/_emulator/state"); err != nil {
		return nil, err
	}
	for _, p := range ports[1:] {
		c.Nodes = append(c.Nodes, "http://localhost:"+p)
	}
	key, err := c.seed(ctx, o)
	if err != nil {
		return nil, err
	}
	for i, p := range ports[1:] {
		env := append([]string{"DRIVEWAY_DATABASE_URL=" + database(o), "DRIVEWAY_SECRET_KEYS=" + key,
			"DRIVEWAY_ADDR=127.0.0.1:" + p, "DRIVEWAY_PUBLIC_URL=" + c.Nodes[i],
			"DRIVEWAY_MICROSOFT_LOGIN_URL=" + c.Emulator, "DRIVEWAY_MICROSOFT_GRAPH_URL=" + c.Emulator,
			"DRIVEWAY_MICROSOFT_DOWNLOAD_HOSTS=127.0.0.1:" + ports[0], "DRIVEWAY_DATA_DIR=" + filepath.Join(o.Dir, "node"+p),
		}, o.Env...)
		if err := c.startEnv(o, env, "serve"); err != nil {
			return nil, err
		}
	}
	for _, n := range c.Nodes {
		if err := waitOK(ctx, n+"/readyz"); err != nil {
			return nil, fmt.Errorf("node %s: %w", n, err)
		}
	}
	return c, nil
}

func database(o Options) string {
	if o.PostgresURL != "" {
		return o.PostgresURL
	}
	return "sqlite:" + filepath.Join(o.Dir, "driveway.db")
}

// seed creates the emulator app, then the project, its OneDrive settings,
// a signing key and an API key in the database; it returns the sealing
// key. On SQLite the store is closed again before the node opens it.
func (c *Cluster) seed(ctx context.Context, o Options) (string, error) {
	const clientSecret = "cluster-client-secret-1"
	var redirects []string
	for _, n := range c.Nodes {
		redirects = append(redirects, n+"/oauth")
	}
	var app struct{ ClientID string }
	if err := postJSON(ctx, c.Emulator+"/_emulator/apps", map[string]any{"Name": "Acme", "RedirectURIs": redirects,
		"Secrets": []map[string]any{{"Value": clientSecret, "Expires": time.Now().AddDate(1, 0, 0)}}}, &app); err != nil {
		return "", err
	}
	c.ClientID = app.ClientID
	key, err := secret.GenerateKey()
	if err != nil {
		return "", err
	}
	ring, err := secret.ParseKeyring(key)
	if err != nil {
		return "", err
	}
	store, err := openStore(ctx, o, ring)
	if err != nil {
		return "", err
	}
	if o.PostgresURL == "" {
		defer store.Close()
	} else {
		c.Store = store
	}
	return key, c.seedProject(ctx, store, clientSecret)
}

func openStore(ctx context.Context, o Options, ring *secret.Keyring) (driveway.Store, error) {
	if o.PostgresURL != "" {
		s, err := postgres.Open(ctx, o.PostgresURL, ring)
		if err != nil {
			return nil, err
		}
		return s, s.Migrate(ctx)
	}
	s, err := sqlite.Open(ctx, filepath.Join(o.Dir, "driveway.db"), ring)
	if err != nil {
		return nil, err
	}
	return s, s.Migrate(ctx)
}

func (c *Cluster) seedProject(ctx context.Context, store driveway.Store, clientSecret string) error {
	svc := &admin.Service{Store: store, PublicURL: c.Nodes[0]}
	p, err := svc.CreateProject(ctx, admin.ProjectInput{Name: "Acme"})
	if err != nil {
		return err
	}
	c.ProjectID = p.ID
	if _, err := svc.PutIntegration(ctx, p.ID, admin.IntegrationInput{ClientID: c.ClientID, Scopes: []string{"Files.ReadWrite"},
		ClientSecrets: []admin.ClientSecretInput{{Value: clientSecret, ExpiresAt: time.Now().AddDate(1, 0, 0)}}}); err != nil {
		return err
	}
	k, priv, err := svc.GenerateSigningKey(ctx, p.ID, driveway.AlgES256, "")
	if err != nil {
		return err
	}
	c.keyID = k.ID
	if c.signer, err = usertoken.ParsePrivateKey([]byte(priv)); err != nil {
		return err
	}
	if _, c.APIKey, err = svc.CreateAPIKey(ctx, p.ID, "cluster"); err != nil {
		return err
	}
	_, c.InstanceKey, err = svc.CreateAPIKey(ctx, "", "cluster instance")
	return err
}

// KeyID is the id of the project's signing key.
func (c *Cluster) KeyID() string { return c.keyID }

// Token signs a user token for sub, valid for a day.
func (c *Cluster) Token(sub string) (string, error) {
	return usertoken.Sign(c.signer, c.keyID, usertoken.Claims{Subject: sub, ExpiresAt: time.Now().Add(24 * time.Hour)})
}

// Close stops every process (interrupt, then kill after 10 s) and closes
// the store.
func (c *Cluster) Close() {
	for _, p := range c.procs {
		_ = p.Process.Signal(os.Interrupt)
	}
	for _, p := range c.procs {
		done := make(chan struct{})
		go func() { _ = p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = p.Process.Kill()
		}
	}
	if c.Store != nil {
		c.Store.Close()
	}
}

func (c *Cluster) start(o Options, args ...string) error { return c.startEnv(o, nil, args...) }

func (c *Cluster) startEnv(o Options, env []string, args ...string) error {
	cmd := exec.Command(o.Bin, args...)
	cmd.Env = append(os.Environ(), env...)
	if o.Log != nil {
		cmd.Stdout, cmd.Stderr = o.Log, o.Log
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	c.procs = append(c.procs, cmd)
	return nil
}

// Pids are the process ids: the emulator's, then the nodes'.
func (c *Cluster) Pids() []int {
	var out []int
	for _, p := range c.procs {
		out = append(out, p.Process.Pid)
	}
	return out
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port, nil
}

var errNotReady = errors.New("not ready within 60 s")
