package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/drivewayhq/driveway"
)

// testCASConcurrent starts N updates from the same version at once: exactly
// one wins, the others get ECONFLICT.
func testCASConcurrent(t *testing.T, b *bundle) {
	ctx := context.Background()
	p := newProject(t, b.s, "prj_a")
	u := newUser(t, b.s, p.ID, "u")
	c := newCredential(t, b.s, p.ID, u.ID, "cred_1", "start")
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			mine := *c
			mine.RefreshToken = "refresh-from-" + string(rune('a'+i))
			<-start
			errs[i] = b.s.UpdateCredential(ctx, &mine)
		})
	}
	close(start)
	wg.Wait()
	var wins int
	for i, err := range errs {
		switch driveway.ErrorCode(err) {
		case "":
			wins++
		case driveway.ECONFLICT:
		default:
			t.Fatalf("update %d: %v", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d of %d updates from the same version succeeded, want 1", wins, n)
	}
	got, err := b.s.GetCredential(ctx, p.ID, c.ID)
	ok(t, "GetCredential", err)
	if got.Version != 2 {
		t.Fatalf("Version = %d, want 2", got.Version)
	}
}

// testCASRetry runs N goroutines that each add 1 to RefreshFailures M times,
// re-reading on ECONFLICT: no update is lost and each goroutine sees its
// versions strictly increase.
func testCASRetry(t *testing.T, b *bundle) {
	ctx := context.Background()
	p := newProject(t, b.s, "prj_a")
	u := newUser(t, b.s, p.ID, "u")
	c := newCredential(t, b.s, p.ID, u.ID, "cred_1", "start")
	const n, m = 4, 5
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[int64]bool{}
	errc := make(chan error, n)
	for range n {
		wg.Go(func() {
			var last int64
			for done := 0; done < m; {
				cur, err := b.s.GetCredential(ctx, p.ID, c.ID)
				if err != nil {
					errc <- err
					return
				}
				cur.RefreshFailures++
				err = b.s.UpdateCredential(ctx, cur)
				if driveway.ErrorCode(err) == driveway.ECONFLICT {
					continue
				}
				if err != nil {
					errc <- err
					return
				}
				if cur.Version <= last {
					t.Errorf("version went from %d to %d", last, cur.Version)
				}
				last = cur.Version
				mu.Lock()
				if seen[cur.Version] {
					t.Errorf("two updates produced version %d", cur.Version)
				}
				seen[cur.Version] = true
				mu.Unlock()
				done++
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatalf("update: %v", err)
	}
	got, err := b.s.GetCredential(ctx, p.ID, c.ID)
	ok(t, "GetCredential", err)
	if got.RefreshFailures != n*m || got.Version != 1+n*m {
		t.Fatalf("after %d updates: RefreshFailures %d, Version %d; want %d, %d", n*m, got.RefreshFailures, got.Version, n*m, 1+n*m)
	}
}
