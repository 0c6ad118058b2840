package microsoft

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
)

// uploadSource hands out the fragments of an upload and hashes every byte
// once, in order, whether it is sent or skipped. A ReaderAt is sent
// straight from the source (no copy); a stream is read ahead into
// fragment-sized chunks (prefetch.go), so reading overlaps sending and a
// fragment Graph lost can be sent again.
// Hashing a fragment may run while the fragment is being sent: both only
// read.
type uploadSource struct {
	ra      io.ReaderAt
	r       io.Reader
	size    int64
	h       hash.Hash
	hashed  int64 // bytes [0, hashed) are in h
	scratch []byte
	// Streams only: the read-ahead and the fragment last handed out.
	pf     *prefetcher
	cur    []byte
	curOff int64
}

// startStream starts reading a stream ahead in chunks of chunkSize.
func (s *uploadSource) startStream(ctx context.Context, chunkSize int64) {
	if s.ra == nil {
		s.pf = newPrefetcher(ctx, s.r, s.size, int(max(chunkSize, 1)))
	}
}

// stop ends the read-ahead. After a failure one Read of the stream may
// still be in flight; an http.Request.Body tolerates that.
func (s *uploadSource) stop() {
	if s.pf != nil {
		s.pf.stop()
	}
}

// fragment prepares bytes [off, off+n) and returns a function that gives
// a fresh reader over them each time it is called (a body to replay).
func (s *uploadSource) fragment(off int64, n int) (func() io.Reader, error) {
	if off < 0 || off+int64(n) > s.size {
		return nil, fmt.Errorf("upload: fragment %d+%d is outside the %d-byte source", off, n, s.size)
	}
	if err := s.skipTo(off); err != nil {
		return nil, err
	}
	if s.ra != nil {
		ra := s.ra
		return func() io.Reader { return io.NewSectionReader(ra, off, int64(n)) }, nil
	}
	b, err := s.pf.get(off, n)
	if err != nil {
		return nil, err
	}
	s.cur, s.curOff = b, off
	return func() io.Reader { return bytes.NewReader(b) }, nil
}

// hashFragment hashes what is not hashed yet of the fragment [off, off+n)
// that fragment just prepared.
func (s *uploadSource) hashFragment(off int64, n int) error {
	end := off + int64(n)
	if end <= s.hashed {
		return nil
	}
	if s.ra == nil {
		_, _ = s.h.Write(s.cur[s.hashed-s.curOff : end-s.curOff])
		s.hashed = end
		return nil
	}
	return s.hashAt(end)
}

// hashAt hashes a ReaderAt from hashed up to end, through a small buffer.
func (s *uploadSource) hashAt(end int64) error {
	if s.scratch == nil {
		s.scratch = make([]byte, 256<<10)
	}
	for s.hashed < end {
		b := s.scratch[:min(int64(len(s.scratch)), end-s.hashed)]
		if err := readFullAt(s.ra, b, s.hashed); err != nil {
			return err
		}
		_, _ = s.h.Write(b)
		s.hashed += int64(len(b))
	}
	return nil
}

// skipTo hashes, without sending, the bytes between what was hashed and
// off (Graph already holds them, e.g. after resuming a session).
func (s *uploadSource) skipTo(off int64) error {
	if s.hashed >= off {
		return nil
	}
	if s.ra != nil {
		return s.hashAt(off)
	}
	for s.hashed < off {
		b, err := s.pf.get(s.hashed, int(min(off-s.hashed, 1<<20)))
		if err != nil {
			return err
		}
		_, _ = s.h.Write(b)
		s.hashed += int64(len(b))
	}
	return nil
}

// pin tells a stream's read-ahead that the transport may still read the
// fragment at off: its buffer is not reused.
func (s *uploadSource) pin(off int64, n int) {
	if s.pf != nil {
		s.pf.pin(off, n)
	}
}

func readFullAt(ra io.ReaderAt, b []byte, off int64) error {
	n, err := ra.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("upload: read source at %d: %w", off, err)
}
