package dashboard_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestSigningKeys(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login()
	page := b.projectPath("/signing-keys")
	resp, body := b.get(page)
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, "No signing keys yet")

	// Generate: the private key is in this response only.
	resp, body = b.post(page, page+"/generate", url.Values{"alg": {"ES256"}, "audience": {"acme"}})
	wantStatus(t, resp, http.StatusOK, body)
	priv := regexp.MustCompile(`(?s)-----BEGIN PRIVATE KEY-----.*?-----END PRIVATE KEY-----`).FindString(body)
	if priv == "" {
		t.Fatalf("the generate response shows no private key:\n%s", body)
	}
	keys, err := b.svc.Store.ListSigningKeys(t.Context(), b.project.ID)
	if err != nil || len(keys) != 1 || keys[0].Alg != "ES256" || keys[0].Audience != "acme" {
		t.Fatalf("keys after generate: %+v (%v)", keys, err)
	}
	_, body = b.get(page)
	if strings.Contains(body, "PRIVATE KEY") {
		t.Fatal("the private key shows again")
	}
	wantContains(t, body, "<code>"+keys[0].ID+"</code>")

	// Add a public key; a bad PEM gets its message beside the field.
	resp, body = b.post(page, page, url.Values{"pem": {"not a key"}, "id": {"mine"}})
	wantStatus(t, resp, http.StatusBadRequest, body)
	wantContains(t, body, `name="id" value="mine"`)
	if msg := fieldMessage(t, body, "pem"); !strings.Contains(msg, "PEM") {
		t.Fatalf("the message beside pem is %q", msg)
	}
	resp, body = b.post(page, page, url.Values{"pem": {publicPEM(t)}, "id": {"mine"}})
	wantStatus(t, resp, http.StatusSeeOther, body)
	wantLocation(t, resp, page+"?done=added")

	resp, body = b.post(page, page+"/mine/delete", url.Values{})
	wantStatus(t, resp, http.StatusSeeOther, body)
	keys, _ = b.svc.Store.ListSigningKeys(t.Context(), b.project.ID)
	if len(keys) != 1 || keys[0].ID == "mine" {
		t.Fatalf("keys after deleting mine: %+v", keys)
	}
}

func publicPEM(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	der, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login()
	page := b.projectPath("/api-keys")
	resp, body := b.post(page, page, url.Values{"name": {"CI deploy"}})
	wantStatus(t, resp, http.StatusOK, body)
	secret := regexp.MustCompile(`dwk_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`).FindString(body)
	if secret == "" {
		t.Fatalf("the create response shows no secret:\n%s", body)
	}
	k, err := b.svc.AuthenticateAPIKey(t.Context(), secret, "127.0.0.1")
	if err != nil || k.ProjectID != b.project.ID {
		t.Fatalf("the shown secret does not authenticate for the project: %v", err)
	}
	_, body = b.get(page)
	if strings.Contains(body, secret) {
		t.Fatal("the API key secret shows again")
	}
	wantContains(t, body, "CI deploy")
	wantContains(t, body, `class="badge ok">active`)

	resp, body = b.post(page, page+"/"+k.ID+"/revoke", url.Values{})
	wantStatus(t, resp, http.StatusSeeOther, body)
	if _, err := b.svc.AuthenticateAPIKey(t.Context(), secret, "127.0.0.1"); err == nil {
		t.Fatal("a revoked key still authenticates")
	}
	_, body = b.get(page + "?done=revoked")
	wantContains(t, body, "API key revoked.")
	wantContains(t, body, `class="badge">revoked`)

	resp, body = b.post(page, page, url.Values{"name": {strings.Repeat("n", 201)}})
	wantStatus(t, resp, http.StatusBadRequest, body)
	if msg := fieldMessage(t, body, "name"); !strings.Contains(msg, "200 characters") {
		t.Fatalf("the message beside name is %q", msg)
	}
}

func TestProjects(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.login()
	resp, body := b.get("/dashboard/")
	wantStatus(t, resp, http.StatusOK, body)
	wantContains(t, body, "Acme Docs")
	wantContains(t, body, `<span class="badge">not configured</span>`)

	resp, body = b.post("/dashboard/", "/dashboard/projects", url.Values{"name": {"  "}})
	wantStatus(t, resp, http.StatusBadRequest, body)
	if msg := fieldMessage(t, body, "name"); msg != "name is required" {
		t.Fatalf("the message beside name is %q", msg)
	}
	resp, body = b.post("/dashboard/", "/dashboard/projects", url.Values{"name": {"Second"}})
	wantStatus(t, resp, http.StatusSeeOther, body)
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/dashboard/projects/prj_") || !strings.HasSuffix(loc, "/onedrive") {
		t.Fatalf("after create: Location %q, want the new project's OneDrive page", loc)
	}

	page := b.projectPath("")
	resp, body = b.post(page, page, url.Values{"name": {"Acme"}, "origins": {"https://app.acme.test\nftp://x"}})
	wantStatus(t, resp, http.StatusBadRequest, body)
	wantContains(t, body, "https://app.acme.test\nftp://x</textarea>")
	if msg := fieldMessage(t, body, "origins"); !strings.Contains(msg, "scheme must be https") {
		t.Fatalf("the message beside origins is %q", msg)
	}
	resp, body = b.post(page, page, url.Values{"name": {"Acme"}, "origins": {"https://App.Acme.test\n\nhttp://localhost:3000\n"}})
	wantStatus(t, resp, http.StatusSeeOther, body)
	p, err := b.svc.Store.GetProject(t.Context(), b.project.ID)
	if err != nil || p.Name != "Acme" || strings.Join(p.AllowedOrigins, " ") != "https://app.acme.test http://localhost:3000" {
		t.Fatalf("project after save: %+v (%v)", p, err)
	}

	resp, body = b.get("/dashboard/projects/prj_nope/onedrive")
	wantStatus(t, resp, http.StatusNotFound, body)
}
