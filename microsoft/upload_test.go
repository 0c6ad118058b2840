package microsoft_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
	"github.com/drivewayhq/driveway/microsoft/quickxor"
)

// testChunk is the fragment size of upload tests: two 320 KiB units.
const testChunk = 2 * microsoft.FragmentUnit

func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// fragments returns the Content-Range of every fragment PUT seen.
func fragments(tp *tap) []string {
	var out []string
	for _, r := range tp.requests() {
		if r.method == http.MethodPut && r.contentRange != "" {
			out = append(out, r.contentRange)
		}
	}
	return out
}

func checkStored(t *testing.T, f *fixture, path string, want []byte) {
	t.Helper()
	got, err := f.s.ReadFile(f.user.ID, path)
	if err != nil {
		t.Fatalf("read back %s: %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s holds %d bytes that differ from the %d sent", path, len(got), len(want))
	}
}

func TestUploadSimpleAndSession(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, mode, emulator.Options{SimpleUploadMax: 4 << 20}, microsoft.DriveOptions{ChunkSize: testChunk})
			ctx := t.Context()
			small := randomBytes(1000, 1)
			it, err := f.c.Upload(ctx, microsoft.ByPath("/up/small.bin"), bytes.NewReader(small), int64(len(small)), nil)
			if err != nil || it.Size != 1000 {
				t.Fatalf("simple upload = %+v, %v", it, err)
			}
			checkStored(t, f, "/up/small.bin", small)
			empty, err := f.c.Upload(ctx, microsoft.ByPath("/up/empty.bin"), bytes.NewReader(nil), 0, nil)
			if err != nil || empty.Size != 0 {
				t.Fatalf("empty upload = %+v, %v", empty, err)
			}
			big := randomBytes(5<<20+123, 2)
			it, err = f.c.Upload(ctx, microsoft.ByPath("/up/big.bin"), bytes.NewReader(big), int64(len(big)), nil)
			if err != nil || it.Size != int64(len(big)) {
				t.Fatalf("session upload = %+v, %v", it, err)
			}
			checkStored(t, f, "/up/big.bin", big)
			frs := fragments(f.tap)
			if len(frs) != 9 {
				t.Fatalf("fragments = %v, want 9", frs)
			}
			for _, fr := range frs[:len(frs)-1] {
				a, b := parseRange(fr)
				if (b-a+1)%microsoft.FragmentUnit != 0 {
					t.Fatalf("fragment %s is not a multiple of 320 KiB", fr)
				}
			}
			for _, r := range f.tap.requests() {
				if strings.Contains(r.path, "/_preauth/") && r.auth {
					t.Fatalf("%s %s carried Authorization", r.method, r.path)
				}
			}
			// Conflicts, for the simple PUT and the session alike.
			for _, data := range [][]byte{small, big} {
				_, err := f.c.Upload(ctx, microsoft.ByPath("/up/big.bin"), bytes.NewReader(data), int64(len(data)),
					&microsoft.UploadOptions{Conflict: microsoft.ConflictFail})
				if !microsoft.IsConflict(err) {
					t.Fatalf("fail on an existing file (%d bytes): %v, want a conflict", len(data), err)
				}
				renamed, err := f.c.Upload(ctx, microsoft.ByPath("/up/big.bin"), bytes.NewReader(data), int64(len(data)),
					&microsoft.UploadOptions{Conflict: microsoft.ConflictRename})
				if err != nil || renamed.Name != "big 1.bin" {
					t.Fatalf("rename (%d bytes) = %+v, %v", len(data), renamed, err)
				}
				if err := f.c.Delete(ctx, microsoft.ByID(renamed.ID), ""); err != nil {
					t.Fatal(err)
				}
			}
			// Replace by id, and a name below a folder id.
			replaced, err := f.c.Upload(ctx, microsoft.ByID(it.ID), bytes.NewReader(small), int64(len(small)), nil)
			if err != nil || replaced.ID != it.ID || replaced.Size != 1000 {
				t.Fatalf("replace by id = %+v, %v", replaced, err)
			}
			folder := f.mkdir(t, "/under")
			child, err := f.c.Upload(ctx, microsoft.ItemRef{ID: folder.ID, Path: "child.bin"}, bytes.NewReader(big), int64(len(big)), nil)
			if err != nil || child.ParentReference == nil || child.ParentReference.ID != folder.ID {
				t.Fatalf("upload below a folder id = %+v, %v", child, err)
			}
		})
	}
}

// TestUploadResumesAfterCut cuts the connection in the middle of the
// fragment that holds the 60% mark: the client asks the session where to
// go on, resends only that fragment, and never a committed one.
func TestUploadResumesAfterCut(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		for _, stream := range []bool{false, true} {
			name := mode + "/readerat"
			if stream {
				name = mode + "/stream"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, mode, emulator.Options{}, microsoft.DriveOptions{ChunkSize: testChunk})
				data := randomBytes(20*microsoft.FragmentUnit+777, 3)
				size := int64(len(data))
				cut := size * 6 / 10
				f.tap.cutUploadAt = cut
				var it *microsoft.Item
				var err error
				if stream {
					it, err = f.c.UploadStream(t.Context(), microsoft.ByPath("/cut.bin"), bytes.NewBuffer(data), size, nil)
				} else {
					it, err = f.c.Upload(t.Context(), microsoft.ByPath("/cut.bin"), bytes.NewReader(data), size, nil)
				}
				if err != nil {
					t.Fatalf("upload: %v", err)
				}
				checkStored(t, f, "/cut.bin", data)
				if it.QuickXorHash() == "" {
					t.Fatal("no hash to compare")
				}
				seen := map[string]int{}
				var cutStart int64 = -1
				for _, fr := range fragments(f.tap) {
					seen[fr]++
					if seen[fr] == 2 {
						cutStart, _ = parseRange(fr)
					}
				}
				if cutStart < 0 {
					t.Fatalf("no fragment was resent: %v", fragments(f.tap))
				}
				for fr, n := range seen {
					if a, _ := parseRange(fr); n > 1 && a != cutStart {
						t.Fatalf("fragment %s sent %d times", fr, n)
					}
				}
				partial := cut - cutStart
				if got, want := f.tap.sentBytes(), size+partial; got != want {
					t.Fatalf("sent %d fragment bytes, want %d (the file plus the %d cut bytes)", got, want, partial)
				}
				statusGets := 0
				for _, r := range f.s.RequestLog() {
					if r.Route == "preauth.upload" && r.Method == http.MethodGet {
						statusGets++
					}
				}
				if statusGets != 1 {
					t.Fatalf("%d session status reads, want 1", statusGets)
				}
			})
		}
	}
}

// TestUploadResumesAfter416: the answer to a committed fragment is lost
// and the session status is stale, so the client resends the fragment;
// Graph answers 416 and the client goes on from nextExpectedRanges.
func TestUploadResumesAfter416(t *testing.T) {
	t.Parallel()
	for _, stream := range []bool{false, true} {
		t.Run(map[bool]string{false: "readerat", true: "stream"}[stream], func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, emulator.ModeBusiness, emulator.Options{}, microsoft.DriveOptions{ChunkSize: testChunk, SimpleUploadMax: 1 << 20})
			data := randomBytes(10*microsoft.FragmentUnit+5, 4)
			f.tap.loseFragmentAnswer = 4 * microsoft.FragmentUnit
			f.tap.staleStatus = true
			var err error
			if stream {
				_, err = f.c.UploadStream(t.Context(), microsoft.ByPath("/416.bin"), bytes.NewBuffer(data), int64(len(data)), nil)
			} else {
				_, err = f.c.Upload(t.Context(), microsoft.ByPath("/416.bin"), bytes.NewReader(data), int64(len(data)), nil)
			}
			if err != nil {
				t.Fatalf("upload: %v", err)
			}
			checkStored(t, f, "/416.bin", data)
			saw416 := false
			for _, r := range f.s.RequestLog() {
				saw416 = saw416 || (r.Route == "preauth.upload" && r.Status == http.StatusRequestedRangeNotSatisfiable)
			}
			if !saw416 {
				t.Fatal("the emulator never answered 416")
			}
		})
	}
}

func TestUploadQuickXorMismatch(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, mode, emulator.Options{}, microsoft.DriveOptions{ChunkSize: testChunk})
			ctx := t.Context()
			for _, n := range []int{2000, 5 << 20} {
				// The caller hashed the source, then it changed before the upload.
				data := randomBytes(n, 5)
				sum := quickxor.Sum(data)
				want := base64.StdEncoding.EncodeToString(sum[:])
				data[n/2] ^= 1
				_, err := f.c.Upload(ctx, microsoft.ByPath("/changed.bin"), bytes.NewReader(data), int64(n),
					&microsoft.UploadOptions{QuickXorHash: want})
				var hm *microsoft.HashMismatchError
				if !errors.As(err, &hm) || hm.Want != want || hm.Item == nil {
					t.Fatalf("%d bytes changed after hashing: %v, want a hash mismatch", n, err)
				}
				// A byte flipped on the way: Graph's hash differs from the
				// hash of what the client read.
				f.tap.mu.Lock()
				f.tap.corruptUpload = true
				f.tap.mu.Unlock()
				_, err = f.c.Upload(ctx, microsoft.ByPath("/flipped.bin"), bytes.NewReader(data), int64(n), nil)
				if !errors.As(err, &hm) {
					t.Fatalf("%d bytes corrupted in transit: %v, want a hash mismatch", n, err)
				}
			}
		})
	}
}

func TestUploadSessionCancelledOnFailure(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.ModeBusiness, emulator.Options{}, microsoft.DriveOptions{ChunkSize: testChunk, SimpleUploadMax: 1 << 20})
	data := randomBytes(6*microsoft.FragmentUnit, 6)
	f.s.AddFault(emulator.Fault{Route: "preauth.upload", Status: 507, Every: 2, Count: 1})
	_, err := f.c.Upload(t.Context(), microsoft.ByPath("/fails.bin"), bytes.NewReader(data), int64(len(data)), nil)
	if !microsoft.IsQuota(err) {
		t.Fatalf("upload: %v, want the 507", err)
	}
	deleted := false
	for _, r := range f.s.RequestLog() {
		deleted = deleted || (r.Route == "preauth.upload" && r.Method == http.MethodDelete && r.Status == http.StatusNoContent)
	}
	if !deleted {
		t.Fatal("the upload session was not cancelled")
	}
	if _, err := f.s.Stat(f.user.ID, "/fails.bin"); err == nil {
		t.Fatal("a failed upload left a file")
	}
}
