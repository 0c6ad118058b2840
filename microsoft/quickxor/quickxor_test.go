package quickxor_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/drivewayhq/driveway/microsoft/quickxor"
)

// simpleSum is an independent, deliberately naive QuickXorHash written from
// the algorithm's description: a 160-bit circular register held one bit per
// element, byte i XORed in bit by bit starting at bit (i*11) mod 160, then the
// length XORed into the last 8 bytes little-endian.
func simpleSum(data []byte) [20]byte {
	var bits [160]byte
	for i, b := range data {
		start := (i * 11) % 160
		for k := range 8 {
			bits[(start+k)%160] ^= (b >> k) & 1
		}
	}
	var out [20]byte
	for j, bit := range bits {
		out[j/8] |= bit << (j % 8)
	}
	var l [8]byte
	binary.LittleEndian.PutUint64(l[:], uint64(len(data)))
	for k := range l {
		out[12+k] ^= l[k]
	}
	return out
}

func TestDocumentedVectors(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="},
		{"Sg==", "SgAAAAAAAAAAAAAAAQAAAAAAAAA="},
		{"tbQ=", "taAFAAAAAAAAAAAAAgAAAAAAAAA="},
	}
	for _, tt := range tests {
		in, err := base64.StdEncoding.DecodeString(tt.in)
		if err != nil {
			t.Fatalf("decode %q: %v", tt.in, err)
		}
		sum := quickxor.Sum(in)
		if got := base64.StdEncoding.EncodeToString(sum[:]); got != tt.want {
			t.Errorf("Sum(%q) = %s, want %s", tt.in, got, tt.want)
		}
		simple := simpleSum(in)
		if got := base64.StdEncoding.EncodeToString(simple[:]); got != tt.want {
			t.Errorf("simpleSum(%q) = %s, want %s", tt.in, got, tt.want)
		}
		h := quickxor.New()
		h.Write(in)
		if got := base64.StdEncoding.EncodeToString(h.Sum(nil)); got != tt.want {
			t.Errorf("New().Sum after %q = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestHashInterface(t *testing.T) {
	t.Parallel()
	h := quickxor.New()
	if h.Size() != 20 || h.BlockSize() != 64 {
		t.Fatalf("Size, BlockSize = %d, %d, want 20, 64", h.Size(), h.BlockSize())
	}
	h.Write([]byte("some bytes"))
	prefix := []byte("prefix")
	got := h.Sum(prefix)
	want := quickxor.Sum([]byte("some bytes"))
	if !bytes.Equal(got, append([]byte("prefix"), want[:]...)) {
		t.Fatalf("Sum(prefix) = %x, want prefix + %x", got, want)
	}
	h.Reset()
	empty := quickxor.Sum(nil)
	if got := h.Sum(nil); !bytes.Equal(got, empty[:]) {
		t.Fatalf("after Reset Sum = %x, want %x", got, empty)
	}
}

func TestStreamingEqualsOneShot(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 7, 8, 159, 160, 161, 320, 1000, 4099, 100_003} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		want := quickxor.Sum(data)
		if simple := simpleSum(data); simple != want {
			t.Fatalf("size %d: Sum = %x, simpleSum = %x", size, want, simple)
		}
		for range 20 {
			h := quickxor.New()
			rest := data
			for len(rest) > 0 {
				n := min(len(rest), rng.IntN(400)+1)
				h.Write(rest[:n])
				rest = rest[n:]
			}
			if got := h.Sum(nil); !bytes.Equal(got, want[:]) {
				t.Fatalf("size %d: streamed = %x, one-shot = %x", size, got, want)
			}
		}
	}
}

func FuzzQuickXor(f *testing.F) {
	f.Add([]byte{}, uint8(1))
	f.Add([]byte{0x4a}, uint8(3))
	f.Add(bytes.Repeat([]byte{0xff}, 333), uint8(17))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		want := simpleSum(data)
		if got := quickxor.Sum(data); got != want {
			t.Fatalf("Sum = %x, simpleSum = %x", got, want)
		}
		h := quickxor.New()
		step := int(chunk)%200 + 1
		for i := 0; i < len(data); i += step {
			h.Write(data[i:min(i+step, len(data))])
		}
		if got := h.Sum(nil); !bytes.Equal(got, want[:]) {
			t.Fatalf("streamed in %d-byte chunks = %x, simpleSum = %x", step, got, want)
		}
	})
}

func BenchmarkWrite(b *testing.B) {
	for _, size := range []int{4 << 10, 1 << 20} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i * 7)
		}
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			h := quickxor.New()
			b.SetBytes(int64(size))
			for b.Loop() {
				h.Write(data)
			}
		})
	}
}
