package emulator

import (
	"bytes"
	"os"
	"runtime"
	"testing"
	"time"
)

// TestUpload1GiB uploads 1 GiB through an upload session in 10 MiB
// fragments and checks size and hash. It is slow and memory-hungry, so it
// runs only with DRIVEWAY_EMULATOR_BIG=1.
func TestUpload1GiB(t *testing.T) {
	if os.Getenv("DRIVEWAY_EMULATOR_BIG") != "1" {
		t.Skip("set DRIVEWAY_EMULATOR_BIG=1 to upload 1 GiB")
	}
	f := setup(t, Options{})
	const total, frag = 1 << 30, 10 << 20
	_, m := f.call("POST", "/me/drive/root:/big/1g.bin:/createUploadSession", f.tokB, nil)
	u := str(m, "uploadUrl")
	chunk := bytes.Repeat([]byte{0xA5}, frag)
	start := time.Now()
	var code int
	for off := int64(0); off < total; off += frag {
		code, m = f.putRange(u, chunk[:min(frag, total-off)], off, total)
		if code != 202 && code != 201 {
			t.Fatalf("fragment at %d: %d %v", off, code, m)
		}
	}
	want(t, "final status", code, 201)
	want(t, "size", int64(m["size"].(float64)), int64(total))
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	t.Logf("1 GiB upload in %v; heap in use %d MiB", time.Since(start), ms.HeapInuse>>20)
	if ms.HeapInuse > 1300<<20 {
		t.Fatalf("heap %d MiB: content is being copied", ms.HeapInuse>>20)
	}
}
