package proxy

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestReplayAfterAPartialRead(t *testing.T) {
	t.Parallel()
	r := newReplay(io.NopCloser(strings.NewReader("hello, graph")), 64)
	first := r.attempt()
	buf := make([]byte, 5)
	if n, _ := io.ReadFull(first, buf); n != 5 {
		t.Fatalf("first read %d", n)
	}
	second, ok := r.restart()
	if !ok {
		t.Fatalf("restart refused under the limit")
	}
	if _, err := first.Read(buf); err != errStaleAttempt {
		t.Fatalf("stale attempt read: %v", err)
	}
	all, err := io.ReadAll(second)
	if err != nil || string(all) != "hello, graph" {
		t.Fatalf("replayed %q, %v", all, err)
	}
}

func TestReplayRefusedOverTheLimit(t *testing.T) {
	t.Parallel()
	r := newReplay(io.NopCloser(bytes.NewReader(make([]byte, 100))), 64)
	if _, err := io.Copy(io.Discard, r.attempt()); err != nil {
		t.Fatalf("copy: %v", err)
	}
	if _, ok := r.restart(); ok {
		t.Fatalf("restart accepted a body over the limit")
	}
}

func TestAutoContentType(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{" \n{\"a\":1}": "application/json", "[1]": "application/json",
		"plain": "application/octet-stream", "": ""} {
		r, _ := http.NewRequest("POST", "http://x/", strings.NewReader(body))
		r.Header.Set("Content-Type", "auto")
		autoContentType(r)
		got, _ := io.ReadAll(r.Body)
		if r.Header.Get("Content-Type") != want || string(got) != body {
			t.Errorf("%q: Content-Type %q, body %q (want %q)", body, r.Header.Get("Content-Type"), got, want)
		}
	}
}
