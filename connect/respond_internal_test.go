package connect

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway"
)

// An SDK error carries the NestJS fields the Paragon SDK reads and Graph's
// envelope a Graph SDK decodes; a database that is down answers 503 with a
// Retry-After, and an internal error's details stay in the log.
func TestErrorShapes(t *testing.T) {
	cases := []struct {
		err        error
		status     int
		code       string
		retryAfter bool
	}{
		{driveway.Errorf(driveway.EUNAVAILABLE, "project: the database is unavailable; try again"), 503, driveway.EUNAVAILABLE, true},
		{driveway.Errorf(driveway.ENOTFOUND, "credential not found"), 404, driveway.ENOTFOUND, false},
		{errors.New("pq: secret internals"), 500, driveway.EINTERNAL, false},
	}
	h := &Handler{}
	for _, c := range cases {
		w := httptest.NewRecorder()
		h.writeError(w, httptest.NewRequest("GET", "/projects/p/sdk/proxy/onedrive/me/drive", nil), c.err)
		var b errorBody
		if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
			t.Fatalf("%v: %v", c.err, err)
		}
		if w.Code != c.status || b.StatusCode != c.status || b.Code != c.code || b.Error.Code != c.code ||
			b.Message == "" || b.Error.Message != b.Message {
			t.Errorf("%v: %d %s, want %d with code %q in both shapes", c.err, w.Code, w.Body, c.status, c.code)
		}
		if got := w.Header().Get("Retry-After") != ""; got != c.retryAfter {
			t.Errorf("%v: Retry-After %q", c.err, w.Header().Get("Retry-After"))
		}
		if c.code == driveway.EINTERNAL && strings.Contains(w.Body.String(), "internals") {
			t.Errorf("an internal error's text reached the caller: %s", w.Body)
		}
	}
}
