package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/audit"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/storetest"
)

// TestAuditChainAcrossNodes: three stores with pools of their own (three
// nodes) on one database append at once; the trail is one unbroken chain
// with every entry in it.
func TestAuditChainAcrossNodes(t *testing.T) {
	t.Parallel()
	url, _ := storetest.PostgresSchema(t)
	ring := testRing(t)
	var nodes []*postgres.Store
	for i := range 3 {
		s, err := postgres.Open(context.Background(), url, ring)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if i == 0 {
			if err := s.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		nodes = append(nodes, s)
	}
	const perWriter, writersPerNode = 20, 4
	var wg sync.WaitGroup
	errs := make(chan error, len(nodes)*writersPerNode*perWriter)
	for n, s := range nodes {
		rec := &audit.Recorder{Store: s}
		for w := range writersPerNode {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := audit.WithActor(context.Background(), audit.Actor{Type: "key", ID: fmt.Sprintf("key_n%dw%d", n, w)})
				for i := range perWriter {
					errs <- rec.Record(ctx, audit.Event{Action: "test.append", Target: fmt.Sprint(i)})
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	rep, err := audit.Verify(context.Background(), nodes[1])
	if err != nil {
		t.Fatal(err)
	}
	want := len(nodes) * writersPerNode * perWriter
	if !rep.OK || rep.Checked != want || rep.HeadSeq != int64(want) {
		t.Fatalf("after %d concurrent appends on %d nodes: %+v", want, len(nodes), rep)
	}
	es, _ := nodes[2].ListAudit(context.Background(), driveway.AuditFilter{Newest: true}, 1)
	if len(es) != 1 || time.Since(es[0].At) > time.Hour {
		t.Fatalf("newest entry: %+v", es)
	}
}
