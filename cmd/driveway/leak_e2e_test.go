package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestDevFailedRequestLeaksNoSecret is issue 11's reproduction against
// driveway dev: a workflow's HTTP Request step sends a project secret in
// its query to an API that fails. The Request trigger's answer to the end
// user, the run in the admin API and the server's logs hold the secret in
// none of its forms, and the answer holds no internal error text.
func TestDevFailedRequestLeaksNoSecret(t *testing.T) {
	t.Parallel()
	const secret = "s3cr/t+Key=="
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, "failed for "+r.URL.String())
	}))
	t.Cleanup(api.Close)
	r, info, dir := startDev(t)
	d := newDevClient(t, r, info, dir, "u-leak")
	pid := info.ProjectID
	if s, body := d.admin("PUT", "/api/v1/projects/"+pid+"/secrets/API_KEY", `{"value": "`+secret+`"}`); s != 200 {
		t.Fatalf("put secret: %d %s", s, body)
	}
	def := `{"name": "Lookup", "trigger": {"type": "request"}, "steps": [
		{"id": "call", "type": "http_request", "input": {"url": "` + api.URL + `/items", "query": {"api_key": "{{ secrets.API_KEY }}"}}},
		{"id": "reply", "type": "response", "input": {"body": "{{ steps.call.output }}"}}]}`
	if s, body := d.admin("PUT", "/api/v1/projects/"+pid+"/workflows/lookup", def); s != 200 && s != 201 {
		t.Fatalf("save workflow: %d %s", s, body)
	}
	status, answer, hdr := d.do("POST", r.base+"/projects/"+pid+"/sdk/triggers/lookup", d.tok, `{}`)
	var out struct {
		RunID   string `json:"runId"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal([]byte(answer), &out)
	if status != http.StatusBadGateway || out.RunID == "" || hdr.Get("X-Driveway-Run-Id") != out.RunID ||
		out.Message != "the workflow run failed" {
		t.Fatalf("trigger: %d %s; want 502 with the run id and a generic message", status, answer)
	}
	_, detail := d.admin("GET", "/api/v1/projects/"+pid+"/runs/"+out.RunID, "")
	if !strings.Contains(detail, `"failed"`) || !strings.Contains(detail, "/items") || strings.Contains(detail, "api_key=") {
		t.Fatalf("run detail: %s; want the run failed, its error naming the URL's path without the query", detail)
	}
	for where, text := range map[string]string{"the answer": answer, "the run detail": detail,
		"the logs": r.stdout.String() + r.stderr.String()} {
		for _, f := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), `s3cr\/t+Key==`,
			base64.StdEncoding.EncodeToString([]byte(secret)), base64.RawURLEncoding.EncodeToString([]byte(secret))} {
			if strings.Contains(text, f) {
				t.Fatalf("%s holds the secret as %q:\n%s", where, f, text)
			}
		}
	}
}
