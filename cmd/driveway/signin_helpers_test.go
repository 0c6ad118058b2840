package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var completionSecret = regexp.MustCompile(`"completion":"([A-Za-z0-9_-]{43})"`)

// finishSignIn does what an SDK does with the /oauth page: it posts the
// page's completion secret to POST /sdk/credentials with the user token
// that started the sign-in, and returns the answer's status and body.
func finishSignIn(t *testing.T, base, projectID, token, page string) (int, string) {
	t.Helper()
	m := completionSecret.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the /oauth page carries no completion secret:\n%s", page)
	}
	req, _ := http.NewRequest("POST", base+"/projects/"+projectID+"/sdk/credentials",
		strings.NewReader(`{"payload":{"completion":"`+m[1]+`"}}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
