package emulator

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestFilePickerPageChecksOptions: the page refuses options without SDK
// 8, a messaging origin or a channel id, and never echoes markup from the
// options or the token into the page unescaped.
func TestFilePickerPageChecksOptions(t *testing.T) {
	f := setup(t, Options{})
	post := func(path, options, token string) (int, string) {
		u := f.s.LoginURL() + path + "?" + url.Values{"filePicker": {options}}.Encode()
		resp, err := http.PostForm(u, url.Values{"access_token": {token}})
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, bad := range []string{``, `{`, `{"sdk":"7.2","messaging":{"origin":"https://app.example","channelId":"1"}}`,
		`{"sdk":"8.0","messaging":{"channelId":"1"}}`, `{"sdk":"8.0","messaging":{"origin":"javascript:alert(1)","channelId":"1"}}`,
		`{"sdk":"8.0","messaging":{"origin":"https://app.example"}}`} {
		if st, _ := post("/_layouts/15/FilePicker.aspx", bad, ""); st != 400 {
			t.Errorf("options %q: status %d, want 400", bad, st)
		}
	}
	st, body := post("/picker", `{"sdk":"8.0","messaging":{"origin":"https://app.example","channelId":"</script><script>alert(1)</script>"}}`, `"</script><b>`)
	want(t, "status", st, 200)
	if strings.Contains(body, "</script><script>alert") || strings.Contains(body, "<b>") {
		t.Fatalf("markup from the options reached the page:\n%s", body)
	}
	if resp, err := http.Get(f.s.LoginURL() + "/_api/v2.0/me/drive"); err == nil {
		resp.Body.Close()
		want(t, "picker API without a token", resp.StatusCode, 401)
	}
}
