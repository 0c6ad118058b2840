package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/ids"
	"github.com/drivewayhq/driveway/internal/testdb"
	"github.com/drivewayhq/driveway/jobs"
)

// stopAfterAnswer is a transport that, once the app's answer is in hand,
// stops the node abruptly and returns the answer only after the job's
// context is cancelled: the moment a node is told to stop while a 2xx is
// on its way back.
type stopAfterAnswer struct {
	base http.RoundTripper
	stop func()
}

func (s stopAfterAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := s.base.RoundTrip(r)
	go s.stop()
	<-r.Context().Done()
	return resp, err
}

// TestAnswerKeptWhenStopping: a 2xx that arrived while the node was
// stopping is recorded, so the node that picks the job up sends nothing
// again. (Before, the answer was discarded as "interrupted" and the app
// got the event twice.)
func TestAnswerKeptWhenStopping(t *testing.T) {
	t.Parallel()
	store := testdb.SQLite(t)
	q, err := jobs.NewSQLite(store.WriterDB(), jobs.Config{FastPoll: true, JobTimeout: 10 * time.Second, RescueStuckJobsAfter: 11 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	var got atomic.Int32
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		got.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer app.Close()
	s, err := New(store, q, Config{AllowLoopback: true, DispatchInterval: time.Hour, Schedule: []time.Duration{time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Register(); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	u, _ := url.Parse(app.URL)
	port, _ := strconv.Atoi(u.Port())
	c := *s.loopbackClient(uint16(port))
	c.Transport = stopAfterAnswer{base: c.Transport, stop: func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		q.Stop(ctx)
		close(stopped)
	}}
	s.loopback.Store(uint16(port), &c)

	pid := ids.New("prj")
	if err := store.CreateProject(t.Context(), &driveway.Project{ID: pid, Name: pid}); err != nil {
		t.Fatal(err)
	}
	hook := app.URL + "/hook"
	if _, _, err := s.CreateEndpoint(t.Context(), pid, EndpointInput{URL: &hook}); err != nil {
		t.Fatal(err)
	}
	e := &driveway.Event{ID: ids.New("evt"), ProjectID: pid, Kind: driveway.EventCredentialStatus, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	err = store.WithTx(t.Context(), func(tx driveway.Tx) error {
		if err := tx.AppendEvent(t.Context(), e); err != nil {
			return err
		}
		return s.Enqueue(t.Context(), tx, e)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("the delivery was not attempted")
	}
	ds, err := s.ListDeliveries(t.Context(), pid, driveway.DeliveryFilter{})
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries: %v, %v", ds, err)
	}
	if ds[0].Status != driveway.DeliverySucceeded || got.Load() != 1 {
		t.Fatalf("after a 2xx during the stop: delivery %s (attempts %d), app got %d requests; want succeeded, 1",
			ds[0].Status, ds[0].Attempts, got.Load())
	}
}
