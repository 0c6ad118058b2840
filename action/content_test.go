package action_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/action"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/netguard"
)

func TestSaveFileBase64AndPath(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			b := newBundle(t, mode, opts{})
			b.mustRun(t, "ONEDRIVE_SAVE_FILE", map[string]any{"path": "/In/Deep/bytes.bin", "contentBase64": "AAEC/w=="})
			got, err := b.emu.ReadFile(b.user.ID, "/In/Deep/bytes.bin")
			must(t, "read", err)
			if !bytes.Equal(got, []byte{0, 1, 2, 255}) {
				t.Fatalf("content %v", got)
			}
			_, err = b.run(t, "ONEDRIVE_SAVE_FILE", map[string]any{"name": "two.txt", "content": "a", "contentBase64": "YQ=="})
			if ae := actionErr(t, err); ae.Err.Field != "content" {
				t.Fatalf("two sources: %v", err)
			}
			_, err = b.run(t, "ONEDRIVE_SAVE_FILE", map[string]any{"name": "a/b.txt", "content": "a"})
			if ae := actionErr(t, err); ae.Err.Field != "name" {
				t.Fatalf("slash in name: %v", err)
			}
		})
	}
}

func TestDownloadLink(t *testing.T) {
	t.Parallel()
	now := time.Now()
	var clock atomic.Int64
	b := newBundle(t, emulator.ModeBusiness, opts{exec: func(e *action.Executor) {
		e.MaxInline = 16
		e.Now = func() time.Time { return now.Add(time.Duration(clock.Load())) }
	}})
	content := strings.Repeat("0123456789", 100)
	f := b.write(t, "/big.txt", content)
	out := b.mustRun(t, "ONEDRIVE_DOWNLOAD_FILE", map[string]any{"fileId": f.ID})
	link := field(t, out, "downloadUrl")
	if !strings.HasPrefix(link, b.front.URL+"/projects/"+projectID+"/actions/downloads/") || out["contentBase64"] != nil {
		t.Fatalf("download output %v", out)
	}
	if strings.Contains(link, hostOf(t, b.emu.PreAuthBaseURL)) || strings.Contains(link, "token=") {
		t.Fatalf("link %s points at Graph", link)
	}
	path := strings.TrimPrefix(link, b.front.URL)
	status, hdr, raw := b.get(t, path, false)
	if status != 200 || string(raw) != content || hdr.Get("Cache-Control") != "private, no-store" || hdr.Get("Content-Disposition") != "attachment; filename=big.txt" {
		t.Fatalf("link: %d %q", status, raw[:min(len(raw), 40)])
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, link, nil)
	req.Header.Set("Range", "bytes=10-19")
	status, hdr, raw = do(t, req)
	if status != 206 || string(raw) != "0123456789" || hdr.Get("Content-Range") != "bytes 10-19/1000" {
		t.Fatalf("range: %d %q %q", status, raw, hdr.Get("Content-Range"))
	}
	// A changed byte of the token, another project, or expiry: 404.
	i := strings.LastIndex(path, ".") - 3
	tampered := path[:i] + string(path[i]^1) + path[i+1:]
	for name, p := range map[string]string{"tampered": tampered, "other project": strings.Replace(path, projectID, "prj_other", 1)} {
		if status, _, _ := b.get(t, p, false); status != 404 {
			t.Fatalf("%s link: %d, want 404", name, status)
		}
	}
	clock.Store(int64(action.DefaultLinkTTL + time.Second))
	if status, _, _ := b.get(t, path, false); status != 404 {
		t.Fatalf("expired link: %d, want 404", status)
	}
	clock.Store(0)
	// A disconnected credential ends its links.
	c, err := b.store.GetCredential(t.Context(), projectID, b.cred.ID)
	must(t, "get credential", err)
	c.Status = driveway.CredentialInvalid
	must(t, "invalidate", b.store.UpdateCredential(t.Context(), c))
	if status, _, _ := b.get(t, path, false); status != 404 {
		t.Fatalf("link of an invalid credential: %d, want 404", status)
	}
}

// fakeResolver maps made-up names to addresses; no lookup leaves the
// machine.
type fakeResolver map[string][]netip.Addr

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, fmt.Errorf("fake resolver: no such host %s", host)
}

func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestSaveFileFromURL(t *testing.T) {
	t.Parallel()
	loop := netip.MustParseAddr("127.0.0.1")
	inner, innerHits := countingServer(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "secret metadata") })
	public, publicHits := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, inner.URL+"/latest/meta-data", http.StatusFound)
		case "/chunked":
			w.Write([]byte("part one, "))
			w.(http.Flusher).Flush()
			w.Write([]byte("part two"))
		default:
			fmt.Fprint(w, "public content")
		}
	})
	publicAddr := netip.MustParseAddrPort(strings.TrimPrefix(public.URL, "http://"))
	port := publicAddr.Port()
	b := newBundle(t, emulator.ModePersonal, opts{exec: func(e *action.Executor) {
		e.Fetch = netguard.NewClient(netguard.Config{
			Resolver: fakeResolver{"files.example.test": {loop}, "internal.example.test": {loop}},
			// Only the "public" server may be reached (it stands in for a
			// public host); the inner one is a loopback service.
			AllowAddrPorts: []netip.AddrPort{publicAddr},
		})
	}})
	ok := fmt.Sprintf("http://files.example.test:%d/file.txt", port)
	b.mustRun(t, "ONEDRIVE_SAVE_FILE", map[string]any{"name": "fetched.txt", "url": ok})
	got, err := b.emu.ReadFile(b.user.ID, "/fetched.txt")
	must(t, "read fetched", err)
	wantEqual(t, "fetched", string(got), "public content")
	b.mustRun(t, "ONEDRIVE_SAVE_FILE", map[string]any{"name": "chunked.txt", "url": fmt.Sprintf("http://files.example.test:%d/chunked", port)})
	got, err = b.emu.ReadFile(b.user.ID, "/chunked.txt")
	must(t, "read chunked", err)
	wantEqual(t, "chunked", string(got), "part one, part two")

	innerPort := netip.MustParseAddrPort(strings.TrimPrefix(inner.URL, "http://")).Port()
	for name, u := range map[string]string{
		"name resolving to loopback": fmt.Sprintf("http://internal.example.test:%d/latest/meta-data", innerPort),
		"loopback address":           inner.URL + "/x",
		"redirect to loopback":       fmt.Sprintf("http://files.example.test:%d/redirect", port),
	} {
		before := publicHits.Load()
		_, err := b.run(t, "ONEDRIVE_SAVE_FILE", map[string]any{"name": "stolen.txt", "url": u})
		if ae := actionErr(t, err); ae.Err.Code != driveway.EINVALID || ae.Err.Field != "url" {
			t.Fatalf("%s: %v, want invalid url", name, err)
		}
		if name == "redirect to loopback" && publicHits.Load() != before+1 {
			t.Fatalf("the redirecting server was not asked")
		}
	}
	if n := innerHits.Load(); n != 0 {
		t.Fatalf("the loopback service got %d requests", n)
	}
	if _, err := b.emu.Stat(b.user.ID, "/stolen.txt"); err == nil {
		t.Fatalf("a refused fetch saved a file")
	}
	if !strings.Contains(b.logText(), "loopback") {
		t.Fatalf("the refusal is not logged for operators")
	}
}

func TestMultipartSave(t *testing.T) {
	t.Parallel()
	b := newBundle(t, emulator.ModeBusiness, opts{})
	body, ctype := multipartBody(t, `{"parentId":"root","size":11}`, "hello.txt", strings.NewReader("hello world"))
	status, _, raw := b.post(t, "/projects/"+projectID+"/actions", body, ctype, nil)
	if status != 200 {
		t.Fatalf("multipart save: %d %s", status, raw)
	}
	var it action.Item
	must(t, "decode", json.Unmarshal(raw, &it))
	wantEqual(t, "name", it.Name, "hello.txt")
	got, err := b.emu.ReadFile(b.user.ID, "/hello.txt")
	must(t, "read", err)
	wantEqual(t, "content", string(got), "hello world")
	body, ctype = multipartBody(t, `{"parentId":"root"}`, "nosize.txt", strings.NewReader("x"))
	status, _, raw = b.post(t, "/projects/"+projectID+"/actions", body, ctype, nil)
	if status != 400 || !strings.Contains(string(raw), `"field":"size"`) {
		t.Fatalf("no size: %d %s", status, raw)
	}
}
