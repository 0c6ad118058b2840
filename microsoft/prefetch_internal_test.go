package microsoft

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func TestPrefetcherWindow(t *testing.T) {
	t.Parallel()
	data := []byte(strings.Repeat("0123456789", 10)) // 100 bytes, chunks of 30
	p := newPrefetcher(t.Context(), bytes.NewReader(data), int64(len(data)), 30)
	defer p.stop()
	for _, c := range []struct{ off, n int }{
		{0, 30},  // one chunk, no copy
		{0, 30},  // the same fragment again (resend)
		{30, 30}, // the next chunk
		{45, 30}, // across two chunks: a copy
		{90, 10}, // the short last chunk
	} {
		b, err := p.get(int64(c.off), c.n)
		if err != nil || !bytes.Equal(b, data[c.off:c.off+c.n]) {
			t.Fatalf("get(%d, %d) = %q, %v", c.off, c.n, b, err)
		}
	}
	if _, err := p.get(10, 10); err == nil {
		t.Fatal("rewinding before the held chunks was accepted")
	}
}

func TestPrefetcherShortSource(t *testing.T) {
	t.Parallel()
	p := newPrefetcher(t.Context(), io.LimitReader(strings.NewReader("abcdef"), 4), 6, 4)
	defer p.stop()
	if _, err := p.get(0, 4); err != nil {
		t.Fatalf("first chunk: %v", err)
	}
	if _, err := p.get(4, 2); err == nil || !strings.Contains(err.Error(), "ended at byte 4") {
		t.Fatalf("short source: %v, want an error naming where it ended", err)
	}
}
