package gosdk_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/drives"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/proxy"
	"github.com/drivewayhq/driveway/secret"
	"github.com/drivewayhq/driveway/sqlite"
)

const (
	proxyProject   = "prj_gosdk"
	proxyUserToken = "user-token-gosdk" // what the test front end maps to the end user
)

// newProxyEnv is newEnv with Driveway's Graph proxy between the SDK and the
// emulator: the SDK's base URL is the proxy's
// (http://localhost:P/projects/{pid}/sdk/proxy/onedrive/v1.0) and its token
// a Driveway user token; the proxy holds the emulator token in a SQLite
// store. It returns the env and the proxy's URL prefix.
func newProxyEnv(t *testing.T, opts emulator.Options) (*env, string) {
	t.Helper()
	opts.RejectPreAuthAuthorization = true
	emu := emulator.StartTest(t, opts).Emulator
	graphToken := seedUser(t, emu, false)
	users := emu.Users()
	p := &proxy.Proxy{Tokens: storedTokens{store: openProxyStore(t, users[0], graphToken)},
		Resolver:      microsoft.Resolver{Override: &microsoft.Endpoints{Login: emu.LoginURL(), Graph: emu.LoginURL()}},
		DownloadHosts: []string{strings.TrimPrefix(emu.PreAuthURL(), "http://")},
		Logger:        slog.New(slog.DiscardHandler)}
	p.Store = p.Tokens.(storedTokens).store
	front := httptest.NewServer(proxy.Front(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer "+proxyUserToken {
			r = r.WithContext(driveway.WithPrincipal(r.Context(), &driveway.Principal{ProjectID: proxyProject, UserID: "end-user"}))
		}
		p.ServeHTTP(w, r)
	}), http.NotFoundHandler()))
	t.Cleanup(front.Close)
	t.Cleanup(p.CloseIdleConnections)
	base := strings.Replace(front.URL, "127.0.0.1", "localhost", 1) + "/projects/" + proxyProject + "/sdk/proxy/onedrive/"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	e := &env{t: t, emu: emu, rec: &recorder{base: http.DefaultTransport}, ctx: ctx}
	e.client, e.adapter = newClient(t, base+"v1.0", proxyUserToken, e.rec)
	drive, err := e.client.Me().Drive().Get(ctx, nil)
	if err != nil {
		t.Fatalf("GET /me/drive through the proxy: %v", describe(err))
	}
	e.driveID = *drive.GetId()
	root, err := e.client.Drives().ByDriveId(e.driveID).Root().Get(ctx, nil)
	if err != nil {
		t.Fatalf("GET root through the proxy: %v", describe(err))
	}
	e.rootID = *root.GetId()
	return e, base
}

// openProxyStore makes a SQLite store with the project, its OneDrive
// integration, the end user and one VALID credential holding graphToken.
func openProxyStore(t *testing.T, u emulator.User, graphToken string) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	spec, err := secret.GenerateKey()
	mustOK(t, err)
	ring, err := secret.ParseKeyring(spec)
	mustOK(t, err)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "driveway.db"), ring)
	mustOK(t, err)
	t.Cleanup(func() { st.Close() })
	mustOK(t, st.Migrate(ctx))
	mustOK(t, st.CreateProject(ctx, &driveway.Project{ID: proxyProject, Name: "gosdk"}))
	mustOK(t, st.PutIntegration(ctx, &driveway.Integration{ProjectID: proxyProject, ClientID: "unused",
		Scopes: []string{"Files.ReadWrite.All"}, Tenant: driveway.TenantCommon, Cloud: driveway.CloudGlobal, Enabled: true}))
	mustOK(t, st.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: proxyProject, ID: "end-user"}))
	mustOK(t, st.CreateCredential(ctx, &driveway.Credential{ID: "cred_gosdk", ProjectID: proxyProject, UserID: "end-user",
		Integration: driveway.IntegrationOneDrive, Status: driveway.CredentialValid,
		Account: driveway.Account{TenantID: u.TenantID, ObjectID: u.ID, UserPrincipalName: u.UPN}, DriveID: u.DriveID,
		DriveType: driveway.DrivePersonal, AccessToken: graphToken, RefreshToken: "unused", AccessTokenExpiresAt: time.Now().Add(time.Hour)}))
	return st
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// storedTokens hands out the stored access token (no refresh: the tests
// never let it expire).
type storedTokens struct{ store *sqlite.Store }

func (s storedTokens) AccessToken(ctx context.Context, pid, id string) (string, *driveway.Credential, error) {
	c, err := s.store.GetCredential(ctx, pid, id)
	if err != nil {
		return "", nil, err
	}
	return c.AccessToken, c, nil
}

func (s storedTokens) Invalidate(ctx context.Context, pid, id, _ string) (string, *driveway.Credential, error) {
	return s.AccessToken(ctx, pid, id)
}

// TestSDKPagesAndDeltaThroughTheProxy: msgraph-sdk-go with Driveway's proxy
// as its base URL pages a folder of several pages and runs a delta round of
// several pages with its PageIterator, then follows the deltaLink; every
// link leads back through the proxy and the emulator never sees the user
// token.
func TestSDKPagesAndDeltaThroughTheProxy(t *testing.T) {
	t.Parallel()
	e, base := newProxyEnv(t, emulator.Options{})
	owner := e.emu.Users()[0].ID
	for i := range 10 {
		_, err := e.emu.WriteFile(owner, fmt.Sprintf("/Pages/f%02d @ #%d.txt", i, i), []byte("x"))
		mustOK(t, err)
	}
	folder, err := e.client.Drives().ByDriveId(e.driveID).Items().ByDriveItemId("root:/Pages:").Get(e.ctx, nil)
	if err != nil {
		t.Fatalf("GET the folder by path: %v", describe(err))
	}
	first := childrenPage(t, e, *folder.GetId(), 3)
	if next := deref(first.GetOdataNextLink()); !strings.HasPrefix(next, base+"v1.0/") {
		t.Fatalf("nextLink %q does not lead back through the proxy (%s)", next, base)
	}
	if names := iterateNames(t, e, first); len(names) != 10 {
		t.Fatalf("PageIterator saw %d children, want 10: %v", len(names), names)
	}
	top := int32(4)
	delta, err := e.item(e.rootID).Delta().GetAsDeltaGetResponse(e.ctx, &drives.ItemItemsItemDeltaRequestBuilderGetRequestConfiguration{
		QueryParameters: &drives.ItemItemsItemDeltaRequestBuilderGetQueryParameters{Top: &top}})
	if err != nil || delta.GetOdataNextLink() == nil {
		t.Fatalf("delta: %v (want several pages)", describe(err))
	}
	items, link := deltaRound(t, e, delta)
	if len(items) < 12 || !strings.HasPrefix(link, base+"v1.0/") {
		t.Fatalf("delta round: %d items, deltaLink %q", len(items), link)
	}
	_, err = e.emu.WriteFile(owner, "/Pages/new.txt", []byte("new"))
	mustOK(t, err)
	next, _ := deltaRound(t, e, e.deltaFrom(link))
	found := false
	for _, it := range next {
		found = found || deref(it.GetName()) == "new.txt"
	}
	if !found {
		t.Fatalf("the deltaLink round misses new.txt: %d items", len(next))
	}
	if n := e.emu.Counters().UnknownTokens; n != 0 {
		t.Fatalf("the emulator saw %d Graph requests with a token it never issued", n)
	}
	for _, r := range e.rec.since(0) {
		if !strings.HasPrefix(r.Path, "/projects/"+proxyProject+"/") && r.Authorized {
			t.Fatalf("the SDK sent its token to %s%s, not through the proxy", r.Host, r.Path)
		}
	}
}

// TestSDKShapesThroughTheProxy: UPN addressing and names that need
// escaping, by the SDK's own builders, through the proxy.
func TestSDKShapesThroughTheProxy(t *testing.T) {
	t.Parallel()
	e, _ := newProxyEnv(t, emulator.Options{})
	u := e.emu.Users()[0]
	drive, err := e.client.Users().ByUserId(u.UPN).Drive().Get(e.ctx, nil)
	if err != nil || deref(drive.GetId()) != u.DriveID {
		t.Fatalf("users/{UPN}/drive: %v", describe(err))
	}
	for _, name := range []string{"invoice@acme.pdf", "a#b.txt", "100% done.txt", "c++ notes.txt", "Ünïcødé 文件.txt"} {
		_, err := e.emu.WriteFile(u.ID, "/Odd/"+name, []byte(name))
		mustOK(t, err)
		it, err := e.client.Drives().ByDriveId(e.driveID).Items().ByDriveItemId("root:/Odd/"+name+":").Get(e.ctx, nil)
		if err != nil || deref(it.GetName()) != name {
			t.Fatalf("GET root:/Odd/%s: by the SDK through the proxy: %v", name, describe(err))
		}
	}
}
