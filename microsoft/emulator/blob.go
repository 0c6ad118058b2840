package emulator

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"io"
	"strings"

	"github.com/drivewayhq/driveway/microsoft/quickxor"
)

// blob is immutable file content kept as a list of chunks, so a 1 GiB upload
// is held as its fragments without ever being copied into one slice.
type blob struct {
	chunks [][]byte
	size   int64
	ref    string // file name in the blob directory once saved
	sha256 string // upper-case hex, when the builder computed it
}

// chunkSize is the read size of simple uploads.
const chunkSize = 1 << 20

// blobBuilder accumulates content in order and hashes it as it goes.
type blobBuilder struct {
	b   blob
	qx  hash.Hash
	sha hash.Hash // nil unless SHA-256 is wanted
}

// newBlobBuilder hashes with QuickXorHash, and SHA-256 when withSHA.
func newBlobBuilder(withSHA bool) *blobBuilder {
	bb := &blobBuilder{qx: quickxor.New()}
	if withSHA {
		bb.sha = sha256.New()
	}
	return bb
}

// add appends p, taking ownership of it.
func (bb *blobBuilder) add(p []byte) {
	if len(p) == 0 {
		return
	}
	bb.qx.Write(p)
	if bb.sha != nil {
		bb.sha.Write(p)
	}
	bb.b.chunks = append(bb.b.chunks, p)
	bb.b.size += int64(len(p))
}

// readFrom reads r to the end in chunks, failing once more than max bytes arrive.
func (bb *blobBuilder) readFrom(r io.Reader, max int64) error {
	for {
		buf := make([]byte, chunkSize)
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if bb.b.size+int64(n) > max {
				return errTooLarge
			}
			bb.add(buf[:n:n])
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// done returns the blob and its base64 QuickXorHash.
func (bb *blobBuilder) done() (*blob, string) {
	b := bb.b
	if bb.sha != nil {
		b.sha256 = strings.ToUpper(hex.EncodeToString(bb.sha.Sum(nil)))
	}
	return &b, base64.StdEncoding.EncodeToString(bb.qx.Sum(nil))
}

// ReadAt implements io.ReaderAt.
func (b *blob) ReadAt(p []byte, off int64) (int, error) {
	if off >= b.size {
		return 0, io.EOF
	}
	n := 0
	pos := int64(0)
	for _, c := range b.chunks {
		end := pos + int64(len(c))
		if off < end && n < len(p) {
			start := off - pos
			if start < 0 {
				start = 0
			}
			k := copy(p[n:], c[start:])
			n += k
			off += int64(k)
		}
		pos = end
		if n == len(p) {
			return n, nil
		}
	}
	return n, io.EOF
}

// bytes returns a copy of the whole content (small blobs: persistence, tests).
func (b *blob) bytes() []byte {
	out := make([]byte, 0, b.size)
	for _, c := range b.chunks {
		out = append(out, c...)
	}
	return out
}

// newBlob makes a blob from bytes and returns it with its hash.
func newBlob(p []byte, withSHA bool) (*blob, string) {
	bb := newBlobBuilder(withSHA)
	bb.add(p)
	return bb.done()
}
