package filechange

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
)

// timingStore is the real store, adding up the time intake spends in it.
type timingStore struct {
	driveway.Store
	spent atomic.Int64 // nanoseconds
}

func (s *timingStore) time(start time.Time) { s.spent.Add(int64(time.Since(start))) }

func (s *timingStore) FindDriveWatch(ctx context.Context, id string) (*driveway.DriveWatch, error) {
	defer s.time(time.Now())
	return s.Store.FindDriveWatch(ctx, id)
}

func (s *timingStore) FindDriveWatches(ctx context.Context, ids []string) ([]*driveway.DriveWatch, error) {
	defer s.time(time.Now())
	return s.Store.FindDriveWatches(ctx, ids)
}

func (s *timingStore) WithTx(ctx context.Context, fn func(driveway.Tx) error) error {
	defer s.time(time.Now())
	return s.Store.WithTx(ctx, fn)
}

// BenchmarkIntakeDatabaseTime measures, in one run, the database time of
// one POST of each kind: a valid one-entry notification, the hostile body
// of issue 11 (90,000 made-up ids, 3.8 MiB), and the worst body intake
// still reads (MaxNotificationEntries made-up ids); and, once, what the
// hostile body cost before (one lookup per entry). Every POST comes from
// a new source, so that the per-source limit does not hide the cost; the
// job queue is stopped, so that only intake uses the store.
func BenchmarkIntakeDatabaseTime(b *testing.B) {
	for _, engine := range benchEngines {
		b.Run(engine, func(b *testing.B) { benchIntakeDB(b, engine) })
	}
}

func benchIntakeDB(b *testing.B, engine string) {
	db := benchDB(b, engine)
	ts := &timingStore{Store: db.store}
	db.store = ts
	var n atomic.Int64
	e := newEnv(b, db, Options{ClientKey: func(*http.Request) string { return fmt.Sprint(n.Add(1)) }})
	e.watchReady()
	e.stopQueue(e.queue) // no delta rounds: only intake uses the store
	w := e.watch()
	bodies := map[string][]byte{"valid": notifyBody(w.SubscriptionID, w.ClientState),
		"hostile": hostileBody(90000), "capped": forgedBody(MaxNotificationEntries)}
	want := map[string]int{"valid": 202, "hostile": 413, "capped": 202}
	spent := map[string]time.Duration{}
	for b.Loop() {
		for _, kind := range []string{"valid", "hostile", "capped"} {
			before := ts.spent.Load()
			if resp, _ := post(b, e.intake.URL+NotifyPath, bodies[kind]); resp.StatusCode != want[kind] {
				b.Fatalf("%s: status %d, want %d", kind, resp.StatusCode, want[kind])
			}
			spent[kind] += time.Duration(ts.spent.Load() - before)
		}
	}
	per := func(kind string) float64 { return float64(spent[kind].Microseconds()) / float64(b.N) }
	b.ReportMetric(per("valid"), "valid-db-µs/op")
	b.ReportMetric(per("hostile"), "hostile-db-µs/op")
	b.ReportMetric(per("capped"), "capped-db-µs/op")
	b.ReportMetric(per("hostile")/per("valid"), "hostile/valid")
	b.ReportMetric(per("capped")/per("valid"), "capped/valid")
	old := oldHostileCost(b, db.store, 90000)
	b.ReportMetric(float64(old.Microseconds()), "before-hostile-db-µs")
	b.ReportMetric(float64(old.Microseconds())/per("valid"), "before-hostile/valid")
}

// oldHostileCost is the database work the hostile body cost before issue
// 11: one FindDriveWatch per entry (measured once, outside the loop).
func oldHostileCost(b *testing.B, s driveway.Store, n int) time.Duration {
	start := time.Now()
	for i := range n {
		if _, err := s.FindDriveWatch(b.Context(), fmt.Sprint(i)); driveway.ErrorCode(err) != driveway.ENOTFOUND {
			b.Fatalf("lookup %d: %v", i, err)
		}
	}
	return time.Since(start)
}
