package action_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/action"
	"github.com/drivewayhq/driveway/microsoft"
)

// BenchmarkSaveFileStream posts a multipart Save File of 256 MiB (1 GiB
// with DRIVEWAY_TEST_1GIB=1) to the Actions API, which streams it into an
// upload session on the emulator (a child process), and, side by side, a
// direct upload of the same bytes: one upload session filled with a bare
// PUT loop of 10 MiB fragments. It reports both throughputs and their
// ratio (save/direct).
func BenchmarkSaveFileStream(b *testing.B) {
	size := int64(256 << 20)
	if os.Getenv(big1GiBEnv) == "1" {
		size = 1 << 30
	}
	child := startChild(b)
	front, dc := saveFront(b, child)
	var save, direct time.Duration
	for b.Loop() {
		start := time.Now()
		body, ctype := multipartBody(b, fmt.Sprintf(`{"name":"bench.bin","size":%d}`, size), "bench.bin", &pattern{left: size})
		req, _ := http.NewRequestWithContext(b.Context(), http.MethodPost, front.URL+"/projects/"+projectID+"/actions", body)
		req.Header.Set("Authorization", "Bearer user-token-alice")
		req.Header.Set("Content-Type", ctype)
		if status, _, raw := do(b, req); status != 200 {
			b.Fatalf("save: %d %s", status, raw)
		}
		save += time.Since(start)
		start = time.Now()
		if err := directUpload(b.Context(), dc, size); err != nil {
			b.Fatal(err)
		}
		direct += time.Since(start)
	}
	mib := float64(size) / (1 << 20) * float64(b.N)
	b.ReportMetric(mib/save.Seconds(), "save-MiB/s")
	b.ReportMetric(mib/direct.Seconds(), "direct-MiB/s")
	b.ReportMetric(direct.Seconds()/save.Seconds(), "save/direct")
}

// saveFront serves the Actions API on the child emulator and returns a
// drive client for direct uploads.
func saveFront(b *testing.B, child childEmulator) (*httptest.Server, *microsoft.DriveClient) {
	store := openStore(b)
	ctx := b.Context()
	must(b, "project", store.CreateProject(ctx, &driveway.Project{ID: projectID, Name: "bench"}))
	must(b, "integration", store.PutIntegration(ctx, &driveway.Integration{ProjectID: projectID, ClientID: "c", Tenant: driveway.TenantCommon,
		Cloud: driveway.CloudGlobal, Enabled: true}))
	must(b, "user", store.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: projectID, ID: "alice"}))
	must(b, "credential", store.CreateCredential(ctx, &driveway.Credential{ID: "cred_bench", ProjectID: projectID, UserID: "alice",
		Integration: driveway.IntegrationOneDrive, Status: driveway.CredentialValid, AccessToken: "x", RefreshToken: "x",
		AccessTokenExpiresAt: time.Now().Add(time.Hour)}))
	cat, err := action.NewCatalogue()
	must(b, "catalogue", err)
	ex := &action.Executor{Catalogue: cat, Store: store, Tokens: fixedTokens{store: store, token: child.Token},
		Resolver: microsoft.Resolver{Override: &microsoft.Endpoints{Login: child.BaseURL, Graph: child.BaseURL}}}
	mux := http.NewServeMux()
	for _, r := range ex.Routes() {
		mux.Handle(r.Pattern, withPrincipal(r.Handler))
	}
	front := httptest.NewServer(mux)
	b.Cleanup(front.Close)
	dc, err := microsoft.NewDriveClient(microsoft.DriveOptions{BaseURL: child.BaseURL + "/v1.0",
		Token: func(context.Context) (string, error) { return child.Token, nil }})
	must(b, "drive client", err)
	return front, dc
}

// directUpload fills one upload session with a bare PUT loop.
func directUpload(ctx context.Context, dc *microsoft.DriveClient, size int64) error {
	s, err := dc.CreateUploadSession(ctx, microsoft.ByPath("/direct.bin"), microsoft.ConflictReplace, "")
	if err != nil {
		return err
	}
	const frag = 10 << 20
	src := &pattern{left: size}
	buf := make([]byte, frag)
	for off := int64(0); off < size; off += frag {
		n := min(frag, size-off)
		if _, err := io.ReadFull(src, buf[:n]); err != nil {
			return err
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPut, s.UploadURL, bytes.NewReader(buf[:n]))
		req.ContentLength = n
		req.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", off, off+n-1, size))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		var ignored json.RawMessage
		_ = json.NewDecoder(res.Body).Decode(&ignored)
		res.Body.Close()
		if res.StatusCode >= 300 {
			return fmt.Errorf("direct fragment at %d: %d", off, res.StatusCode)
		}
	}
	return nil
}
