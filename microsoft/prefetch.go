package microsoft

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// prefetcher reads a stream ahead, in chunks of one fragment, on its own
// goroutine, so reading the source (a request body arriving over the
// network) overlaps sending the previous fragment to Graph. It holds two
// chunks: the one being sent and the next one, being filled (the hand-off
// is unbuffered, and a chunk is recycled as soon as it is released).
type prefetcher struct {
	ctx    context.Context
	cancel context.CancelFunc
	ready  chan chunk
	free   chan []byte
	held   []chunk // chunks received and not yet released, in order
	err    error   // the reader's error, once it arrives
}

type chunk struct {
	off    int64
	b      []byte
	err    error
	pinned bool // the transport may still read it: never reuse
}

func newPrefetcher(ctx context.Context, r io.Reader, size int64, chunkSize int) *prefetcher {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetcher{ctx: ctx, cancel: cancel, ready: make(chan chunk), free: make(chan []byte, 2)}
	go p.read(r, size, chunkSize)
	return p
}

// read fills chunks until size bytes or an error.
func (p *prefetcher) read(r io.Reader, size int64, chunkSize int) {
	for off := int64(0); off < size; {
		var b []byte
		select {
		case b = <-p.free:
		default:
			b = make([]byte, chunkSize)
		}
		n, err := io.ReadFull(r, b[:min(int64(chunkSize), size-off)])
		if errors.Is(err, io.ErrUnexpectedEOF) || (err == io.EOF && n == 0) {
			err = fmt.Errorf("upload: the source ended at byte %d of %d", off+int64(n), size)
		}
		select {
		case p.ready <- chunk{off: off, b: b[:n], err: err}:
		case <-p.ctx.Done():
			return
		}
		if err != nil {
			return
		}
		off += int64(n)
	}
}

// get returns bytes [off, off+n): a slice of one chunk when a fragment
// matches a chunk (the usual case), else a copy. Chunks wholly before off
// are released; asking for bytes before the oldest chunk held fails.
func (p *prefetcher) get(off int64, n int) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	p.release(off)
	if len(p.held) > 0 && off < p.held[0].off {
		return nil, fmt.Errorf("upload: cannot rewind the stream to byte %d (bytes from %d on are held)", off, p.held[0].off)
	}
	for p.end() < off+int64(n) {
		if p.err != nil {
			return nil, p.err
		}
		select {
		case c := <-p.ready:
			if c.err != nil {
				p.err = c.err
			}
			if len(c.b) > 0 {
				p.held = append(p.held, c)
			}
		case <-p.ctx.Done():
			return nil, p.ctx.Err()
		}
		p.release(off)
	}
	if first := p.held[0]; off+int64(n) <= first.off+int64(len(first.b)) {
		return first.b[off-first.off : off-first.off+int64(n)], nil
	}
	out := make([]byte, 0, n)
	for _, c := range p.held {
		from := max(off, c.off) - c.off
		to := min(off+int64(n), c.off+int64(len(c.b))) - c.off
		if from < to {
			out = append(out, c.b[from:to]...)
		}
	}
	return out, nil
}

// end is the offset after the last byte held.
func (p *prefetcher) end() int64 {
	if len(p.held) == 0 {
		return 0
	}
	last := p.held[len(p.held)-1]
	return last.off + int64(len(last.b))
}

// release drops chunks that end at or before off, recycling their buffers.
func (p *prefetcher) release(off int64) {
	for len(p.held) > 0 && p.held[0].off+int64(len(p.held[0].b)) <= off {
		c := p.held[0]
		p.held = p.held[1:]
		if !c.pinned {
			select {
			case p.free <- c.b[:cap(c.b)]:
			default:
			}
		}
	}
}

// pin marks the chunks holding [off, off+n) as possibly still read by the
// transport: their buffers are never reused.
func (p *prefetcher) pin(off int64, n int) {
	for i := range p.held {
		c := &p.held[i]
		if c.off < off+int64(n) && off < c.off+int64(len(c.b)) {
			c.pinned = true
		}
	}
}

// stop ends the reader goroutine.
func (p *prefetcher) stop() { p.cancel() }
