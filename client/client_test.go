package client_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/admin"
	"github.com/drivewayhq/driveway/client"
	"github.com/drivewayhq/driveway/httpapi"
	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/sqlite"
	"github.com/drivewayhq/driveway/usertoken"
)

func TestClientAgainstARealServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	spec, _ := secret.GenerateKey()
	ring, err := secret.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), ring)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc := &admin.Service{Store: store, PublicURL: "https://driveway.example.com"}
	_, key, err := svc.CreateAPIKey(ctx, "", "test")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer((&httpapi.Server{Admin: svc}).Handler())
	defer srv.Close()
	c := client.New(srv.URL, key)

	p, err := c.CreateProject(ctx, "Acme", []string{"https://app.acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(90 * 24 * time.Hour)
	s, err := c.PutOneDriveSettings(ctx, p.ID, client.OneDriveSettingsInput{ClientID: "abc-123",
		ClientSecrets: []client.ClientSecretInput{{Value: "s3cret-value-1234", ExpiresAt: &exp}}, Scopes: []string{"Files.Read"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.ClientSecrets) != 1 || s.ClientSecrets[0].Hint != "1234" || s.RedirectURL != "https://driveway.example.com/oauth" {
		t.Fatalf("settings = %+v", s)
	}
	_, err = c.PutOneDriveSettings(ctx, p.ID, client.OneDriveSettingsInput{ClientID: "abc-123", Scopes: []string{"Files Everything!"}})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != 400 || ce.Field != "scopes" {
		t.Fatalf("bad scope: %v", err)
	}

	k, err := c.GenerateSigningKey(ctx, p.ID, "ES256")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := client.NewTokenSigner([]byte(k.PrivateKey), k.ID)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := signer.Sign("user-7", map[string]any{"email": "u7@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	v := &usertoken.Verifier{Keys: store.ListSigningKeys}
	got, err := v.Verify(ctx, p.ID, tok)
	if err != nil || got.Subject != "user-7" || got.Claims["email"] != "u7@acme.test" {
		t.Fatalf("verify = %+v, %v", got, err)
	}
	if err := c.DeleteSigningKey(ctx, p.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, p.ID, tok); err == nil {
		t.Fatal("a token verified after its key was deleted")
	}
	if _, err := client.New(srv.URL, "dwk_wrong.key").Projects(ctx); !errors.As(err, &ce) || ce.Status != 401 {
		t.Fatalf("wrong key: %v", err)
	}
}
