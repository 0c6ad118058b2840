package microsoft_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
)

var modes = []string{emulator.ModePersonal, emulator.ModeBusiness}

// fixture is one emulator, one user and a DriveClient on their drive,
// with a tap on the client's transport.
type fixture struct {
	s           *emulator.Server
	user        emulator.User
	c           *microsoft.DriveClient
	tap         *tap
	invalidated atomic.Int32
	// accessToken is the user's current token.
	accessToken func(context.Context) (string, error)
}

func newFixture(t *testing.T, mode string, eo emulator.Options, do microsoft.DriveOptions) *fixture {
	t.Helper()
	eo.RejectPreAuthAuthorization = true
	s := emulator.StartTest(t, eo)
	spec := emulator.UserSpec{UPN: "adele@outlook.com"}
	if mode == emulator.ModeBusiness {
		tenant, err := s.CreateTenant(emulator.TenantSpec{Name: "Contoso"})
		if err != nil {
			t.Fatalf("create tenant: %v", err)
		}
		spec = emulator.UserSpec{TenantID: tenant.ID, UPN: "adele@contoso.onmicrosoft.com"}
	}
	user, err := s.CreateUser(spec)
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	app, err := s.CreateApp(emulator.AppSpec{Name: "driveway test"})
	if err != nil {
		t.Fatalf("create app: %v", err)
	}
	f := &fixture{s: s, user: user, tap: &tap{base: http.DefaultTransport.(*http.Transport).Clone()}}
	var mu sync.Mutex
	token, err := s.IssueAccessToken(user.ID, app.ClientID)
	if err != nil {
		t.Fatalf("issue token: %v", err)
	}
	do.BaseURL = s.GraphURL()
	do.HTTP = &http.Client{Transport: f.tap}
	do.Token = func(context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		return token, nil
	}
	do.Invalidate = func(context.Context, string) {
		f.invalidated.Add(1)
		mu.Lock()
		defer mu.Unlock()
		token, _ = s.IssueAccessToken(user.ID, app.ClientID)
	}
	f.accessToken = do.Token
	if do.PollInterval == 0 {
		do.PollInterval = 5 * time.Millisecond
	}
	f.c, err = microsoft.NewDriveClient(do)
	if err != nil {
		t.Fatalf("new drive client: %v", err)
	}
	return f
}

func (f *fixture) write(t *testing.T, path, content string) emulator.ItemInfo {
	t.Helper()
	info, err := f.s.WriteFile(f.user.ID, path, []byte(content))
	if err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
	return info
}

func (f *fixture) mkdir(t *testing.T, path string) emulator.ItemInfo {
	t.Helper()
	info, err := f.s.MakeFolder(f.user.ID, path)
	if err != nil {
		t.Fatalf("mkdir %s: %v", path, err)
	}
	return info
}

// tap wraps the client's transport: it records requests and can cut an
// upload or a download part-way, flip a byte, or lose an answer.
type tap struct {
	base http.RoundTripper

	mu   sync.Mutex
	reqs []tapped
	// cutUploadAt cuts (once) the upload fragment that crosses this byte
	// offset of the file, after sending the bytes before it.
	cutUploadAt int64
	// cutDownloadAfter fails (once) a download body after this many bytes.
	cutDownloadAfter int64
	// corruptUpload flips (once) the first byte of a fragment.
	corruptUpload bool
	// loseFragmentAnswer replaces (once) the answer to the fragment
	// starting at this offset with a 500 after Graph committed it.
	loseFragmentAnswer int64
	// staleStatus answers (once) the next upload-session status GET itself,
	// claiming Graph still expects the last fragment sent (as an eventually
	// consistent service may), so the client resends it and meets a 416.
	staleStatus bool
	lastStart   int64
	sent        int64 // upload fragment body bytes read by the transport
}

type tapped struct {
	method, host, path, contentRange, rng string
	auth                                  bool
}

var errCut = errors.New("tap: connection cut")

func (tp *tap) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := tapped{method: req.Method, host: req.URL.Host, path: req.URL.Path,
		contentRange: req.Header.Get("Content-Range"), rng: req.Header.Get("Range"), auth: req.Header.Get("Authorization") != ""}
	tp.mu.Lock()
	tp.reqs = append(tp.reqs, rec)
	fragment := req.Method == http.MethodPut && rec.contentRange != ""
	var start, end int64 = -1, -1
	if fragment {
		start, end = parseRange(rec.contentRange)
		body := &countingReader{r: req.Body, n: &tp.sent, mu: &tp.mu}
		if tp.cutUploadAt > start && tp.cutUploadAt <= end {
			body.cutAfter = tp.cutUploadAt - start
			tp.cutUploadAt = 0
		}
		req.Body = body
	}
	if tp.corruptUpload && req.Method == http.MethodPut && req.Body != nil {
		tp.corruptUpload = false
		if cr, ok := req.Body.(*countingReader); ok {
			cr.flip = true
		} else {
			req.Body = &countingReader{r: req.Body, n: new(int64), mu: new(sync.Mutex), flip: true}
		}
	}
	if fragment {
		tp.lastStart = start
	}
	if tp.staleStatus && req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/_preauth/upload/") {
		tp.staleStatus = false
		body := fmt.Sprintf(`{"expirationDateTime":"2099-01-01T00:00:00Z","nextExpectedRanges":["%d-"]}`, tp.lastStart)
		tp.mu.Unlock()
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
	}
	lose := fragment && tp.loseFragmentAnswer > 0 && start == tp.loseFragmentAnswer
	if lose {
		tp.loseFragmentAnswer = 0
	}
	cutDownload := req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/_preauth/download/") && tp.cutDownloadAfter > 0
	after := tp.cutDownloadAfter
	if cutDownload {
		tp.cutDownloadAfter = 0
	}
	tp.mu.Unlock()
	resp, err := tp.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if lose {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return &http.Response{StatusCode: 500, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
	}
	if cutDownload {
		resp.Body = &cutBody{rc: resp.Body, left: after}
	}
	return resp, nil
}

func (tp *tap) requests() []tapped {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return append([]tapped(nil), tp.reqs...)
}

func (tp *tap) sentBytes() int64 {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return tp.sent
}

// parseRange reads "bytes a-b/total".
func parseRange(v string) (int64, int64) {
	var a, b, total int64
	if _, err := fmt.Sscanf(v, "bytes %d-%d/%d", &a, &b, &total); err != nil {
		return -1, -1
	}
	return a, b
}

// countingReader counts body bytes, and can flip the first byte or fail
// after cutAfter bytes (the transport then drops the connection).
type countingReader struct {
	r        io.ReadCloser
	n        *int64
	mu       *sync.Mutex
	read     int64
	cutAfter int64
	flip     bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.cutAfter > 0 && c.read >= c.cutAfter {
		return 0, errCut
	}
	if c.cutAfter > 0 && int64(len(p)) > c.cutAfter-c.read {
		p = p[:c.cutAfter-c.read]
	}
	n, err := c.r.Read(p)
	if c.flip && c.read == 0 && n > 0 {
		p[0] ^= 0xff
		c.flip = false
	}
	c.read += int64(n)
	c.mu.Lock()
	*c.n += int64(n)
	c.mu.Unlock()
	return n, err
}

func (c *countingReader) Close() error { return c.r.Close() }

// cutBody fails after left bytes, closing the real connection.
type cutBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *cutBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		b.rc.Close()
		return 0, errCut
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cutBody) Close() error { return b.rc.Close() }
