package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/storetest"
	"github.com/drivewayhq/driveway/usertoken"
)

// imageEnv names the image the container test runs (built by `make image`;
// .ci/run builds it and sets this).
const imageEnv = "DRIVEWAY_TEST_IMAGE"

// TestImageServesAgainstPostgresAndEmulator runs the container image the
// way an operator would: `driveway emulator` and `driveway serve` each in a
// container of the image (host network, so both reach the loopback
// Postgres), checks the image's user and health check, connects a user
// through the install flow and proxies a Graph call.
func TestImageServesAgainstPostgresAndEmulator(t *testing.T) {
	image := os.Getenv(imageEnv)
	if image == "" {
		t.Skipf("%s is not set: skipping the container image test (needs podman; `make image` builds the image, .ci/run runs this)", imageEnv)
	}
	dbURL, _ := storetest.PostgresSchema(t)
	c := newContainers(t, image)
	if user := c.output("image", "inspect", "--format", "{{.Config.User}}", image); user != "65532:65532" {
		t.Fatalf("image user %q, want 65532:65532 (non-root)", user)
	}
	emuPort, port := freePort(t), freePort(t)
	c.start("emu", "--no-healthcheck", "emulator", "--addr", "127.0.0.1:"+emuPort, "--auto-consent")
	emuBase := "http://localhost:" + emuPort
	c.waitReady(emuBase+"/_emulator/state", "emu")
	base := "http://localhost:" + port
	ep := emulatedProject(t, dbURL, emuBase, base)
	// No health-check timer (podman sets those up through systemd); the
	// check itself runs below.
	c.start("serve", "--health-interval", "disable", "-e", "DRIVEWAY_DATABASE_URL="+dbURL, "-e", "DRIVEWAY_SECRET_KEYS="+ep.key,
		"-e", "DRIVEWAY_ADDR=127.0.0.1:"+port, "-e", "DRIVEWAY_PUBLIC_URL="+base,
		"-e", "DRIVEWAY_MICROSOFT_LOGIN_URL="+emuBase, "-e", "DRIVEWAY_MICROSOFT_GRAPH_URL="+emuBase,
		"-e", "DRIVEWAY_MICROSOFT_DOWNLOAD_HOSTS=127.0.0.1:"+emuPort)
	c.waitReady(base+"/readyz", "serve")
	// The image's HEALTHCHECK, run by the runtime inside the container.
	c.output("healthcheck", "run", c.name("serve"))
	connectAndProxy(t, base, ep)
}

// emulatedProject is an emulated Azure app and a Driveway project using it,
// written straight into the database at dbURL, with a user token for "u1".
type emulatedProjectInfo struct {
	key, projectID, token string
}

func emulatedProject(t *testing.T, dbURL, emuBase, base string) emulatedProjectInfo {
	t.Helper()
	ctx := context.Background()
	var tenant struct{ ID string }
	postJSON(t, emuBase+"/_emulator/tenants", map[string]string{"Name": "Contoso", "Domain": "contoso.onmicrosoft.com"}, &tenant)
	postJSON(t, emuBase+"/_emulator/users", map[string]string{"TenantID": tenant.ID, "UPN": "adele@contoso.onmicrosoft.com"}, nil)
	const clientSecret = "image-test-secret-value-1"
	var app struct{ ClientID string }
	postJSON(t, emuBase+"/_emulator/apps", map[string]any{"Name": "Acme", "RedirectURIs": []string{base + "/oauth"},
		"Secrets": []map[string]any{{"Value": clientSecret, "Expires": time.Now().AddDate(1, 0, 0)}}}, &app)
	key := mustKey(t)
	store, err := postgres.Open(ctx, dbURL, mustRing(t, key))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc := &admin.Service{Store: store, PublicURL: base}
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
	return emulatedProjectInfo{key: key, projectID: p.ID, token: tok}
}

// connectAndProxy connects u1's OneDrive through the SDK's install flow
// (build-oauth, the emulator's authorize, /oauth) and lists its drive
// through the proxy.
func connectAndProxy(t *testing.T, base string, ep emulatedProjectInfo) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Authorization", "Bearer "+ep.token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	q := url.Values{"action": {"onedrive"}, "userToken": {ep.token}, "oauthMetaKeyId": {"s1"}, "originForPostMessage": {base}}
	_, body := get(base + "/v2/projects/" + ep.projectID + "/sdk/actions/build-oauth?" + q.Encode())
	var built struct{ RedirectURL string }
	if err := json.Unmarshal([]byte(body), &built); err != nil || built.RedirectURL == "" {
		t.Fatalf("build-oauth: %s", body)
	}
	resp, _ := get(built.RedirectURL)
	if resp, body = get(resp.Header.Get("Location")); resp.StatusCode != 200 || !strings.Contains(body, "oauth_success_callback") {
		t.Fatalf("callback: %d %s", resp.StatusCode, body)
	}
	resp, body = get(base + "/projects/" + ep.projectID + "/sdk/proxy/onedrive/me/drive/root/children")
	if resp.StatusCode != 200 || !strings.Contains(body, `"value"`) {
		t.Fatalf("proxied call through the container: %d %.300s", resp.StatusCode, body)
	}
}
