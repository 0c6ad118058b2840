package connect_test

import (
	"fmt"
	"html/template"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/drivewayhq/driveway/internal/browsertest"
)

// drivewayPickerPage is an app page using @driveway/connect's pickFiles;
// it records the SDK API calls that named a picker resource.
var drivewayPickerPage = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>App</title></head>
<body><button id="pick">Pick files</button>
<script type="module">
import { DrivewayConnect } from "/sdk/index.js";
window.result = { resources: [] };
const realFetch = window.fetch;
window.fetch = (input, init) => {
  const u = String(input && input.url || input);
  const m = u.match(/pickerResource=([^&]+)/);
  if (m) window.result.resources.push(decodeURIComponent(m[1]));
  return realFetch(input, init);
};
const dw = new DrivewayConnect({ baseUrl: {{.Driveway}} });
window.dw = dw;
dw.authenticate({{.Project}}, {{.Token}}).then(() => { window.result.ready = true; },
  (e) => { window.result.error = "authenticate: " + e.message; });
document.getElementById("pick").onclick = () => {
  dw.pickFiles("onedrive", { multiple: true, filters: [".txt"], onClose: () => { window.result.closed = true; } })
    .then((items) => { window.result.picked = items; }, (e) => { window.result.pickError = e.message; });
};
window.download = (driveId, id) => dw.request("onedrive", "/drives/" + driveId + "/items/" + id + "/content")
  .then((b) => b.text()).then((t) => { window.result.downloaded = t; }, (e) => { window.result.downloadError = e.message; });
</script></body></html>`))

// TestDrivewaySDKPickFiles: @driveway/connect's pickFiles opens the work
// account's picker, answers its authenticate command (naming the tenant's
// SharePoint) by asking Driveway, resolves with the two files picked in
// Reports (the filter hides deck.pptx), and request() downloads one.
func TestDrivewaySDKPickFiles(t *testing.T) {
	t.Parallel()
	var upn string
	e, ctx := pickerAppWith(t, drivewayPickerPage, func(e *env) string {
		upn = e.user.UPN
		return connectPickerUser(t, e, upn, true)
	})
	popup := browsertest.OpenPopup(t, ctx, chromedp.Click(chromedp.ID("pick")))
	step(t, popup, "browse into Reports", chromedp.Click(chromedp.CSS(`tr[data-name="Reports"] td.name button`)),
		waitJS(`!!document.querySelector('tr[data-name="q1.txt"]') && !document.querySelector('tr[data-name="deck.pptx"]')`))
	step(t, popup, "pick two files", chromedp.Click(chromedp.CSS(`tr[data-name="q1.txt"] input`)),
		chromedp.Click(chromedp.CSS(`tr[data-name="q2.txt"] input`)), browsertest.ClickThatCloses("pick-button"))
	step(t, ctx, "pickFiles resolves", waitJS(`!!window.result.picked && window.result.closed`))
	var res struct {
		Resources                []string
		PickError, DownloadError string
		Downloaded               string
		Picked                   []struct {
			ID              string
			ParentReference struct{ DriveID string }
		}
	}
	readJSON(t, ctx, `JSON.stringify(window.result)`, &res)
	q1, _ := e.emu.Stat(upn, "/Reports/q1.txt")
	q2, _ := e.emu.Stat(upn, "/Reports/q2.txt")
	if len(res.Picked) != 2 || res.Picked[0].ID != q1.ID || res.Picked[1].ID != q2.ID {
		t.Fatalf("picked %+v (error %q), want q1.txt and q2.txt", res.Picked, res.PickError)
	}
	if strings.Join(res.Resources, ",") != "https://contoso-my.sharepoint.com" {
		t.Fatalf("resources asked of Driveway: %v, want the one authenticate command's", res.Resources)
	}
	p := res.Picked[1]
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`download(%q, %q), true`, p.ParentReference.DriveID, p.ID))); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "download through the proxy", waitJS(`window.result.downloaded !== undefined || !!window.result.downloadError`))
	readJSON(t, ctx, `JSON.stringify(window.result)`, &res)
	if want, _ := e.emu.ReadFile(upn, "/Reports/q2.txt"); res.Downloaded != string(want) {
		t.Fatalf("downloaded %q (error %q), want %q", res.Downloaded, res.DownloadError, want)
	}
}
