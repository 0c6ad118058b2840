package filechange

import (
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// TestDeltaRetryStaysShort: a drive's delta job that has failed many
// times over its life (transient Graph errors between snoozes) is tried
// again within maxDeltaRetry, not after River's (errors+1)⁴ seconds (10
// errors: over 4 hours), during which the drive's changes would wait.
func TestDeltaRetryStaysShort(t *testing.T) {
	w := &deltaWorker{}
	for _, n := range []int{0, 1, 3, 10, 24} {
		job := &river.Job[DeltaArgs]{JobRow: &rivertype.JobRow{Errors: make([]rivertype.AttemptError, n)}}
		next := w.NextRetry(job)
		if next.IsZero() || time.Until(next) > maxDeltaRetry {
			t.Errorf("after %d errors the next try is %v away; want at most %s", n, time.Until(next).Round(time.Second), maxDeltaRetry)
		}
	}
}
