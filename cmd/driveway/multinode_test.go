package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/storetest"
	"github.com/drivewayhq/driveway/usertoken"
)

// freePort returns a loopback port nobody listens on right now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// process runs the driveway binary until the test ends.
func process(t *testing.T, bin string, env []string, args ...string) *syncBuffer {
	t.Helper()
	out := &syncBuffer{}
	cmd := exec.Command(bin, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = append(os.Environ(), env...), out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	})
	return out
}

func waitReady(t *testing.T, url string, out *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready within 60 s:\n%s", url, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func postJSON(t *testing.T, url string, in, out any) {
	t.Helper()
	b, _ := json.Marshal(in)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %d %s", url, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("POST %s: %v: %s", url, err, raw)
		}
	}
}

// TestTwoProcessesOnOnePostgresRefreshOnce runs two `driveway serve`
// processes on one Postgres database against a `driveway emulator` process,
// connects a OneDrive account through node A, expires its access token, and
// sends 200 concurrent proxied Graph calls split across both nodes: the
// emulator's token endpoint sees exactly one refresh.
func TestTwoProcessesOnOnePostgresRefreshOnce(t *testing.T) {
	t.Parallel()
	dbURL, _ := storetest.PostgresSchema(t)
	ctx := context.Background()
	bin := filepath.Join(t.TempDir(), "driveway")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	emuPort, portA, portB := freePort(t), freePort(t), freePort(t)
	emuOut := process(t, bin, nil, "emulator", "--addr", "127.0.0.1:"+emuPort, "--auto-consent")
	emuBase := "http://localhost:" + emuPort
	waitReady(t, emuBase+"/_emulator/state", emuOut)

	var tenant struct{ ID string }
	postJSON(t, emuBase+"/_emulator/tenants", map[string]string{"Name": "Contoso", "Domain": "contoso.onmicrosoft.com"}, &tenant)
	postJSON(t, emuBase+"/_emulator/users", map[string]string{"TenantID": tenant.ID, "UPN": "adele@contoso.onmicrosoft.com"}, nil)
	const clientSecret = "multi-node-secret-value-1"
	var app struct{ ClientID string }
	postJSON(t, emuBase+"/_emulator/apps", map[string]any{"Name": "Acme", "RedirectURIs": []string{"http://localhost:" + portA + "/oauth"},
		"Secrets": []map[string]any{{"Value": clientSecret, "Expires": time.Now().AddDate(1, 0, 0)}}}, &app)

	// The project, its OneDrive settings and signing key, straight into the
	// shared database.
	key := mustKey(t)
	store, err := postgres.Open(ctx, dbURL, mustRing(t, key))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc := &admin.Service{Store: store, PublicURL: "http://localhost:" + portA}
	p, err := svc.CreateProject(ctx, admin.ProjectInput{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PutIntegration(ctx, p.ID, admin.IntegrationInput{ClientID: app.ClientID, Scopes: []string{"Files.ReadWrite"},
		ClientSecrets: []admin.ClientSecretInput{{Value: clientSecret, ExpiresAt: time.Now().AddDate(1, 0, 0)}}}); err != nil {
		t.Fatal(err)
	}
	k, priv, err := svc.GenerateSigningKey(ctx, p.ID, driveway.AlgES256, "")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := usertoken.ParsePrivateKey([]byte(priv))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := usertoken.Sign(signer, k.ID, usertoken.Claims{Subject: "u1", ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}

	node := func(port string) string {
		env := []string{"DRIVEWAY_DATABASE_URL=" + dbURL, "DRIVEWAY_SECRET_KEYS=" + key, "DRIVEWAY_ADDR=127.0.0.1:" + port,
			"DRIVEWAY_PUBLIC_URL=http://localhost:" + port, "DRIVEWAY_MICROSOFT_LOGIN_URL=" + emuBase,
			"DRIVEWAY_MICROSOFT_GRAPH_URL=" + emuBase, "DRIVEWAY_MICROSOFT_DOWNLOAD_HOSTS=127.0.0.1:" + emuPort,
			"DRIVEWAY_DATA_DIR=" + t.TempDir()}
		out := process(t, bin, env, "serve")
		base := "http://localhost:" + port
		waitReady(t, base+"/readyz", out)
		return base
	}
	nodeA, nodeB := node(portA), node(portB)

	// Connect through node A: build-oauth, the emulator signs in, /oauth.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	q := url.Values{"action": {"onedrive"}, "userToken": {tok}, "oauthMetaKeyId": {"s1"}, "originForPostMessage": {nodeA}}
	_, body := get(nodeA + "/v2/projects/" + p.ID + "/sdk/actions/build-oauth?" + q.Encode())
	var built struct{ RedirectURL string }
	if err := json.Unmarshal([]byte(body), &built); err != nil || built.RedirectURL == "" {
		t.Fatalf("build-oauth: %s", body)
	}
	resp, _ := get(built.RedirectURL)
	if resp, body = get(resp.Header.Get("Location")); resp.StatusCode != 200 || !strings.Contains(body, "oauth_success_callback") {
		t.Fatalf("callback: %d %s", resp.StatusCode, body)
	}
	if st, out := finishSignIn(t, nodeA, p.ID, tok, body); st != 200 {
		t.Fatalf("finish the sign-in: %d %s", st, out)
	}

	// Expire the stored access token.
	creds, err := store.ListCredentials(ctx, p.ID, "u1")
	if err != nil || len(creds) != 1 {
		t.Fatalf("credentials: %v %d", err, len(creds))
	}
	c := creds[0]
	c.AccessTokenExpiresAt = time.Now().Add(-time.Minute)
	if err := store.UpdateCredential(ctx, c); err != nil {
		t.Fatal(err)
	}
	var before struct{ TokenGrants map[string]int }
	getJSON(t, emuBase+"/_emulator/counters", &before)

	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			base := nodeA
			if i%2 == 1 {
				base = nodeB
			}
			resp, body := get(fmt.Sprintf("%s/projects/%s/sdk/proxy/onedrive/me/drive/root/children?i=%d", base, p.ID, i))
			if resp.StatusCode != 200 {
				if failed.Add(1) < 4 {
					t.Errorf("call %d via %s: %d %s", i, base, resp.StatusCode, body)
				}
			}
		}()
	}
	wg.Wait()
	var after struct{ TokenGrants map[string]int }
	getJSON(t, emuBase+"/_emulator/counters", &after)
	if n := after.TokenGrants["refresh_token"] - before.TokenGrants["refresh_token"]; n != 1 || failed.Load() != 0 {
		t.Fatalf("refresh_token grants during 200 calls on two nodes = %d (want 1); failed calls %d", n, failed.Load())
	}
}

func getJSON(t *testing.T, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}
