package credential_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/credential"
)

type result struct {
	token string
	err   error
}

// TestWaitsForAnotherNode: while another node holds the lease, a caller
// waits and takes that node's write, without calling Microsoft.
func TestWaitsForAnotherNode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t))
	e.expire(-time.Minute)
	ctx := context.Background()
	got, err := e.store.AcquireLease(ctx, credential.LeaseName(e.cred.ID), "node-other", time.Now(), time.Minute)
	if err != nil || !got {
		t.Fatalf("AcquireLease = %v, %v", got, err)
	}
	counted := &countingStore{Store: e.store}
	m := e.manager(counted)
	done := make(chan result, 1)
	go func() {
		tok, _, err := m.AccessToken(ctx, e.project, e.cred.ID)
		done <- result{tok, err}
	}()
	// Once the caller polls (its first read, then at least one poll), the
	// other node writes its refresh.
	deadline := time.Now().Add(10 * time.Second)
	for counted.gets.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the caller never polled the credential")
		}
		runtime.Gosched()
	}
	c := e.get()
	c.AccessToken, c.AccessTokenExpiresAt = "token-from-the-other-node", time.Now().Add(time.Hour)
	must(t, e.store.UpdateCredential(ctx, c))
	r := <-done
	if r.err != nil || r.token != "token-from-the-other-node" {
		t.Fatalf("AccessToken = %q, %v; want the other node's token", r.token, r.err)
	}
	if n := e.refreshCalls(); n != 0 {
		t.Fatalf("%d refresh calls while another node refreshed, want 0", n)
	}
}

// TestTakesOverExpiredLease: a lease whose holder died expires, and the
// waiting caller refreshes.
func TestTakesOverExpiredLease(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t))
	e.expire(-time.Minute)
	ctx := context.Background()
	start := time.Now()
	var offset atomic.Int64
	m := e.manager(nil)
	m.Now = func() time.Time { return start.Add(time.Duration(offset.Load())) }
	m.LeaseTTL = 30 * time.Second
	got, err := e.store.AcquireLease(ctx, credential.LeaseName(e.cred.ID), "node-dead", start, m.LeaseTTL)
	if err != nil || !got {
		t.Fatalf("AcquireLease = %v, %v", got, err)
	}
	done := make(chan result, 1)
	go func() {
		tok, _, err := m.AccessToken(ctx, e.project, e.cred.ID)
		done <- result{tok, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("AccessToken returned %v before the dead node's lease expired", r.err)
	case <-time.After(100 * time.Millisecond):
	}
	offset.Store(int64(31 * time.Second))
	r := <-done
	if r.err != nil || r.token == e.cred.AccessToken || e.refreshCalls() != 1 {
		t.Fatalf("after the lease expired: %v, new token %v, %d calls", r.err, r.token != e.cred.AccessToken, e.refreshCalls())
	}
}

// TestGivesUpWaiting: a caller waits at most LeaseWait, then fails with
// EUNAVAILABLE (the token being expired).
func TestGivesUpWaiting(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t))
	e.expire(-time.Minute)
	ctx := context.Background()
	got, err := e.store.AcquireLease(ctx, credential.LeaseName(e.cred.ID), "node-slow", time.Now(), time.Hour)
	if err != nil || !got {
		t.Fatalf("AcquireLease = %v, %v", got, err)
	}
	m := e.manager(nil)
	m.LeaseWait = 50 * time.Millisecond
	_, _, err = m.AccessToken(ctx, e.project, e.cred.ID)
	wantCode(t, "AccessToken while another node holds the lease", err, driveway.EUNAVAILABLE)
	if n := e.refreshCalls(); n != 0 {
		t.Fatalf("%d refresh calls, want 0", n)
	}
}

// countingStore counts GetCredential calls.
type countingStore struct {
	driveway.Store
	gets atomic.Int32
}

func (s *countingStore) GetCredential(ctx context.Context, projectID, id string) (*driveway.Credential, error) {
	s.gets.Add(1)
	return s.Store.GetCredential(ctx, projectID, id)
}
