package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/sqlite"
	"github.com/drivewayhq/driveway/usertoken"
)

// user is one of the soak's end users: an emulator account connected
// through the install flow.
type user struct {
	Sub, UPN, EmuID, DriveID string
	Token                    string // a Driveway user token
	CredID                   string
}

// world is everything one soak runs against.
type world struct {
	t         *testing.T
	engine    string
	emu       *proc
	emuBase   string // http://localhost:<port>
	public    string // the balancer: Driveway's public URL
	nodes     []*proc
	rc        *receiver
	projectID string
	apiKey    string
	clientID  string
	users     []*user
	http      *http.Client
	revoked   string         // the credential whose refresh token was revoked
	bg        sync.WaitGroup // faults still running (the reconnect)
}

const clientSecret = "soak-client-secret-value-1"

// startEmulator runs `driveway emulator` and creates the tenant, the users
// and the app.
func (w *world) startEmulator(bin string, users int, redirect string) {
	port := freePort(w.t)
	w.emuBase = "http://localhost:" + port
	w.emu = &proc{name: "emulator", bin: bin, args: []string{"emulator", "--addr", "127.0.0.1:" + port, "--auto-consent"},
		ready: w.emuBase + "/_emulator/state"}
	w.emu.start(w.t)
	w.t.Cleanup(w.emu.stop)
	var tenant struct{ ID string }
	w.control("POST", "/tenants", map[string]string{"Name": "Contoso", "Domain": "contoso.onmicrosoft.com"}, &tenant)
	for i := range users {
		u := &user{Sub: fmt.Sprintf("u-%03d", i), UPN: fmt.Sprintf("user%03d@contoso.onmicrosoft.com", i)}
		var created struct{ ID, DriveID string }
		w.control("POST", "/users", map[string]string{"TenantID": tenant.ID, "UPN": u.UPN}, &created)
		u.EmuID, u.DriveID = created.ID, created.DriveID
		w.must(w.control("POST", "/users/"+u.UPN+"/folders", map[string]string{"path": "/soak/a"}, nil))
		w.must(w.control("POST", "/users/"+u.UPN+"/folders", map[string]string{"path": "/soak/b"}, nil))
		w.must(w.control("POST", "/users/"+u.UPN+"/folders", map[string]string{"path": "/archive"}, nil))
		w.users = append(w.users, u)
	}
	var app struct{ ClientID string }
	w.control("POST", "/apps", map[string]any{"Name": "Soak", "RedirectURIs": []string{redirect},
		"Secrets": []map[string]any{{"Value": clientSecret, "Expires": time.Now().AddDate(1, 0, 0)}}}, &app)
	w.clientID = app.ClientID
}

// control calls the emulator's control API and decodes the answer into out.
func (w *world) control(method, path string, in, out any) error {
	return w.call(method, w.emuBase+"/_emulator"+path, "", in, out)
}

// call sends JSON and decodes a 2xx answer into out; other answers are
// errors that name the status and body.
func (w *world) call(method, u, bearer string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, u, body)
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := w.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %.300s", method, u, resp.StatusCode, raw)
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// must fails the test on err.
func (w *world) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

// openStore opens (and migrates) the soak's database from the test
// process, for the project's setup.
func openStore(ctx context.Context, engine, dsn string, ring *secret.Keyring) (driveway.Store, func(), error) {
	switch engine {
	case "sqlite":
		s, err := sqlite.Open(ctx, dsn, ring)
		if err != nil {
			return nil, nil, err
		}
		return s, func() { s.Close() }, s.Migrate(ctx)
	default:
		s, err := postgres.Open(ctx, dsn, ring)
		if err != nil {
			return nil, nil, err
		}
		return s, func() { s.Close() }, s.Migrate(ctx)
	}
}

// setupProject creates the project, its OneDrive settings, a signing key
// and an API key, and mints each user's token.
func (w *world) setupProject(dsn, keySpec string) {
	ring, err := secret.ParseKeyring(keySpec)
	w.must(err)
	ctx := w.t.Context()
	store, closeStore, err := openStore(ctx, w.engine, dsn, ring)
	w.must(err)
	defer closeStore()
	svc := &admin.Service{Store: store, PublicURL: w.public}
	p, err := svc.CreateProject(ctx, admin.ProjectInput{Name: "Soak"})
	w.must(err)
	w.projectID = p.ID
	_, err = svc.PutIntegration(ctx, p.ID, admin.IntegrationInput{ClientID: w.clientID, Scopes: []string{"Files.ReadWrite"},
		ClientSecrets: []admin.ClientSecretInput{{Value: clientSecret, ExpiresAt: time.Now().AddDate(1, 0, 0)}}})
	w.must(err)
	k, priv, err := svc.GenerateSigningKey(ctx, p.ID, driveway.AlgES256, "")
	w.must(err)
	signer, err := usertoken.ParsePrivateKey([]byte(priv))
	w.must(err)
	for _, u := range w.users {
		u.Token, err = usertoken.Sign(signer, k.ID, usertoken.Claims{Subject: u.Sub, ExpiresAt: time.Now().Add(24 * time.Hour)})
		w.must(err)
	}
	_, w.apiKey, err = svc.CreateAPIKey(ctx, p.ID, "soak")
	w.must(err)
}

// startNodes runs n `driveway serve` processes on the database.
func (w *world) startNodes(bin string, n int, dsn, keySpec, emuPort string) []string {
	var bases []string
	for i := range n {
		port := freePort(w.t)
		base := "http://127.0.0.1:" + port
		env := []string{"DRIVEWAY_DATABASE_URL=" + dsn, "DRIVEWAY_SECRET_KEYS=" + keySpec,
			"DRIVEWAY_ADDR=127.0.0.1:" + port, "DRIVEWAY_PUBLIC_URL=" + w.public,
			"DRIVEWAY_MICROSOFT_LOGIN_URL=" + w.emuBase, "DRIVEWAY_MICROSOFT_GRAPH_URL=" + w.emuBase,
			"DRIVEWAY_MICROSOFT_DOWNLOAD_HOSTS=127.0.0.1:" + emuPort, "DRIVEWAY_DATA_DIR=" + w.t.TempDir(),
			"DRIVEWAY_ALLOW_LOOPBACK=true", "DRIVEWAY_FILE_CHANGE_SAFETY_INTERVAL=1m",
			"DRIVEWAY_LOG_LEVEL=info", "DRIVEWAY_LOG_FORMAT=text"}
		p := &proc{name: fmt.Sprintf("node %c", 'A'+i), bin: bin, args: []string{"serve"}, env: env, ready: base + "/readyz"}
		w.nodes = append(w.nodes, p)
		bases = append(bases, base)
	}
	for _, p := range w.nodes {
		p.start(w.t)
		w.t.Cleanup(p.stop)
	}
	return bases
}

// sqliteDSN is the SQLite database URL in dir.
func sqliteDSN(dir string) (path, dsn string) {
	path = filepath.Join(dir, "driveway.db")
	return path, "sqlite:" + path
}

// connect connects u's OneDrive through the SDK's install flow, again (as
// a user would) when the flow ends in an error page, up to 5 times: the
// callback's Graph call meets the injected 429s and 503s too.
func (w *world) connect(u *user) error {
	var err error
	for range 5 {
		if err = w.connectOnce(u); err == nil {
			return nil
		}
		time.Sleep(2 * time.Second) // the user tries again
	}
	return err
}

// connectOnce runs the install flow once (the emulator signs the next
// user in on its own) and checks the credential is VALID.
func (w *world) connectOnce(u *user) error {
	if err := w.control("POST", "/next-user", map[string]string{"User": u.UPN}, nil); err != nil {
		return err
	}
	q := url.Values{"action": {"onedrive"}, "userToken": {u.Token}, "oauthMetaKeyId": {"s1"}, "originForPostMessage": {w.public}}
	var built struct{ RedirectURL string }
	if err := w.call("GET", w.public+"/v2/projects/"+w.projectID+"/sdk/actions/build-oauth?"+q.Encode(), u.Token, nil, &built); err != nil {
		return fmt.Errorf("build-oauth: %w", err)
	}
	loc, err := w.redirect(built.RedirectURL)
	if err != nil {
		return err
	}
	req, _ := http.NewRequest("GET", loc, nil)
	resp, err := w.http.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.Contains(string(body), "oauth_error_callback") {
		return fmt.Errorf("callback for %s: %d %.300s", u.Sub, resp.StatusCode, body)
	}
	if err := w.finish(u, body); err != nil {
		return err
	}
	var one struct{ ID, Status string }
	if err := w.call("GET", w.public+"/projects/"+w.projectID+"/sdk/credentials?integration=onedrive", u.Token, nil, &one); err != nil || one.ID == "" || one.Status != "VALID" {
		return fmt.Errorf("credential of %s after connecting: %+v %v", u.Sub, one, err)
	}
	u.CredID = one.ID
	return nil
}

var completionSecret = regexp.MustCompile(`"completion":"([A-Za-z0-9_-]{43})"`)

// finish does what the SDK does with the /oauth page: it posts the page's
// completion secret with the user token that started the sign-in, which is
// when Driveway stores the credential.
func (w *world) finish(u *user, page []byte) error {
	m := completionSecret.FindSubmatch(page)
	if m == nil {
		return fmt.Errorf("the /oauth page for %s carries no completion secret", u.Sub)
	}
	in := map[string]any{"payload": map[string]string{"completion": string(m[1])}}
	if err := w.call("POST", w.public+"/projects/"+w.projectID+"/sdk/credentials", u.Token, in, nil); err != nil {
		return fmt.Errorf("finish the sign-in of %s: %w", u.Sub, err)
	}
	return nil
}

// redirect GETs u and returns its Location.
func (w *world) redirect(u string) (string, error) {
	resp, err := w.http.Get(u)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode/100 != 3 || loc == "" {
		return "", fmt.Errorf("GET %s: %d without a redirect", u, resp.StatusCode)
	}
	return loc, nil
}
