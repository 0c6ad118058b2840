package microsoft_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/drivewayhq/driveway/microsoft"
	"github.com/drivewayhq/driveway/microsoft/emulator"
)

func TestDownload(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, mode, emulator.Options{}, microsoft.DriveOptions{})
			ctx := t.Context()
			data := randomBytes(300_000, 7)
			if _, err := f.s.WriteFile(f.user.ID, "/dl/file.bin", data); err != nil {
				t.Fatal(err)
			}
			d, err := f.c.Download(ctx, microsoft.ByPath("/dl/file.bin"), nil)
			if err != nil {
				t.Fatalf("download: %v", err)
			}
			got, err := io.ReadAll(d.Body)
			d.Body.Close()
			if err != nil || !bytes.Equal(got, data) || d.Size != int64(len(data)) || d.Length != int64(len(data)) {
				t.Fatalf("download: %d bytes (size %d, length %d), %v", len(got), d.Size, d.Length, err)
			}
			for _, r := range f.tap.requests() {
				if strings.Contains(r.path, "/_preauth/") && r.auth {
					t.Fatal("the pre-authenticated download carried Authorization")
				}
				if strings.HasSuffix(r.path, "/content") && !r.auth {
					t.Fatal("the Graph content request had no Authorization")
				}
			}
			part, err := f.c.Download(ctx, microsoft.ByPath("/dl/file.bin"), &microsoft.DownloadOptions{Offset: 1000, Length: 500})
			if err != nil {
				t.Fatalf("range download: %v", err)
			}
			got, _ = io.ReadAll(part.Body)
			part.Body.Close()
			if !bytes.Equal(got, data[1000:1500]) || part.Length != 500 {
				t.Fatalf("range download: %d bytes, length %d", len(got), part.Length)
			}
			_, err = f.c.Download(ctx, microsoft.ByPath("/dl/file.bin"), &microsoft.DownloadOptions{IfNoneMatch: d.ETag})
			if !errors.Is(err, microsoft.ErrNotModified) {
				t.Fatalf("If-None-Match with the current tag: %v, want ErrNotModified", err)
			}
			if _, err := f.c.Download(ctx, microsoft.ByPath("/dl/missing.bin"), nil); !microsoft.IsNotFound(err) {
				t.Fatalf("missing file: %v, want not found", err)
			}
		})
	}
}

func TestDownloadResumesAfterDroppedConnection(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, mode, emulator.Options{}, microsoft.DriveOptions{})
			data := randomBytes(1<<20, 8)
			if _, err := f.s.WriteFile(f.user.ID, "/dl/big.bin", data); err != nil {
				t.Fatal(err)
			}
			const cutAt = 400_000
			f.tap.cutDownloadAfter = cutAt
			d, err := f.c.Download(t.Context(), microsoft.ByPath("/dl/big.bin"), nil)
			if err != nil {
				t.Fatalf("download: %v", err)
			}
			got, err := io.ReadAll(d.Body)
			d.Body.Close()
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("resumed download: %d bytes, %v", len(got), err)
			}
			var ranges []string
			for _, r := range f.tap.requests() {
				if strings.Contains(r.path, "/_preauth/download/") {
					ranges = append(ranges, r.rng)
				}
			}
			if len(ranges) != 2 || ranges[0] != "" || ranges[1] != "bytes=400000-" {
				t.Fatalf("download requests' Range headers = %q, want none then bytes=400000-", ranges)
			}
		})
	}
}

func TestDownloadRefusesAChangedFileOnResume(t *testing.T) {
	t.Parallel()
	f := newFixture(t, emulator.ModeBusiness, emulator.Options{}, microsoft.DriveOptions{})
	data := randomBytes(1<<20, 9)
	if _, err := f.s.WriteFile(f.user.ID, "/dl/changing.bin", data); err != nil {
		t.Fatal(err)
	}
	f.tap.cutDownloadAfter = 100_000
	d, err := f.c.Download(t.Context(), microsoft.ByPath("/dl/changing.bin"), nil)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100_000)
	if _, err := io.ReadFull(d.Body, buf); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.WriteFile(f.user.ID, "/dl/changing.bin", randomBytes(1<<20, 10)); err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(d.Body)
	d.Body.Close()
	if err == nil {
		t.Fatal("a download went on across a change of the file")
	}
}
