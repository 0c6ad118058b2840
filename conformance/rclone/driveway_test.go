package rclone

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
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
	proxyProject = "prj_rclone"
	proxyUser    = "rclone-user"
	proxyKeyID   = "rclone-key"
)

// startDrivewayProxy serves Driveway's proxy (proxy.Proxy on a SQLite store,
// behind the user-token check of the SDK API) in front of w's emulator, and
// returns the interceptor route that sends Graph requests to it: the path
// gets the proxy prefix and rclone's Microsoft token is replaced by a
// Driveway user token, as an app that moved its Graph calls behind Driveway
// would send.
func startDrivewayProxy(t *testing.T, w *world) route {
	t.Helper()
	ctx := context.Background()
	spec, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	ring, err := secret.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "driveway.db"), ring)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	userToken := seedDriveway(t, st, w)
	emuURL := "http://" + w.emu.Addr
	// Downloads are followed to the pre-authenticated host through the
	// interceptor; the transport dials loopback addresses only.
	p := &proxy.Proxy{Tokens: &emulatorTokens{store: st, emu: w.emu.Emulator, user: w.user.ID, clientID: w.app.ClientID},
		Store: st, DownloadHosts: []string{preAuthHost}, Transport: w.ic.confine(t, proxy.NewTransport()),
		Resolver: microsoft.Resolver{Override: &microsoft.Endpoints{Login: emuURL, Graph: emuURL}}}
	verifier := &usertoken.Verifier{Keys: st.ListSigningKeys}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			if v, err := verifier.Verify(r.Context(), proxyProject, bearer); err == nil {
				r = r.WithContext(driveway.WithPrincipal(r.Context(), &driveway.Principal{ProjectID: v.ProjectID, UserID: v.Subject, Claims: v.Claims}))
			}
		}
		p.ServeHTTP(rw, r)
	}))
	t.Cleanup(srv.Close)
	target, _ := url.Parse(srv.URL + "/projects/" + proxyProject + "/sdk/proxy/onedrive")
	return route{target: target, header: func(h http.Header) { h.Set("Authorization", "Bearer "+userToken) }}
}

// seedDriveway creates the project, integration, signing key, end user and
// credential, and returns a signed user token.
func seedDriveway(t *testing.T, st *sqlite.Store, w *world) string {
	t.Helper()
	ctx := context.Background()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	tok, err := w.emu.IssueAccessToken(w.user.ID, w.app.ClientID, rcloneScopes...)
	if err != nil {
		t.Fatal(err)
	}
	driveType := driveway.DrivePersonal
	if w.mode == emulator.ModeBusiness {
		driveType = driveway.DriveBusiness
	}
	for _, err := range []error{
		st.CreateProject(ctx, &driveway.Project{ID: proxyProject, Name: "rclone"}),
		st.PutIntegration(ctx, &driveway.Integration{ProjectID: proxyProject, ClientID: w.app.ClientID, Scopes: rcloneScopes,
			Tenant: driveway.TenantCommon, Cloud: driveway.CloudGlobal, Enabled: true}),
		st.CreateSigningKey(ctx, &driveway.SigningKey{ProjectID: proxyProject, ID: proxyKeyID, Alg: driveway.AlgES256,
			PublicKey: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))}),
		st.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: proxyProject, ID: proxyUser}),
		st.CreateCredential(ctx, &driveway.Credential{ID: "cred_rclone", ProjectID: proxyProject, UserID: proxyUser,
			Integration: driveway.IntegrationOneDrive, Status: driveway.CredentialValid,
			Account: driveway.Account{TenantID: w.user.TenantID, ObjectID: w.user.ID, UserPrincipalName: w.user.UPN},
			DriveID: w.user.DriveID, DriveType: driveType, AccessToken: tok, RefreshToken: "unused",
			AccessTokenExpiresAt: time.Now().Add(time.Hour)}),
	} {
		if err != nil {
			t.Fatalf("seed Driveway: %v", err)
		}
	}
	ut, err := usertoken.Sign(key, proxyKeyID, usertoken.Claims{Subject: proxyUser, ExpiresAt: time.Now().Add(12 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return ut
}

// emulatorTokens hands the proxy the stored access token and, after a Graph
// 401, a new one minted by the emulator (Driveway's refresh is tested
// elsewhere; here the proxy's Graph path is under test).
type emulatorTokens struct {
	store          driveway.Store
	emu            *emulator.Emulator
	user, clientID string
	mu             sync.Mutex
}

func (e *emulatorTokens) AccessToken(ctx context.Context, pid, id string) (string, *driveway.Credential, error) {
	c, err := e.store.GetCredential(ctx, pid, id)
	if err != nil {
		return "", nil, err
	}
	return c.AccessToken, c, nil
}

func (e *emulatorTokens) Invalidate(ctx context.Context, pid, id, stale string) (string, *driveway.Credential, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.store.GetCredential(ctx, pid, id)
	if err != nil || c.AccessToken != stale {
		return c.AccessToken, c, err
	}
	if c.AccessToken, err = e.emu.IssueAccessToken(e.user, e.clientID, rcloneScopes...); err != nil {
		return "", c, driveway.Errorf(driveway.EUNAVAILABLE, "refresh failed")
	}
	c.AccessTokenExpiresAt = time.Now().Add(time.Hour)
	return c.AccessToken, c, e.store.UpdateCredential(ctx, c)
}
