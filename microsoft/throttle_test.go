package microsoft_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
)

// retryGap finds, in the emulator's log, the throttled answer on route
// and the next request on the same route, and returns the time between.
func retryGap(t *testing.T, s *emulator.Server, route string, status int) time.Duration {
	t.Helper()
	log := s.RequestLog()
	for i, r := range log {
		if r.Route != route || r.Status != status {
			continue
		}
		for _, next := range log[i+1:] {
			if next.Route == route {
				return next.Time.Sub(r.Time)
			}
		}
	}
	t.Fatalf("no %d on %s followed by a retry in the log", status, route)
	return 0
}

func TestThrottlingHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, mode, emulator.Options{}, microsoft.DriveOptions{})
			ctx := t.Context()
			info := f.write(t, "/t.txt", "t")
			f.s.AddFault(emulator.Fault{Route: "graph.item", Status: 429, RetryAfter: 1, Count: 1})
			it, err := f.c.Get(ctx, microsoft.ByID(info.ID), nil, "")
			if err != nil || it.ID != info.ID {
				t.Fatalf("get after a 429: %+v, %v", it, err)
			}
			if gap := retryGap(t, f.s, "graph.item", 429); gap < time.Second {
				t.Fatalf("retried %v after a 429 with Retry-After: 1", gap)
			}
			f.s.AddFault(emulator.Fault{Route: "graph.children", Status: 503, RetryAfter: 1, Count: 1})
			if _, err := f.c.ListChildren(ctx, microsoft.ItemRef{}, nil); err != nil {
				t.Fatalf("list after a 503: %v", err)
			}
			if gap := retryGap(t, f.s, "graph.children", 503); gap < time.Second {
				t.Fatalf("retried %v after a 503 with Retry-After: 1", gap)
			}
			if n := f.s.Counters().RequestsDuringRetryAfter; n != 0 {
				t.Fatalf("%d requests arrived during a Retry-After window", n)
			}
		})
	}
}

func TestThrottlingBeyondTheBound(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.ModeBusiness, emulator.Options{}, microsoft.DriveOptions{MaxRetryAfter: 2 * time.Second})
	ctx := t.Context()
	// A Retry-After beyond the bound comes back to the caller at once, and
	// later calls are refused locally until it is over.
	f.s.AddFault(emulator.Fault{Route: "graph.item", Status: 429, RetryAfter: 30, Count: 1})
	start := time.Now()
	_, err := f.c.Get(ctx, microsoft.ItemRef{}, nil, "")
	after, throttled := microsoft.IsThrottled(err)
	if !throttled || after != 30*time.Second {
		t.Fatalf("long Retry-After: %v (throttled %v, after %v)", err, throttled, after)
	}
	before := len(f.s.RequestLog())
	_, err = f.c.ListChildren(ctx, microsoft.ItemRef{}, nil)
	if after, throttled := microsoft.IsThrottled(err); !throttled || after <= 25*time.Second {
		t.Fatalf("call during the Retry-After: %v (after %v), want a local throttled error", err, after)
	}
	if n := len(f.s.RequestLog()) - before; n != 0 {
		t.Fatalf("%d requests reached Graph during its Retry-After", n)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("the client waited for a Retry-After beyond its bound")
	}
	if n := f.s.Counters().RequestsDuringRetryAfter; n != 0 {
		t.Fatalf("%d requests arrived during the Retry-After window", n)
	}
}

func TestThrottlingOfNonIdempotentCalls(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.ModeBusiness, emulator.Options{}, microsoft.DriveOptions{})
	ctx := t.Context()
	// A 503 on a POST (create folder) is not retried: it may have happened.
	f.s.AddFault(emulator.Fault{Route: "graph.children", Status: 503, Count: 1})
	if _, _, err := f.c.CreateFolder(ctx, microsoft.ItemRef{}, "once", microsoft.ConflictFail); err == nil {
		t.Fatal("a 503 to a POST was retried")
	}
	// A 429 on a POST is: Graph refused it before doing anything.
	f.s.AddFault(emulator.Fault{Route: "graph.children", Status: 429, RetryAfter: 1, Count: 1})
	if _, _, err := f.c.CreateFolder(ctx, microsoft.ItemRef{}, "twice", microsoft.ConflictFail); err != nil {
		t.Fatalf("create folder after a 429: %v", err)
	}
	if gap := retryGap(t, f.s, "graph.children", 429); gap < time.Second {
		t.Fatalf("retried %v after a 429 with Retry-After: 1", gap)
	}
}

func TestExpiredTokenIsRefreshedOnce(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, mode, emulator.Options{}, microsoft.DriveOptions{})
			f.s.ExpireAccessTokens(f.user.ID)
			if _, err := f.c.GetDrive(t.Context(), microsoft.DriveRef{}); err != nil {
				t.Fatalf("get drive with an expired token: %v", err)
			}
			if n := f.invalidated.Load(); n != 1 {
				t.Fatalf("invalidate called %d times, want 1", n)
			}
		})
	}
}

func TestQuotaAndForbidden(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.ModeBusiness, emulator.Options{DriveQuota: 1 << 20}, microsoft.DriveOptions{})
	_, err := f.c.Upload(t.Context(), microsoft.ByPath("/big.bin"), zeroReader{}, 2<<20, nil)
	if !microsoft.IsQuota(err) {
		t.Fatalf("upload beyond the quota: %v, want quota", err)
	}
	err = f.c.Delete(t.Context(), microsoft.ItemRef{}, "") // the root cannot be deleted
	if !microsoft.IsForbidden(err) {
		t.Fatalf("delete root: %v, want forbidden", err)
	}
}

// zeroReader is an io.ReaderAt of zeros.
type zeroReader struct{}

func (zeroReader) ReadAt(p []byte, _ int64) (int, error) {
	clear(p)
	return len(p), nil
}

// TestEveryOperationWaitsOutThrottling throttles each kind of call once
// (429 or 503 with Retry-After: 1) and checks that it succeeds and that
// the retry came no earlier than the Retry-After, per the emulator's log.
func TestEveryOperationWaitsOutThrottling(t *testing.T) {
	t.Parallel()
	type op struct {
		route  string
		status int
		run    func(t *testing.T, f *fixture) error
	}
	big := randomBytes(5<<20, 11)
	ops := map[string]op{
		"get": {"graph.item", 503, func(t *testing.T, f *fixture) error {
			_, err := f.c.Get(t.Context(), microsoft.ByPath("/x/a.txt"), nil, "")
			return err
		}},
		"rename": {"graph.item", 429, func(t *testing.T, f *fixture) error {
			_, err := f.c.Rename(t.Context(), microsoft.ByPath("/x/a.txt"), "b.txt")
			return err
		}},
		"delete": {"graph.item", 429, func(t *testing.T, f *fixture) error { return f.c.Delete(t.Context(), microsoft.ByPath("/x/a.txt"), "") }},
		"search": {"graph.search", 429, func(t *testing.T, f *fixture) error {
			_, err := f.c.Search(t.Context(), microsoft.ItemRef{}, "a", nil)
			return err
		}},
		"delta": {"graph.delta", 503, func(t *testing.T, f *fixture) error {
			_, err := f.c.DeltaAll(t.Context(), microsoft.DriveRef{}, "", nil, func([]microsoft.Item) error { return nil })
			return err
		}},
		"folder": {"graph.children", 429, func(t *testing.T, f *fixture) error {
			_, _, err := f.c.CreateFolder(t.Context(), microsoft.ItemRef{}, "new", microsoft.ConflictFail)
			return err
		}},
		"simple upload": {"graph.content", 503, func(t *testing.T, f *fixture) error {
			_, err := f.c.Upload(t.Context(), microsoft.ByPath("/x/s.bin"), bytes.NewReader(big[:100]), 100, nil)
			return err
		}},
		"upload session": {"graph.createuploadsession", 429, func(t *testing.T, f *fixture) error {
			_, err := f.c.Upload(t.Context(), microsoft.ByPath("/x/big.bin"), bytes.NewReader(big), int64(len(big)), nil)
			return err
		}},
		"fragment": {"preauth.upload", 503, func(t *testing.T, f *fixture) error {
			_, err := f.c.Upload(t.Context(), microsoft.ByPath("/x/big.bin"), bytes.NewReader(big), int64(len(big)), nil)
			return err
		}},
		"download": {"preauth.download", 429, func(t *testing.T, f *fixture) error {
			d, err := f.c.Download(t.Context(), microsoft.ByPath("/x/a.txt"), nil)
			if err == nil {
				_, err = io.ReadAll(d.Body)
				d.Body.Close()
			}
			return err
		}},
		"copy": {"graph.copy", 429, func(t *testing.T, f *fixture) error {
			dst, err := f.c.Get(t.Context(), microsoft.ByPath("/x"), nil, "")
			if err == nil {
				_, err = f.c.Copy(t.Context(), microsoft.ByPath("/x/a.txt"), microsoft.CopyTarget{ParentID: dst.ID, Name: "c.txt"}, "")
			}
			return err
		}},
	}
	for _, mode := range modes {
		for name, o := range ops {
			t.Run(mode+"/"+name, func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, mode, emulator.Options{}, microsoft.DriveOptions{ChunkSize: testChunk})
				f.write(t, "/x/a.txt", "abc")
				f.s.AddFault(emulator.Fault{Route: o.route, Status: o.status, RetryAfter: 1, Count: 1})
				if err := o.run(t, f); err != nil {
					t.Fatalf("%s after a %d: %v", name, o.status, err)
				}
				if gap := retryGap(t, f.s, o.route, o.status); gap < time.Second {
					t.Fatalf("retried %v after a %d with Retry-After: 1", gap, o.status)
				}
			})
		}
	}
}

func TestTokenRefreshReplaysBodyAndStopsAfterOne(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.ModeBusiness, emulator.Options{}, microsoft.DriveOptions{})
	f.s.ExpireAccessTokens(f.user.ID)
	it, _, err := f.c.CreateFolder(t.Context(), microsoft.ItemRef{}, "after-refresh", microsoft.ConflictFail)
	if err != nil || it.Name != "after-refresh" {
		t.Fatalf("create folder with an expired token: %+v, %v", it, err)
	}
	if n := f.invalidated.Load(); n != 1 {
		t.Fatalf("invalidate called %d times, want 1", n)
	}
	// A token source that keeps handing out a refused token: one refresh,
	// then the 401 comes back.
	var calls int
	bad, err := microsoft.NewDriveClient(microsoft.DriveOptions{BaseURL: f.s.GraphURL(),
		Token:      func(context.Context) (string, error) { return "not-a-token", nil },
		Invalidate: func(context.Context, string) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.GetDrive(t.Context(), microsoft.DriveRef{}); !microsoft.IsUnauthorized(err) || calls != 1 {
		t.Fatalf("refused token: %v after %d invalidations, want a 401 after 1", err, calls)
	}
}
