package emulator

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/drivewayhq/driveway/internal/browsertest"
)

// pickerHost is a host app's page as Microsoft's samples describe it: it
// opens a popup, form-POSTs access_token to the picker URL carrying the
// filePicker options, takes the MessagePort from "initialize" on its
// channel, activates it, answers authenticate with window.hostToken (an
// error without one), records pick and close.
const pickerHost = `<!doctype html><button id="open">Open</button><script>
window.log = []; window.picked = null; window.pickerClosed = false;
document.getElementById("open").onclick = () => {
  const o = window.pickerOptions, win = window.open("", "Picker", "width=800,height=600");
  const form = win.document.createElement("form");
  form.action = window.pickerURL + "?" + new URLSearchParams({filePicker: JSON.stringify(o)});
  form.method = "POST";
  const i = win.document.createElement("input");
  i.type = "hidden"; i.name = "access_token"; i.value = window.formToken;
  form.append(i); win.document.body.append(form); form.submit();
  window.addEventListener("message", (ev) => {
    if (ev.source !== win || !ev.data || ev.data.type !== "initialize" || ev.data.channelId !== o.messaging.channelId) return;
    const port = ev.ports[0];
    port.onmessage = (m) => {
      const d = m.data; window.log.push(d);
      if (d.type !== "command") return;
      port.postMessage({type: "acknowledge", id: d.id});
      const c = d.data;
      if (c.command === "authenticate" && window.hostToken) port.postMessage({type: "result", id: d.id, data: {result: "token", token: window.hostToken}});
      else if (c.command === "authenticate") port.postMessage({type: "error", id: d.id, data: {message: "no token", command: c.command}});
      else if (c.command === "pick") { window.picked = c.items; port.postMessage({type: "result", id: d.id, data: {result: "success"}}); win.close(); }
      else if (c.command === "close") { window.pickerClosed = true; win.close(); }
    };
    port.postMessage({type: "activate"});
  });
};
</script>`

// pickerEnv is an emulator serving https for the picker's hosts (Chromium
// maps onedrive.live.com and contoso-my.sharepoint.com to it), a host page
// on http://127.0.0.1, a work and a personal user with the same files.
type pickerEnv struct {
	e              *Emulator
	app            App
	biz, personal  User
	hostURL        string
	browser        context.Context
	bizIDs, perIDs map[string]string // path → item id
}

func newPickerEnv(t *testing.T) *pickerEnv {
	browsertest.Require(t)
	cert, _, err := SelfSignedCertificateFor("picker test", []string{"onedrive.live.com", "contoso-my.sharepoint.com"}, time.Hour)
	must(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	p := &pickerEnv{e: New(Options{BaseURL: fmt.Sprintf("https://127.0.0.1:%d", port)})}
	t.Cleanup(func() { p.e.Close() })
	srv := httptest.NewUnstartedServer(p.e)
	srv.Listener.Close()
	srv.Listener = l
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(pickerHost))
	}))
	t.Cleanup(host.Close)
	p.hostURL = host.URL + "/host.html"
	p.seed(t)
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	must(t, err)
	sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	p.browser = browsertest.NewWith(t, 90*time.Second,
		chromedp.Flag("host-resolver-rules", fmt.Sprintf("MAP onedrive.live.com 127.0.0.1:%d, MAP contoso-my.sharepoint.com 127.0.0.1:%d", port, port)),
		chromedp.Flag("ignore-certificate-errors-spki-list", base64.StdEncoding.EncodeToString(sum[:])))
	return p
}

func (p *pickerEnv) seed(t *testing.T) {
	tenant, err := p.e.CreateTenant(TenantSpec{Name: "Contoso", Domain: "contoso.onmicrosoft.com"})
	must(t, err)
	p.biz, err = p.e.CreateUser(UserSpec{TenantID: tenant.ID, UPN: "adele@contoso.onmicrosoft.com"})
	must(t, err)
	p.personal, err = p.e.CreateUser(UserSpec{UPN: "pat@outlook.com"})
	must(t, err)
	p.app, err = p.e.CreateApp(AppSpec{Name: "Picker host"})
	must(t, err)
	p.bizIDs, p.perIDs = map[string]string{}, map[string]string{}
	for _, u := range []struct {
		upn string
		ids map[string]string
	}{{p.biz.UPN, p.bizIDs}, {p.personal.UPN, p.perIDs}} {
		for _, f := range []string{"/Reports/q1.txt", "/Reports/q2.txt", "/Reports/deck.pptx", "/notes.md"} {
			it, err := p.e.WriteFile(u.upn, f, []byte("content of "+f))
			must(t, err)
			u.ids[f] = it.ID
		}
	}
}

func (p *pickerEnv) token(t *testing.T, upn, audience string) string {
	var tok string
	var err error
	if audience == "" {
		tok, err = p.e.IssueAccessToken(upn, p.app.ClientID, "Files.ReadWrite.All")
	} else {
		tok, err = p.e.IssueResourceToken(upn, p.app.ClientID, audience, audience+"/.default")
	}
	must(t, err)
	return tok
}

// open loads the host page, sets the picker URL, options, posted token and
// the token authenticate answers with, clicks Open and returns the popup.
func (p *pickerEnv) open(t *testing.T, pickerURL, options, formToken, hostToken string) context.Context {
	t.Helper()
	setup := fmt.Sprintf(`window.pickerURL = %q; window.pickerOptions = %s; window.pickerOptions.messaging.origin = location.origin;
window.formToken = %q; window.hostToken = %q; true`, pickerURL, options, formToken, hostToken)
	if err := chromedp.Do(p.browser, chromedp.Navigate(p.hostURL)); err != nil {
		t.Fatalf("host page: %v", err)
	}
	if _, err := chromedp.Run(p.browser, chromedp.Evaluate[bool](setup)); err != nil {
		t.Fatalf("host page: %v", err)
	}
	return browsertest.OpenPopup(t, p.browser, chromedp.Click(chromedp.ID("open")))
}

// hostValue evaluates expr in the host page until it is truthy.
func hostValue[T any](t *testing.T, p *pickerEnv, expr string) T {
	t.Helper()
	v, err := chromedp.Run(p.browser, chromedp.Poll[T](expr, chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		log, _ := chromedp.Run(p.browser, chromedp.Evaluate[string](`JSON.stringify(window.log)`))
		t.Fatalf("host page never had %s: %v; messages: %s", expr, err, log)
	}
	return v
}

func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		t.Fatalf("click %s: %v; page: %s", sel, err, body)
	}
}

const bizPicker = "https://contoso-my.sharepoint.com/_layouts/15/FilePicker.aspx"

// TestFilePickerWorkAccountPicksTwoFiles clicks through the work or school
// picker: browse into Reports, pick two files in multiple mode; the host
// receives their ids and drive in Microsoft's pick shape after the
// page-loaded notification.
func TestFilePickerWorkAccountPicksTwoFiles(t *testing.T) {
	p := newPickerEnv(t)
	opts := `{"sdk":"8.0","entry":{"oneDrive":{"files":{}}},"search":{"enabled":true},"messaging":{"channelId":"chan-27"},
"selection":{"mode":"multiple"},"typesAndSources":{"mode":"files","pivots":{"oneDrive":true}}}`
	popup := p.open(t, bizPicker, opts, p.token(t, p.biz.UPN, "https://contoso-my.sharepoint.com"), "")
	click(t, popup, `tr[data-name="Reports"] td.name button`)
	click(t, popup, `tr[data-name="q1.txt"] input`)
	click(t, popup, `tr[data-name="q2.txt"] input`)
	if err := chromedp.Do(popup, browsertest.ClickThatCloses("pick-button")); err != nil {
		t.Fatalf("pick: %v", err)
	}
	picked := hostValue[[]map[string]any](t, p, `window.picked`)
	want(t, "picked", len(picked), 2)
	want(t, "first id", picked[0]["id"], any(p.bizIDs["/Reports/q1.txt"]))
	want(t, "second id", picked[1]["id"], any(p.bizIDs["/Reports/q2.txt"]))
	want(t, "endpoint", picked[0]["@sharePoint.endpoint"], any("https://contoso-my.sharepoint.com/_api/v2.0"))
	if pr, _ := picked[0]["parentReference"].(map[string]any); pr == nil || pr["driveId"] == "" || pr["driveId"] == nil {
		t.Fatalf("no parentReference.driveId in %v", picked[0])
	}
	first := hostValue[string](t, p, `window.log.length && window.log[0].type + ":" + window.log[0].data.notification`)
	want(t, "first message", first, "notification:page-loaded")
}

// TestFilePickerRefusesGraphToken: a Graph token posted to the work or
// school picker, and a Graph token answering its authenticate command
// (which names the tenant's SharePoint), are refused: no items, an error.
func TestFilePickerRefusesGraphToken(t *testing.T) {
	p := newPickerEnv(t)
	graph := p.token(t, p.biz.UPN, "")
	opts := `{"sdk":"8.0","messaging":{"channelId":"c1"}}`
	popup := p.open(t, bizPicker, opts, graph, graph)
	if err := chromedp.Do(popup, chromedp.WaitVisible(chromedp.ID("error"))); err != nil {
		t.Fatalf("no error shown: %v", err)
	}
	msg, _ := chromedp.Run(popup, chromedp.Text(chromedp.ID("error")))
	if !strings.Contains(msg, "Access denied") || !strings.Contains(msg, "audience") {
		t.Fatalf("error = %q", msg)
	}
	auth := hostValue[string](t, p, `(window.log.find(m => m.type === "command" && m.data.command === "authenticate") || {data: null}).data &&
  JSON.stringify(window.log.find(m => m.type === "command" && m.data.command === "authenticate").data)`)
	for _, s := range []string{`"resource":"https://contoso-my.sharepoint.com"`, `"type":"SharePoint"`} {
		if !strings.Contains(auth, s) {
			t.Fatalf("authenticate command %s lacks %s", auth, s)
		}
	}
	rows, _ := chromedp.Run(popup, chromedp.Evaluate[int](`document.querySelectorAll("#items tbody tr").length`))
	want(t, "rows shown with a Graph token", rows, 0)
}

// TestFilePickerPersonalSingleFilteredSearch: the personal picker at
// onedrive.live.com/picker, opened without a posted token, asks the host
// for one naming the consumer OneDrive resource; it hides what the
// filters leave out, keeps one item selected in single mode, searches,
// and picks one file.
func TestFilePickerPersonalSingleFilteredSearch(t *testing.T) {
	p := newPickerEnv(t)
	opts := `{"sdk":"8.0","search":{"enabled":true},"messaging":{"channelId":"p1"},"selection":{"mode":"single"},
"typesAndSources":{"mode":"files","filters":[".txt"]}}`
	popup := p.open(t, "https://onedrive.live.com/picker", opts, "", p.token(t, p.personal.UPN, ConsumerOneDriveResource))
	click(t, popup, `tr[data-name="Reports"] td.name button`)
	click(t, popup, `tr[data-name="q1.txt"] input`)
	click(t, popup, `tr[data-name="q2.txt"] input`)
	names, _ := chromedp.Run(popup, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("#items tbody tr")).map(r => r.dataset.name + (r.classList.contains("selected") ? "*" : "")).join(",")`))
	want(t, "rows (deck.pptx filtered out, one selected)", names, "q1.txt,q2.txt*")
	if err := chromedp.Do(popup, chromedp.SetValue(chromedp.ID("search-box"), "q1"), chromedp.Click(chromedp.ID("search-button")),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#items tbody tr").length === 1`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("search: %v", err)
	}
	click(t, popup, `tr[data-name="q1.txt"] input`)
	if err := chromedp.Do(popup, browsertest.ClickThatCloses("pick-button")); err != nil {
		t.Fatalf("pick: %v", err)
	}
	picked := hostValue[[]map[string]any](t, p, `window.picked`)
	want(t, "picked", len(picked), 1)
	want(t, "id", picked[0]["id"], any(p.perIDs["/Reports/q1.txt"]))
	auth := hostValue[string](t, p, `JSON.stringify(window.log.find(m => m.type === "command" && m.data.command === "authenticate").data)`)
	if !strings.Contains(auth, `"resource":"`+ConsumerOneDriveResource+`"`) {
		t.Fatalf("authenticate command %s", auth)
	}
}

// TestFilePickerCancel: Cancel sends close and picks nothing.
func TestFilePickerCancel(t *testing.T) {
	p := newPickerEnv(t)
	popup := p.open(t, bizPicker, `{"sdk":"8.0","messaging":{"channelId":"c2"}}`, p.token(t, p.biz.UPN, "https://contoso-my.sharepoint.com"), "")
	click(t, popup, `tr[data-name="notes.md"] input`)
	_ = chromedp.Do(popup, chromedp.Click(chromedp.ID("close-button")))
	want(t, "closed", hostValue[bool](t, p, `window.pickerClosed`), true)
	picked, _ := chromedp.Run(p.browser, chromedp.Evaluate[bool](`window.picked === null`))
	want(t, "nothing picked", picked, true)
}
