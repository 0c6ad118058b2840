package workflow

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"testing"
)

// BenchmarkScrubLargeInput is what keeping file content out of a step's
// recorded input costs: a 4 MiB file's base64 (ONEDRIVE_DOWNLOAD_FILE's
// largest inline content) passed to a later step, replaced by its
// reference (scrub), beside BenchmarkRecordLargeInput, the JSON round trip
// every recorded input already pays. Compare the two in one run.
func BenchmarkScrubLargeInput(b *testing.B) {
	x, raw := largeInput(b)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if len(x.scrub(raw)) > len(raw)/100 {
			b.Fatal("the content was not replaced")
		}
	}
}

// BenchmarkRecordLargeInput is the baseline: decoding and encoding the same
// input, as recording it does.
func BenchmarkRecordLargeInput(b *testing.B) {
	_, raw := largeInput(b)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}

func largeInput(b *testing.B) (*exec, json.RawMessage) {
	content := make([]byte, 4<<20)
	_, _ = rand.Read(content)
	s := base64.StdEncoding.EncodeToString(content)
	x := &exec{}
	x.addContent(s, contentMarker("dl", "contentBase64", s))
	raw, _ := json.Marshal(map[string]any{"path": "/copy.bin", "contentBase64": s})
	return x, raw
}
