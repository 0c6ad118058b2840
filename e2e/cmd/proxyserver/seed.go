package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/proxy"
	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/sqlite"
	"github.com/drivewayhq/driveway/usertoken"
)

const (
	projectID = "prj_e2e"
	endUserID = "e2e-user"
	keyID     = "e2e-key"
)

var graphScopes = []string{"Files.ReadWrite.All", "User.Read"}

// world is the seeded state and the proxy serving it.
type world struct {
	store    *sqlite.Store
	proxy    *proxy.Proxy
	verifier *usertoken.Verifier
	ready    ready
	// work seeds a work account of an emulated tenant with SharePoint
	// sites (emulator.SeedSites) instead of a personal account.
	work bool
}

func seed(ctx context.Context, emu *emulatorServer, dbPath string, logger *slog.Logger, caPEM string, work bool) (*world, error) {
	spec, err := secret.GenerateKey()
	if err != nil {
		return nil, err
	}
	ring, err := secret.ParseKeyring(spec)
	if err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, dbPath, ring)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	w := &world{store: st, verifier: &usertoken.Verifier{Keys: st.ListSigningKeys}, work: work}
	if err := w.seedDirectory(ctx, emu); err != nil {
		st.Close()
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(caPEM))
	tr := proxy.NewTransport()
	tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	w.proxy = &proxy.Proxy{
		Tokens:        &tokens{store: st, emu: emu.Emulator, user: w.ready.EmulatorUserID, clientID: w.ready.ClientID},
		Store:         st,
		Resolver:      microsoft.Resolver{Override: &microsoft.Endpoints{Login: emu.LoginURL(), Graph: emu.LoginURL()}},
		Transport:     tr,
		Logger:        logger,
		DownloadHosts: []string{hostOf(emu.PreAuthURL())},
	}
	return w, nil
}

// seedDirectory creates the emulator's app and user, and Driveway's
// project, integration, signing key, end user and credential, and signs a
// user token.
func (w *world) seedDirectory(ctx context.Context, emu *emulatorServer) error {
	app, err := emu.CreateApp(emulator.AppSpec{Name: "Driveway e2e", RedirectURIs: []string{"http://localhost/oauth"}})
	if err != nil {
		return fmt.Errorf("seed app: %w", err)
	}
	u, driveType, err := w.seedUser(emu)
	if err != nil {
		return fmt.Errorf("seed user: %w", err)
	}
	tok, err := emu.IssueAccessToken(u.ID, app.ClientID, graphScopes...)
	if err != nil {
		return fmt.Errorf("seed token: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	now := time.Now()
	steps := []error{
		w.store.CreateProject(ctx, &driveway.Project{ID: projectID, Name: "e2e"}),
		w.store.PutIntegration(ctx, &driveway.Integration{ProjectID: projectID, ClientID: app.ClientID, Scopes: append(graphScopes, "offline_access"),
			Tenant: driveway.TenantCommon, Cloud: driveway.CloudGlobal, Enabled: true}),
		w.store.CreateSigningKey(ctx, &driveway.SigningKey{ProjectID: projectID, ID: keyID, Alg: driveway.AlgES256,
			PublicKey: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))}),
		w.store.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: projectID, ID: endUserID}),
		w.store.CreateCredential(ctx, &driveway.Credential{ID: "cred_e2e", ProjectID: projectID, UserID: endUserID,
			Integration: driveway.IntegrationOneDrive, Status: driveway.CredentialValid,
			Account: driveway.Account{TenantID: u.TenantID, ObjectID: u.ID, UserPrincipalName: u.UPN}, DriveID: u.DriveID,
			DriveType: driveType, AccessToken: tok, RefreshToken: "unused", AccessTokenExpiresAt: now.Add(time.Hour)}),
	}
	for _, err := range steps {
		if err != nil {
			return fmt.Errorf("seed store: %w", err)
		}
	}
	ut, err := usertoken.Sign(key, keyID, usertoken.Claims{Subject: endUserID, ExpiresAt: now.Add(12 * time.Hour)})
	if err != nil {
		return err
	}
	w.ready = ready{ProjectID: projectID, UserToken: ut, GraphToken: tok, EmulatorUserID: u.ID, DriveID: u.DriveID, ClientID: app.ClientID}
	return nil
}

// seedUser creates the end user's account: personal, or with -work a work
// account whose tenant has the demo SharePoint sites.
func (w *world) seedUser(emu *emulatorServer) (emulator.User, string, error) {
	if !w.work {
		u, err := emu.CreateUser(emulator.UserSpec{UPN: "e2e@outlook.com", DisplayName: "E2E"})
		return u, driveway.DrivePersonal, err
	}
	t, err := emu.CreateTenant(emulator.TenantSpec{Name: "Contoso", Domain: "contoso.onmicrosoft.com"})
	if err != nil {
		return emulator.User{}, "", err
	}
	u, err := emu.CreateUser(emulator.UserSpec{TenantID: t.ID, UPN: "alex@contoso.onmicrosoft.com", DisplayName: "Alex Wilber"})
	if err == nil {
		err = emu.SeedSites(t.ID, u.UPN)
	}
	return u, driveway.DriveBusiness, err
}

// handler verifies the bearer user token for the project in the path (as
// the SDK API's auth middleware does) and hands the request to the proxy.
func (w *world) handler() http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			rw.WriteHeader(http.StatusNoContent)
			return
		}
		rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/projects/")
		pid, _, _ := strings.Cut(rest, "/")
		bearer, hasBearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if ok && hasBearer {
			if v, err := w.verifier.Verify(r.Context(), pid, bearer); err == nil {
				r = r.WithContext(driveway.WithPrincipal(r.Context(), &driveway.Principal{ProjectID: v.ProjectID, UserID: v.Subject, Claims: v.Claims}))
			}
		}
		w.proxy.ServeHTTP(rw, r)
	})
}

// tokens hands out the stored access token and, after a Graph 401, issues
// a new one from the emulator and stores it.
type tokens struct {
	store          driveway.Store
	emu            *emulator.Emulator
	user, clientID string
	mu             sync.Mutex
}

func (t *tokens) AccessToken(ctx context.Context, pid, id string) (string, *driveway.Credential, error) {
	c, err := t.store.GetCredential(ctx, pid, id)
	if err != nil {
		return "", nil, err
	}
	if c.Status != driveway.CredentialValid {
		return "", c, driveway.Errorf(driveway.EFORBIDDEN, "the OneDrive connection is not valid: the user must reconnect")
	}
	return c.AccessToken, c, nil
}

func (t *tokens) Invalidate(ctx context.Context, pid, id, stale string) (string, *driveway.Credential, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, err := t.store.GetCredential(ctx, pid, id)
	if err != nil {
		return "", nil, err
	}
	if c.AccessToken != stale {
		return c.AccessToken, c, nil
	}
	tok, err := t.emu.IssueAccessToken(t.user, t.clientID, graphScopes...)
	if err != nil {
		return "", c, driveway.Errorf(driveway.EUNAVAILABLE, "refresh failed")
	}
	c.AccessToken, c.AccessTokenExpiresAt = tok, time.Now().Add(time.Hour)
	if err := t.store.UpdateCredential(ctx, c); err != nil {
		return "", c, err
	}
	return tok, c, nil
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}
