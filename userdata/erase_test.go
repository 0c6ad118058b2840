package userdata_test

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/internal/testdb"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/postgres"
	"github.com/drivewayhq/driveway/storetest"
	"github.com/drivewayhq/driveway/userdata"
)

type world struct {
	store    driveway.Store
	newQueue func(t *testing.T) *jobs.Queue
}

func worlds(t *testing.T, fn func(t *testing.T, w *world)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		s := testdb.SQLite(t)
		fn(t, &world{store: s, newQueue: func(t *testing.T) *jobs.Queue {
			q, err := jobs.NewSQLite(s.WriterDB(), jobs.Config{FastPoll: true})
			must(t, "queue", err)
			return q
		}})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		url, _ := storetest.PostgresSchema(t)
		s, err := postgres.Open(t.Context(), url, testdb.Keyring(t))
		must(t, "open", err)
		t.Cleanup(func() { s.Close() })
		must(t, "migrate", s.Migrate(t.Context()))
		fn(t, &world{store: s, newQueue: func(t *testing.T) *jobs.Queue {
			q, err := jobs.NewPostgres(s.Pool(), jobs.Config{FastPoll: true})
			must(t, "queue", err)
			return q
		}})
	})
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// node starts a queue with a user service on w whose Unsubscribe is unsub.
func (w *world) node(t *testing.T, unsub func(ctx context.Context, projectID, credentialID string) error) (*userdata.Service, *jobs.Queue) {
	q := w.newQueue(t)
	must(t, "migrate queue", q.Migrate(t.Context()))
	svc := &userdata.Service{Store: w.store, Queue: q, Unsubscribe: unsub}
	must(t, "register", svc.Register())
	must(t, "start", q.Start(t.Context()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = q.Stop(ctx)
	})
	return svc, q
}

// TestErasureResumesAfterACrash: a node stops in the middle of an
// erasure, after deleting the first account's Graph subscription and
// while Microsoft has not answered for the second; nothing is erased yet.
// Another node takes the job over and finishes it: both subscriptions
// deleted, then every record of the user, none of another user's.
func TestErasureResumesAfterACrash(t *testing.T) {
	t.Parallel()
	worlds(t, func(t *testing.T, w *world) {
		ctx := t.Context()
		seedUser(t, w.store, "gone")
		seedUser(t, w.store, "kept")
		var mu sync.Mutex
		var deleted []string
		blocked := make(chan struct{})
		var once sync.Once
		svc1, q1 := w.node(t, func(ctx context.Context, _, cred string) error {
			if cred == "cred-gone-2" {
				once.Do(func() { close(blocked) })
				<-ctx.Done() // Microsoft does not answer before the node goes down
				return ctx.Err()
			}
			mu.Lock()
			deleted = append(deleted, cred)
			mu.Unlock()
			return nil
		})
		id, err := svc1.Erase(ctx, "prj_1", "gone")
		must(t, "erase", err)
		select {
		case <-blocked:
		case <-time.After(30 * time.Second):
			t.Fatal("the erasure job did not reach the second account")
		}
		stop, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		_ = q1.Stop(stop) // the node goes down: the job's context is cancelled
		cancel()
		if _, err := w.store.GetConnectedUser(ctx, "prj_1", "gone"); err != nil {
			t.Fatalf("records went before every subscription was deleted: %v", err)
		}
		svc2, _ := w.node(t, func(ctx context.Context, _, cred string) error {
			mu.Lock()
			deleted = append(deleted, cred)
			mu.Unlock()
			return nil
		})
		waitDone(t, svc2, id)
		mu.Lock()
		got := slices.Compact(slices.Sorted(slices.Values(deleted)))
		mu.Unlock()
		if !slices.Equal(got, []string{"cred-gone-1", "cred-gone-2"}) {
			t.Fatalf("subscriptions deleted for %v, want both of the user's accounts", got)
		}
		checkErased(t, w.store, "gone")
		if _, err := w.store.GetConnectedUser(ctx, "prj_1", "kept"); err != nil {
			t.Fatalf("another user was erased: %v", err)
		}
	})
}

func waitDone(t *testing.T, svc *userdata.Service, id string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		done, err := svc.ErasureDone(t.Context(), "prj_1", id)
		must(t, "erasure status", err)
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the erasure was not done within 60 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func seedUser(t *testing.T, s driveway.Store, user string) {
	ctx := t.Context()
	if _, err := s.GetProject(ctx, "prj_1"); err != nil {
		must(t, "project", s.CreateProject(ctx, &driveway.Project{ID: "prj_1", Name: "p"}))
	}
	must(t, "user", s.UpsertConnectedUser(ctx, &driveway.ConnectedUser{ProjectID: "prj_1", ID: user, Metadata: map[string]any{"Email": user + "@example.com"}}))
	for _, n := range []string{"1", "2"} {
		id := "cred-" + user + "-" + n
		must(t, "credential", s.CreateCredential(ctx, &driveway.Credential{ID: id, ProjectID: "prj_1", UserID: user,
			Integration: driveway.IntegrationOneDrive, Status: driveway.CredentialValid, AccessToken: "at-" + id, RefreshToken: "rt-" + id}))
		must(t, "event", s.AppendEvent(ctx, &driveway.Event{ProjectID: "prj_1", ID: "evt-" + id, Kind: driveway.EventCredentialStatus,
			UserID: user, CredentialID: id}))
	}
	must(t, "run", s.CreateRun(ctx, &driveway.WorkflowRun{ProjectID: "prj_1", ID: "run-" + user, WorkflowID: "wf", Version: 1,
		UserID: user, Status: driveway.RunSucceeded, Trigger: json.RawMessage(`{}`), Response: json.RawMessage(`null`)}))
}

func checkErased(t *testing.T, s driveway.Store, user string) {
	t.Helper()
	ctx := t.Context()
	if _, err := s.GetConnectedUser(ctx, "prj_1", user); driveway.ErrorCode(err) != driveway.ENOTFOUND {
		t.Fatalf("user after the erasure: %v", err)
	}
	creds, err := s.ListCredentials(ctx, "prj_1", user)
	must(t, "credentials", err)
	runs, err := s.ListRuns(ctx, "prj_1", driveway.RunFilter{UserID: user})
	must(t, "runs", err)
	evs, err := s.ListEvents(ctx, "prj_1", "", 0)
	must(t, "events", err)
	for _, e := range evs {
		if e.UserID == user {
			t.Fatalf("event %s of the erased user is left", e.ID)
		}
	}
	if len(creds)+len(runs) > 0 {
		t.Fatalf("left after the erasure: %d credentials, %d runs", len(creds), len(runs))
	}
}
