package main

import (
	"strings"
	"testing"
)

// TestRequestLogNamesProjectUserAndCredential: the log line of a proxied
// call names the project, the end user and the credential it acted on (by
// id), and an admin API call its project; neither holds the user token.
func TestRequestLogNamesProjectUserAndCredential(t *testing.T) {
	t.Parallel()
	r, info, dir := startDev(t)
	d := newDevClient(t, r, info, dir, "u-logged")
	credID := d.connect()
	if s, body := d.user("GET", "/projects/"+info.ProjectID+"/sdk/proxy/onedrive/me/drive/root/children", ""); s != 200 {
		t.Fatalf("proxy: %d %s", s, body)
	}
	if s, _ := d.admin("GET", "/api/v1/projects/"+info.ProjectID+"/allowed-origins", ""); s != 200 {
		t.Fatalf("admin: %d", s)
	}
	proxied := logLine(t, r.stderr.String(), "sdk/proxy/onedrive")
	for _, want := range []string{"project=" + info.ProjectID, "user=u-logged", "credential=" + credID} {
		if !strings.Contains(proxied, want) {
			t.Fatalf("the proxied call's log line lacks %q:\n%s", want, proxied)
		}
	}
	if admin := logLine(t, r.stderr.String(), "allowed-origins"); !strings.Contains(admin, "project="+info.ProjectID) {
		t.Fatalf("the admin call's log line does not name its project:\n%s", admin)
	}
	if strings.Contains(r.stderr.String(), d.tok) {
		t.Fatal("a log line holds the user token")
	}
}

// logLine returns the request log line whose route contains route.
func logLine(t *testing.T, logs, route string) string {
	t.Helper()
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "msg=request") && strings.Contains(l, route) {
			return l
		}
	}
	t.Fatalf("no request log line for %s in:\n%s", route, logs)
	return ""
}
