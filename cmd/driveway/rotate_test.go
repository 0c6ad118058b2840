package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run executes one short command to completion.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
	code := m.Run(context.Background(), args)
	return code, out.String(), errb.String()
}

// TestKeysGenerateAndSecretsRotate registers a key pair from the command
// line, then rotates the keyring: after `secrets rotate` the server opens
// every secret with the new key alone.
func TestKeysGenerateAndSecretsRotate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	oldKey, newKey := mustKey(t), mustKey(t)
	env := map[string]string{"DRIVEWAY_DATA_DIR": dir, "DRIVEWAY_SECRET_KEYS": oldKey}
	if code, _, errs := run(t, env, "migrate"); code != 0 {
		t.Fatalf("migrate: %d %s", code, errs)
	}
	// A project with a sealed client secret, made through a dev-like server.
	r := start(t, env, "serve", "--addr", "127.0.0.1:0")
	db, err := openDatabase(context.Background(), &Config{Database: "sqlite:" + filepath.Join(dir, "driveway.db")}, mustRing(t, oldKey), nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := newAdmin(db)
	p, err := svc.CreateProject(context.Background(), projectInput("Rotate me"))
	if err != nil {
		t.Fatal(err)
	}
	_, apiKey, err := svc.CreateAPIKey(context.Background(), "", "t")
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	put := `{"clientId":"c1","clientSecrets":[{"value":"secret-before-rotation","expiresAt":"2099-01-01T00:00:00Z"}]}`
	req, _ := http.NewRequest("PUT", r.base+"/api/v1/projects/"+p.ID+"/integrations/onedrive", strings.NewReader(put))
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("PUT settings: %v %v", err, resp.Status)
	}
	resp.Body.Close()
	r.stop(t)

	// keys generate registers a key pair and writes the private key.
	keyFile := filepath.Join(dir, "k.pem")
	code, out, errs := run(t, env, "keys", "generate", "--project", p.ID, "--alg", "RS256", "--out", keyFile)
	if code != 0 || !strings.Contains(out, "registered key") {
		t.Fatalf("keys generate: %d %s %s", code, out, errs)
	}
	if st, err := os.Stat(keyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key file: %v %v", st, err)
	}
	if code, _, _ := run(t, env, "keys", "generate", "--project", "prj_nope"); code == 0 {
		t.Fatal("keys generate for an unknown project succeeded")
	}

	// Rotate: new key first, old key still there to open.
	env["DRIVEWAY_SECRET_KEYS"] = newKey + "," + oldKey
	code, out, errs = run(t, env, "secrets", "rotate")
	if code != 0 || !strings.Contains(out, "re-sealed") {
		t.Fatalf("rotate: %d %s %s", code, out, errs)
	}
	// Now the new key alone opens everything.
	env["DRIVEWAY_SECRET_KEYS"] = newKey
	r2 := start(t, env, "serve", "--addr", "127.0.0.1:0")
	req, _ = http.NewRequest("GET", r2.base+"/api/v1/projects/"+p.ID+"/integrations/onedrive", nil)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if resp.StatusCode != 200 || got["clientId"] != "c1" {
		t.Fatalf("settings after rotation with only the new key: %d %v", resp.StatusCode, got)
	}
	// Running it again finds nothing to do.
	code, out, _ = run(t, env, "secrets", "rotate")
	if code != 0 || !strings.Contains(out, "re-sealed 0") {
		t.Fatalf("second rotate: %d %s", code, out)
	}
}
