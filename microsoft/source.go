package microsoft

import (
	"bytes"
	"errors"
	"fmt"
	"hash"
	"io"
)

// uploadSource hands out the fragments of an upload and hashes every byte
// once, in order, whether it is sent or skipped. A ReaderAt is sent
// straight from the source (no copy); a stream is read into one
// fragment-sized buffer, so a fragment Graph lost can be sent again.
// Hashing a fragment may run while the fragment is being sent: both only
// read.
type uploadSource struct {
	ra      io.ReaderAt
	r       io.Reader
	size    int64
	h       hash.Hash
	hashed  int64 // bytes [0, hashed) are in h
	scratch []byte
	// Streams only.
	pos    int64 // bytes consumed from r
	buf    []byte
	bufOff int64 // buf[:bufLen] holds bytes [bufOff, bufOff+bufLen)
	bufLen int
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
	if err := s.streamChunk(off, n); err != nil {
		return nil, err
	}
	b := s.buf[:n]
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
		_, _ = s.h.Write(s.buf[s.hashed-s.bufOff : end-s.bufOff])
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

// streamChunk puts bytes [off, off+n) of the stream at the start of buf,
// keeping what buf already holds from off on.
func (s *uploadSource) streamChunk(off int64, n int) error {
	if off < s.bufOff || off > s.pos {
		return fmt.Errorf("upload: cannot rewind the stream to byte %d (fragment at %d already released)", off, s.bufOff)
	}
	keep := int(s.pos - off)
	copy(s.buf, s.buf[s.bufLen-keep:s.bufLen])
	s.bufOff, s.bufLen = off, keep
	if keep >= n {
		return nil
	}
	m, err := io.ReadFull(s.r, s.buf[keep:n])
	s.pos += int64(m)
	s.bufLen += m
	if err != nil {
		return fmt.Errorf("upload: read source: %w", err)
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
		n := int(min(int64(len(s.buf)), off-s.hashed))
		m, err := io.ReadFull(s.r, s.buf[:n])
		s.pos += int64(m)
		if err != nil {
			return fmt.Errorf("upload: read source: %w", err)
		}
		_, _ = s.h.Write(s.buf[:n])
		s.hashed += int64(n)
		s.bufOff, s.bufLen = s.hashed-int64(n), n
	}
	return nil
}

// detach gives a stream a new buffer when the transport may still read
// the old one (an HTTP body it has not closed yet), keeping its content.
func (s *uploadSource) detach() {
	if s.ra != nil {
		return
	}
	nb := make([]byte, len(s.buf))
	copy(nb, s.buf[:s.bufLen])
	s.buf = nb
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
