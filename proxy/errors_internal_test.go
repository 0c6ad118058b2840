package proxy

import (
	"encoding/json"
	"testing"

	"github.com/drivewayhq/driveway"
)

// A dependency that is down (the database restarting) is a Graph-shaped 503
// with a Retry-After, so Graph clients back off and retry.
func TestUnavailableIsA503WithRetryAfter(t *testing.T) {
	status, h, body := errorResponse(driveway.Errorf(driveway.EUNAVAILABLE, "credential: the database is unavailable; try again"))
	var b errorBody
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatal(err)
	}
	if status != 503 || h.Get("Retry-After") == "" || b.Error.Code != driveway.EUNAVAILABLE || b.Error.Message == "" {
		t.Fatalf("got %d %v %s, want a 503 with Retry-After and Graph's envelope", status, h, body)
	}
}
